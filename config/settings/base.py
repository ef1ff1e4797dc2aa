"""Settings shared by every environment; values come from the environment."""

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import environ
import redis.exceptions

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("DJANGO_SECRET_KEY")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "channels",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "accounts",
    "shop",
    "faceauth",
    "payments",
    "merchant",
    "webhooks",
    "api",
    "ops",
]

MIDDLEWARE = [
    "ops.logs.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "config.security.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # After the session (the switcher's choice lives in a cookie) and before
    # CommonMiddleware; no language prefix in the URLs (DESIGN.md's contract).
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"

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
                "shop.context_processors.shop",
            ],
        },
    },
]

ASGI_APPLICATION = "config.asgi.application"
WSGI_APPLICATION = None


def postgres_connections(database: dict) -> dict:
    """How a PostgreSQL database is connected to, per process kind.

    Daphne runs each request's sync code in a thread of its own, so a persistent
    connection (CONN_MAX_AGE) is never used twice there: every request opened a new
    one. A web node therefore takes connections from a pool (DJANGO_DB_POOL=1; `make
    cluster` sets it for Daphne). Celery workers and commands keep one persistent
    connection per process instead, checked before reuse; a pool must not cross the
    fork of Celery's prefork workers.
    """
    if env.bool("DJANGO_DB_POOL", default=False):
        database.setdefault("OPTIONS", {})["pool"] = {
            "min_size": env.int("DJANGO_DB_POOL_MIN", default=2),
            "max_size": env.int("DJANGO_DB_POOL_MAX", default=10),
            "timeout": 10,  # seconds a request waits for a free connection
        }
        database["CONN_MAX_AGE"] = 0  # the pool keeps them
    else:
        database["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
        database["CONN_HEALTH_CHECKS"] = True
    return database


DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    postgres_connections(DATABASES["default"])
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Wait for the writer instead of failing at once when the worker and the web
    # process write at the same time. A transaction takes the write lock when it
    # begins: a deferred one that read first and then wants to write is refused at
    # once ("database is locked", no waiting) when another writer got there first.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        timeout=20, transaction_mode="IMMEDIATE"
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The proxy's probes come over plain HTTP from inside: never redirected to https
# (production's SECURE_SSL_REDIRECT).
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
# /metrics (Prometheus text, ops/metrics.py): on for a developer's machine; production
# turns it on explicitly, best with a token the scraper sends as a Bearer header.
METRICS_ENABLED = env.bool("METRICS_ENABLED", default=True)
METRICS_TOKEN = env("METRICS_TOKEN", default="")

REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/0")


def redis_backends(url):
    """Return the channel layer and cache settings for the Redis at `url`."""
    return (
        {
            "default": {
                "BACKEND": "channels_redis.core.RedisChannelLayer",
                # No client-side read timeout, as before redis-py 8: its 5 s default
                # cuts off the layer's 5 s blocking pop and crashes idle sockets,
                # and any timeout can swallow a cancelled receive (Python 3.11).
                # One retry on a connection error: after Redis restarts, the pool's
                # old connections fail once each, and would fail a socket each.
                "CONFIG": {
                    "hosts": [
                        {
                            "address": url,
                            "socket_timeout": None,
                            "retry_on_error": [redis.exceptions.ConnectionError],
                        }
                    ]
                },
            },
        },
        {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": url,
                # Under ASGI each request gets cache objects of its own: without a
                # pool shared by the process, each opened a new Redis connection.
                # Short timeouts: a hung Redis must not hold a request for seconds
                # (the cache's users, throttles and the catalogue, carry on without).
                "OPTIONS": {
                    "pool_class": "config.cache.SharedConnectionPool",
                    "socket_connect_timeout": 0.5,
                    "socket_timeout": 1,
                },
            },
        },
    )


CHANNEL_LAYERS, CACHES = redis_backends(REDIS_URL)

AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "shop:home"
LOGOUT_REDIRECT_URL = "shop:home"

LANGUAGE_CODE = "en"
# The switcher shows each by its own name; the browser's Accept-Language picks one
# until the shopper chooses. Catalogue data (product names, descriptions) stays in the
# language the merchant wrote it in.
LANGUAGES = [("en", "English"), ("fr", "Français"), ("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Our date formats per language (config/formats/<lang>/formats.py); numbers follow
# Django's own formats for each language.
FORMAT_MODULE_PATH = ["config.formats"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
# Every price is shown through shop.money.format_money (the `money` filter): one symbol.
CURRENCY_SYMBOL = env("SHOP_CURRENCY_SYMBOL", default="¥")

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
# Files WhiteNoise serves at the site's root: /favicon.ico, which browsers ask for
# whatever the page links.
WHITENOISE_ROOT = BASE_DIR / "static" / "root"
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("DJANGO_MEDIA_ROOT", default=BASE_DIR / "media")
# Serve uploaded media from Django itself (demo and single-host set-ups).
SERVE_MEDIA = env.bool("DJANGO_SERVE_MEDIA", default=False)

EMAIL_BACKEND = env(
    "DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = env(
    "DJANGO_DEFAULT_FROM_EMAIL", default="SmilePay <shop@localhost>"
)

# Database sessions that record their user, so that "sign out everywhere" finds a
# user's sessions by index (accounts/sessions.py); expired ones are cleared daily.
SESSION_ENGINE = "accounts.sessions"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
# Content-Security-Policy and Permissions-Policy (config/security.py), in every
# environment so that the browser tests prove the pages work under them. Scripts
# and styles come from /static/ only (no inline code, no inline style attributes);
# the camera preview is a <video> showing a MediaStream; frames go over a websocket
# to this same host (connect-src also names its ws:/wss: origin).
SECURE_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:", "blob:"],
    "media-src": ["'self'", "blob:"],
    "connect-src": ["'self'"],
    "font-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
# Swagger UI (drf-spectacular's split view: its start-up code is a script of its own)
# has an inline <style>; ReDoc an inline <script> and <style>, and it searches in a
# worker it builds from a blob. Only those pages.
SECURE_CSP_VIEW_OVERRIDES = {
    "api:docs": {"style-src": ["'self'", "'unsafe-inline'"]},
    "api:redoc": {
        "script-src": ["'self'", "'unsafe-inline'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "worker-src": ["'self'", "blob:"],
    },
}
PERMISSIONS_POLICY = {"camera": ["self"], "microphone": [], "geolocation": []}

CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Face frames are short tasks acknowledged after they run: take one at a time, and
# have Redis hand back the task of a worker that died within a minute.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Where tasks go; the browser tests give their own worker and servers a queue apart.
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_TASK_DEFAULT_QUEUE", default="celery")
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=60)
}
# Celery closes the database connection around every task unless told to reuse it:
# a new PostgreSQL connection per face frame. Keep it, and let config/celery.py close
# it as Django does around a request (CONN_MAX_AGE, or after an error).
CELERY_DB_REUSE_MAX = 1000
CELERY_BEAT_SCHEDULE = {
    "expire-overdue-payments": {
        "task": "payments.tasks.expire_overdue_payments",
        "schedule": 30.0,
    },
    # A face approval whose payment could not be applied at once is retried.
    "apply-face-verdicts": {
        "task": "payments.tasks.apply_face_verdicts",
        "schedule": 10.0,
    },
    # The webhook outbox relay: retries, and deliveries a dead worker left behind.
    "relay-webhooks": {
        "task": "webhooks.tasks.relay_webhooks",
        "schedule": 15.0,
    },
    "purge-idempotency-records": {
        "task": "api.tasks.purge_idempotency_records",
        "schedule": 60 * 60.0,
    },
    "clear-expired-sessions": {
        "task": "accounts.tasks.clear_expired_sessions",
        "schedule": 24 * 60 * 60.0,
    },
    "purge-stale-signups": {
        "task": "accounts.tasks.purge_stale_signups",
        "schedule": 24 * 60 * 60.0,
    },
}

# How long a placed order waits for the shopper's confirmation before it expires
# and its stock returns to the shelf.
PAYMENT_CONFIRMATION_MINUTES = env.int("PAYMENT_CONFIRMATION_MINUTES", default=15)
SHOP_CURRENCY = "CNY"
SHOP_PAGE_SIZE = 12
# Product pictures staff upload (shop/pictures.py): at most this many bytes and
# pixels, checked before a pixel is decoded. 40 MP is a phone's or camera's largest
# photo; decoding one takes about 120 MB for a moment.
SHOP_PICTURE_MAX_BYTES = env.int("SHOP_PICTURE_MAX_BYTES", default=10 * 1024 * 1024)
SHOP_PICTURE_MAX_PIXELS = env.int("SHOP_PICTURE_MAX_PIXELS", default=40_000_000)

# The REST API under /api/ (see api/ and README "API").
# How long an order's Idempotency-Key is answered from its record; a retry after
# that places the cart again, which has no order left to place.
API_IDEMPOTENCY_HOURS = env.int("API_IDEMPOTENCY_HOURS", default=24)
# How long an API token lives (accounts/tokens.py); a new password or "sign out
# everywhere" ends it sooner.
API_TOKEN_DAYS = env.int("API_TOKEN_DAYS", default=30)
REST_FRAMEWORK = {
    # Token first: an anonymous call then gets 401 with a WWW-Authenticate header.
    # Session authentication enforces CSRF on unsafe methods.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "SmilePay API",
    "DESCRIPTION": (
        "Shop, cart, orders, wallet and merchant fulfilment of SmilePay. "
        "Authenticate with a token (`Authorization: Token <key>`, from "
        "`POST /api/auth/token/`) or the site's session cookie (unsafe methods then "
        "need the `X-CSRFToken` header). Errors are `{detail, code}`; invalid "
        "input adds `fields`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/",
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI and ReDoc from drf-spectacular-sidecar's static files: no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "OrderStatusEnum": "shop.models.Order.Status",
        "OrderLineStatusEnum": "shop.models.OrderLine.Status",
        "PaymentStatusEnum": "payments.models.Payment.Status",
        "PaymentMethodEnum": "payments.models.Payment.Method",
        "TransferKindEnum": "payments.models.Transfer.Kind",
        "FaceLimitCodeEnum": "payments.limits.FACE_LIMIT_CODES",
        "WebhookEventTypeEnum": "webhooks.models.EventType",
        "WebhookDeliveryStatusEnum": "webhooks.models.Delivery.Status",
        "StockMovementReasonEnum": "shop.models.StockMovement.Reason",
        "StockChangeReasonEnum": "shop.models.StockMovement.MANUAL_CHOICES",
    },
}

# LOG_FORMAT=json: one JSON object a line (production's and `make cluster`'s), each
# with the request id and the face check's attempt id across processes (ops/logs.py).
LOG_FORMAT = env("LOG_FORMAT", default="plain")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "ops.logs.ContextFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
        "json": {"()": "ops.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "plain",
            "filters": ["context"],
        }
    },
    "root": {"handlers": ["console"], "level": "INFO"},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
    },
}
# Celery replaces the root logger's handlers with its own format unless told not to:
# with JSON logs, its workers keep these (and their lines carry the ids too).
CELERY_WORKER_HIJACK_ROOT_LOGGER = LOG_FORMAT == "plain"

# Face payment. FACEAUTH_KEYS: comma-separated Fernet keys, newest first; the first
# encrypts the face templates, all of them decrypt (rotate with rotate_face_keys).
FACEAUTH_KEYS = env.list("FACEAUTH_KEYS", default=[])
# Largest distance between a checkout face and the centroid of the shopper's
# enrolment encodings that counts as the same person; measured in docs/faces.md.
FACEAUTH_TOLERANCE = env.float("FACEAUTH_TOLERANCE", default=0.59)
# Templates unused for this long are deleted by purge_biometrics (daily, via beat).
FACEAUTH_RETENTION_DAYS = env.int("FACEAUTH_RETENTION_DAYS", default=3 * 365)
# Namespace of the frames in flight in Redis (faceauth/frames.py).
FACEAUTH_REDIS_PREFIX = env("FACEAUTH_REDIS_PREFIX", default="faceauth")
# Seconds a face check at checkout may take before it expires.
FACEAUTH_ATTEMPT_SECONDS = env.int("FACEAUTH_ATTEMPT_SECONDS", default=30)
# How long a frame's keyed digest is remembered: the same bytes in another face check
# of the same user is dropped as a replay (faceauth/frames.py); 0 turns this off.
FACEAUTH_REPLAY_SECONDS = env.int("FACEAUTH_REPLAY_SECONDS", default=24 * 60 * 60)
# Face payment is offered only for orders up to FACEAUTH_MAX_AMOUNT, and while the
# shopper's approved face payments of the day (the calendar day in TIME_ZONE) stay
# within FACEAUTH_DAILY_MAX_AMOUNT; above either, the password. In yuan. The face
# check is a 2-D liveness test: docs/security.md ("Amount limits") says why so low.
FACEAUTH_MAX_AMOUNT = env("FACEAUTH_MAX_AMOUNT", cast=Decimal, default=Decimal(1000))
FACEAUTH_DAILY_MAX_AMOUNT = env(
    "FACEAUTH_DAILY_MAX_AMOUNT", cast=Decimal, default=Decimal(1000)
)
CELERY_BEAT_SCHEDULE["expire-face-attempts"] = {
    "task": "faceauth.tasks.expire_attempts",
    "schedule": 5.0,
}
CELERY_BEAT_SCHEDULE["purge-biometrics"] = {
    "task": "faceauth.tasks.purge_biometrics",
    "schedule": 24 * 60 * 60.0,
}

# Webhooks to merchants (webhooks/): a 5 s budget per request, retried with
# exponential back-off and jitter for 3 days. Loopback only where a test or the demo
# runs its own receiver; https only in production (production.py).
WEBHOOKS_TIMEOUT_SECONDS = 5.0
WEBHOOKS_RETRY_BASE_SECONDS = 30
WEBHOOKS_RETRY_MAX_SECONDS = 6 * 60 * 60
WEBHOOKS_GIVE_UP_AFTER = timedelta(days=3)
# A worker's claim on a delivery: one dead mid-request has it sent again after this.
WEBHOOKS_LEASE_SECONDS = env.int("WEBHOOKS_LEASE_SECONDS", default=60)
WEBHOOKS_ALLOW_LOOPBACK = env.bool("WEBHOOKS_ALLOW_LOOPBACK", default=False)
WEBHOOKS_REQUIRE_HTTPS = env.bool("WEBHOOKS_REQUIRE_HTTPS", default=False)
