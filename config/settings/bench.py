"""Benchmark settings (``make bench``): production-shaped (DEBUG off, PostgreSQL, Redis cache,
gunicorn, whitenoise, manifest static files) but runnable on a developer machine: a dummy
secret key, only 127.0.0.1/localhost allowed, no HTTPS redirect.

The database and Redis default to the benchmark's own ``kafedra_bench`` database and Redis db 14,
which ``python -m bench`` drops and flushes; they are deliberately not read from DATABASE_URL /
REDIS_URL so that a benchmark run can never point at a development or CI database.
``python -m bench`` sets BENCH_STATIC_ROOT to a temporary directory and runs collectstatic into it.
"""

from config.settings.base import *  # noqa: F403
from config.settings.base import VAR_DIR, env, redis_cache

DEBUG = False
SECRET_KEY = env.str("SECRET_KEY", default="bench-only-insecure-secret-key-not-for-production-use")  # noqa: S105
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

ROOT_URLCONF = "bench.urls"

DATABASES = {
    "default": env.db("BENCH_DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/kafedra_bench")
}
# As in production: persistent connections, checked before reuse.
DATABASES["default"]["CONN_MAX_AGE"] = 60
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

REDIS_URL = env.str("BENCH_REDIS_URL", default="redis://127.0.0.1:6379/14")
CACHES = redis_cache(REDIS_URL)
CELERY_BROKER_URL = REDIS_URL

EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"

STATIC_ROOT = env.path("BENCH_STATIC_ROOT", default=VAR_DIR / "bench" / "static")
# As in production, a template linking a static file that is not in the manifest fails with a
# 500. BENCH_STATIC_MANIFEST=0 serves static files without a manifest (unhashed URLs, never a
# 500), to measure the pages while such a bug is open; the report says so.
if not env.bool("BENCH_STATIC_MANIFEST", default=True):
    STORAGES = {
        **STORAGES,  # noqa: F405
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
    }

# The production headers, minus what needs HTTPS: the load generator speaks plain HTTP to 127.0.0.1.
SECURE_SSL_REDIRECT = False
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# Request logs would cost time per request; warnings (e.g. 4xx/5xx) still reach the gunicorn log.
LOGGING["root"]["level"] = env.str("LOG_LEVEL", default="WARNING")  # noqa: F405
