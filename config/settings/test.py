"""Settings for the test suite: the real Redis and database, fast hashing."""

import os
import tempfile

from .base import *  # noqa: F403
from .base import DATABASES, env, redis_backends

DEBUG = False
SERVE_MEDIA = True
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# The suite reads Django's outbox; the browser tests' servers write their mail to
# files instead (tests/e2e/conftest.py), where a test can open it as a user would.
EMAIL_BACKEND = env(
    "DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.locmem.EmailBackend"
)
EMAIL_FILE_PATH = env("DJANGO_EMAIL_FILE_PATH", default=None)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Serve static files from the apps' folders, as in development: no collectstatic.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
MEDIA_ROOT = env.path("DJANGO_MEDIA_ROOT", default="/tmp/smilepay-test-media")
# Tests share the machine's Redis: keep their keys apart from a running demo.
REDIS_URL = env("TEST_REDIS_URL", default="redis://127.0.0.1:6379/9")
CHANNEL_LAYERS, CACHES = redis_backends(REDIS_URL)
CELERY_BROKER_URL = REDIS_URL
# Attempt ids restart at 1 in every test database: keep each run's frames apart
# (the browser tests hand this value to their server processes).
FACEAUTH_REDIS_PREFIX = env(
    "FACEAUTH_REDIS_PREFIX", default=f"faceauth-test-{os.getpid()}"
)
# Sign-in throttle counters apart from other runs' (each test also gets its own).
AUTH_THROTTLE_PREFIX = env(
    "AUTH_THROTTLE_PREFIX", default=f"auth-throttle-test-{os.getpid()}"
)
# A fixed key for tests only; tests that rotate keys override the setting.
FACEAUTH_KEYS = ["P8Zr2xqGk5h8uCl0YmGQkCWJ0vBv7YtP1c0rEJ8QJ9o="]

if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Connections closed after each request and task, as before (a test's threads
    # and servers must not keep one open past its database's teardown); the cluster
    # tests start their nodes with production's choice.
    if "pool" not in DATABASES["default"].get("OPTIONS", {}):
        DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
    # One test database per run, so that two runs on one server never collide.
    DATABASES["default"]["TEST"] = {
        "NAME": f"test_{DATABASES['default']['NAME']}_{os.getpid()}"
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The browser tests run Daphne and a Celery worker as separate processes, which
    # cannot see an in-memory database: keep the test database in a file, one per run.
    DATABASES["default"]["TEST"] = {
        "NAME": os.path.join(
            tempfile.gettempdir(), f"smilepay-test-{os.getpid()}.sqlite3"
        )
    }
