"""Settings shared by every environment. Environment-specific modules import this and set
the database, cache, broker and secrets (``local``/``test`` with dev defaults, ``production``
with none)."""

from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "django_celery_beat",
    "django_htmx",
    "core",
    "accounts",
    "courses",
    "lessons",
    "quizzes",
    "exams",
    "reviews",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The logged-in user's preferred language over LocaleMiddleware's choice; needs request.user.
    "accounts.middleware.UserLocaleMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.navigation",
            ],
        },
    },
]

AUTH_USER_MODEL = "accounts.User"
# Sessions are read from the cache (Redis in production) and written through to the database,
# so a logged-in page costs no session query and a cache flush logs nobody out.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
# ModelBackend with the signed-in user read from the cache (dropped on every write to it).
AUTHENTICATION_BACKENDS = ["accounts.backends.CachedModelBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "/"

LANGUAGE_CODE = "ru"
LANGUAGES = [("ru", _("Russian")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="Europe/Moscow")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")
MEDIA_URL = "media/"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Kafedra API",
    "DESCRIPTION": "Course delivery: catalog, lessons, quizzes, exams, feedback.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # One name per choice set: the models reuse short names (Kind, Status) for different sets.
    "ENUM_NAME_OVERRIDES": {
        "NotificationKindEnum": "accounts.models.Notification.Kind",
        "LanguageEnum": "accounts.models.User.Language",  # users and courses
        "CourseStatusEnum": "courses.models.Course.Status",
        "OutcomeKindEnum": "courses.models.CourseOutcome.Kind",
        "EnrollmentStatusEnum": "courses.models.Enrollment.Status",
        "ResourceKindEnum": "courses.models.Resource.Kind",
        "LessonKindEnum": "lessons.models.Lesson.Kind",
        "LessonProgressStatusEnum": "lessons.models.LessonProgress.Status",
        "QuestionKindEnum": "quizzes.models.Question.Kind",
        "PublicationStatusEnum": "quizzes.models.Quiz.Status",  # quizzes, tasks, exams, board
        "GradingMethodEnum": "quizzes.models.Quiz.GradingMethod",
        "ReviewTimingEnum": "quizzes.models.Quiz.ReviewTiming",
        "AttemptStatusEnum": "quizzes.models.Attempt.Status",  # quiz attempts and exam sittings
        "TaskFileKindEnum": "exams.models.TaskFile.Kind",
        "SubmissionKindEnum": ["check", "submit", "reference"],
        "SittingStatusEnum": ["in_progress", "submitted", "grading", "awaiting_manual", "graded"],
        "FeedbackTargetEnum": ["lesson", "question", "case", "ticket"],
        "SubmissionStatusEnum": ["queued", "running", "done", "error"],
        "CaseSubmissionStatusEnum": "exams.models.CaseSubmission.Status",
        "RolePlaySessionStatusEnum": "exams.models.RolePlaySession.Status",
        "ReviewStatusEnum": "reviews.models.Review.Status",
        "ReviewPointKindEnum": "reviews.models.ReviewPoint.Kind",
        "FeedbackStatusEnum": "reviews.models.FeedbackResponse.Status",
    },
}

# Celery: the broker is set per environment. Grading and sandbox runs must survive a killed worker.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Celery's Django fixup closes the database connection before and after every task unless this
# is set; config/celery_app.py then applies CONN_MAX_AGE and the health checks around each task
# as Django does around each request, and the fixup only recycles it every 1000 tasks.
CELERY_DB_REUSE_MAX = 1000
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_DEFAULT_QUEUE = "default"
# Grading a quiz attempt has its own queue, which workers read first (config/celery_app.py);
# every worker command consumes "grading,default,sandbox" (Makefile, docker-compose.yml, bench).
CELERY_TASK_ROUTES = {
    "exams.tasks.*": {"queue": "sandbox"},
    "quizzes.tasks.attempt_grade_task": {"queue": "grading"},
}
# Environment settings that set more transport options keep this one ({**…, "…": …}).
CELERY_BROKER_TRANSPORT_OPTIONS = {"queue_order_strategy": "config.celery_app:GradingFirstCycle"}
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = TIME_ZONE
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"

# The public address of the site, for links in e-mails (e.g. https://kafedra.example.com).
SITE_URL = env.str("SITE_URL", default="")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Kafedra <noreply@kafedra.local>")

# Where course bundles are imported from by `make run`.
COURSE_BUNDLES_DIR = BASE_DIR / "fixtures" / "courses"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}


def redis_cache(url: str) -> dict:
    """The cache configuration for a Redis URL."""
    return {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}}

from config.beat_schedule import BEAT_SCHEDULE as CELERY_BEAT_SCHEDULE  # noqa: E402, F401

# Sandbox (exams/sandbox): where runtimes live, who runs untrusted code, and the limits every
# run gets on top of a task's own time and memory limits. Without bubblewrap and user
# namespaces code is never run, unless the development-only override below is on.
SANDBOX_RUNTIMES_DIR = env.path("SANDBOX_RUNTIMES_DIR", default=VAR_DIR / "runtimes")
SANDBOX_USER = env.str("SANDBOX_USER", default="kafedra-sandbox")  # used when the worker runs as root
SANDBOX_BWRAP_PATH = env.str("SANDBOX_BWRAP_PATH", default="/usr/bin/bwrap")
SANDBOX_ALLOW_UNISOLATED = env.bool("SANDBOX_ALLOW_UNISOLATED_DEV_ONLY", default=False)
SANDBOX_PROCESS_LIMIT = env.int("SANDBOX_PROCESS_LIMIT", default=64)  # processes + threads per run
SANDBOX_OUTPUT_LIMIT_BYTES = env.int("SANDBOX_OUTPUT_LIMIT_BYTES", default=1_000_000)  # per test
SANDBOX_OUTPUT_KEEP_CHARS = env.int("SANDBOX_OUTPUT_KEEP_CHARS", default=8_000)  # kept per stream
SANDBOX_DISK_LIMIT_MB = env.int("SANDBOX_DISK_LIMIT_MB", default=256)  # /work and /tmp, each
SANDBOX_CPU_THREADS = env.int("SANDBOX_CPU_THREADS", default=1)  # OMP/BLAS threads per run
SANDBOX_STARTUP_SECONDS = env.int("SANDBOX_STARTUP_SECONDS", default=30)  # CPU s for start-up + test imports
SANDBOX_MAX_FILE_BYTES = env.int("SANDBOX_MAX_FILE_BYTES", default=256_000)  # per submitted file
SANDBOX_MAX_PENDING_PER_USER = env.int("SANDBOX_MAX_PENDING_PER_USER", default=3)
SANDBOX_WALL_TIME_FACTOR = env.float("SANDBOX_WALL_TIME_FACTOR", default=3.0)  # wall limit = CPU limit × this
