"""Settings for `make bench`: production-like (DEBUG off, persistent database
connections) on a throw-away database, Redis db and Celery queue that bench/run.py
creates and names in the environment. Plain HTTP on loopback, no HTTPS redirects.

Adds one route, `/bench/minimal/` (a view returning "ok"), through bench/urls.py:
the storefront's baseline. Production URLs never include it.
"""

from .base import *  # noqa: F403
from .base import env, redis_backends

DEBUG = False
ROOT_URLCONF = "bench.urls"
# Database connections as in production (base.postgres_connections): persistent in
# the worker, a pool in Daphne when the bench sets DJANGO_DB_POOL=1 for it.
REDIS_URL = env("REDIS_URL")
CHANNEL_LAYERS, CACHES = redis_backends(REDIS_URL)
CACHES["default"]["KEY_PREFIX"] = env("BENCH_CACHE_PREFIX", default="smilepay-bench")
CELERY_BROKER_URL = REDIS_URL
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = env.path("DJANGO_MEDIA_ROOT", default="/tmp/smilepay-bench-media")
LOGGING = {
    **LOGGING,  # noqa: F405
    "root": {"handlers": ["console"], "level": env("BENCH_LOG_LEVEL", default="INFO")},
}
