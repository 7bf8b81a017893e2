"""Test settings: PostgreSQL and Redis when DATABASE_URL / REDIS_URL are set (as in CI),
otherwise SQLite and in-memory stand-ins."""

from config.settings.base import *  # noqa: F403
from config.settings.base import BASE_DIR, env, redis_cache

DEBUG = False
SECRET_KEY = "test-secret-key-not-for-production"
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]

DATABASES = {"default": env.db("DATABASE_URL", default="sqlite:///:memory:")}

REDIS_URL = env.str("REDIS_URL", default="")
CACHES = (
    redis_cache(REDIS_URL) if REDIS_URL else {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
)
# Unit tests never reach a broker: enqueueing is asserted with on-commit callbacks.
# Integration tests start a real worker against REDIS_URL (see tests/integration/).
CELERY_BROKER_URL = "memory://"

# Tests assert on the English source strings unless they ask for another language explicitly
# (translation.override / Accept-Language); the product's default stays Russian.
LANGUAGE_CODE = "en"

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = BASE_DIR / "var" / "test-media"
