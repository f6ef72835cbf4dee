"""Base settings: every value has a working laptop default and is read from the environment.

With no environment at all ccops runs on SQLite under ``var/`` with Celery eager and a
local-memory cache. ``DATABASE_URL`` and ``REDIS_URL`` switch to PostgreSQL and Redis with
no code change. Secrets are read from ``NAME`` or from the file named by ``NAME_FILE``.
"""

from datetime import timedelta
from pathlib import Path

import environ

from .secret_key import env_value, local_secret_key

BASE_DIR = Path(__file__).resolve().parent.parent.parent
env = environ.Env()
env.smart_cast = False
# Laptop state (the SQLite database, the made-once secret key, collected static files).
VAR_DIR = Path(env.str("VAR_DIR", default=str(BASE_DIR / "var")))

DEBUG = env.bool("DEBUG", default=False)
# From the environment, or a random key made once under var/ (production requires one).
SECRET_KEY = env_value("SECRET_KEY") or local_secret_key(VAR_DIR)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "django_celery_beat",
    "axes",
    "simple_history",
    "ccops",
    "training",
    "workitems",
    "contacts",
    "staffing",
    "quality",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "ccops.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "ccops.urls"
WSGI_APPLICATION = "ccops.wsgi.application"
AUTH_USER_MODEL = "ccops.User"
AUTHENTICATION_BACKENDS = [
    # django-axes first: it refuses a login from a locked-out username/IP before any check.
    "axes.backends.AxesStandaloneBackend",
    "ccops.backends.TeamAwareBackend",  # Django's ModelBackend, loading the user's team
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "NAME": "django",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "ccops.context_processors.ccops",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'ccops.sqlite3'}"),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Behind PgBouncer in transaction pooling, consecutive transactions of one Django connection
# may run on different server connections, so a server-side cursor (a named cursor that
# lives across fetches) can vanish mid-iteration: set this to true there (README,
# "Production").
DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = env.bool(
    "DATABASE_DISABLE_SERVER_SIDE_CURSORS", default=False
)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite: wait for a writer instead of failing at once, like a small server would.
    DATABASES["default"]["OPTIONS"] = {"timeout": 20}
    # A fresh checkout has no var/: SQLite cannot create the file's folder ("unable to open
    # database file" from a plain ``manage.py migrate``), so make it.
    if str(DATABASES["default"]["NAME"]) not in ("", ":memory:"):
        Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    # A dead Redis behaves as an empty cache (misses, dropped writes), never as a 500; after a
    # failure the cache is skipped for ``retry_after`` seconds. See ccops/cache.py.
    CACHES = {
        "default": {
            "BACKEND": "ccops.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "ccops",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1, "retry_after": 5},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
# The user guide's pictures are served under /static/guide/ (ccops/guide_views.py).
STATICFILES_DIRS = [BASE_DIR / "static", ("guide", BASE_DIR / "docs" / "guide" / "img")]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
# Sessions live in the database and are read through the cache (Redis where configured): a
# page's session costs no query while cached, and a Redis outage loses no login.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

REST_FRAMEWORK = {
    # Token first: DRF takes the ``WWW-Authenticate`` header of a 401 from the first class,
    # and the session's has none, so with it first a wrong token or no credentials answered
    # 403. A request that sends a token is judged by that token (a wrong one is a 401 even
    # with a session cookie); browser requests send none and keep their session.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "ccops.api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # JSON with a nesting and 64-bit integer guard (ccops/api/parsers.py); forms as DRF's.
    "DEFAULT_PARSER_CLASSES": [
        "ccops.api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "ccops.api.pagination.StandardPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    # JSON only: the Swagger UI at /api/v1/docs/ is the explorer. DRF's browsable API uses
    # inline style attributes our Content Security Policy refuses, so only DEBUG offers it.
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"]
    + (["rest_framework.renderers.BrowsableAPIRenderer"] if DEBUG else []),
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "ccops.api.negotiation.ContentNegotiation",
    "DEFAULT_SCHEMA_CLASS": "ccops.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "ccops.api.errors.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "ccops API",
    "DESCRIPTION": "Front office and back office as one operation.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "ccops.api.schema.add_error_responses",  # the Error shape on every operation
    ],
    "ENUM_NAME_OVERRIDES": {
        "EvaluationStatusEnum": "quality.choices.EvaluationStatus",
        "EvaluationSourceEnum": "quality.choices.EvaluationSource",
        "CalibrationStatusEnum": "quality.choices.CalibrationStatus",
        "PresenceStateEnum": "workitems.choices.PresenceState",
        "ScheduleRunStatusEnum": "staffing.schedule_models.ScheduleRun.Status",
        "ScheduledActivityEnum": "staffing.schedule_models.ScheduledActivity",
        "ActivityEnum": "staffing.choices.Activity",
        "NotificationKindEnum": "ccops.notification_models.NotificationKind",
        "TimeOffKindEnum": "staffing.time_off_models.TimeOffKind",
    },
}

# Celery: eager (inline) unless a broker is configured, so a laptop needs no Redis.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "memory://")
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = env.bool(
    "CELERY_TASK_ALWAYS_EAGER", default=not (REDIS_URL or env.str("CELERY_BROKER_URL", ""))
)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_TIME_LIMIT = 30 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 25 * 60
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Redis redelivers a task whose worker died (acks_late) once it has been unacknowledged this
# long: keep it above the longest task (CELERY_TASK_TIME_LIMIT), or a slow task runs twice.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
}
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = TIME_ZONE

# Login throttling (django-axes): 5 failures for one username from one address lock that
# pair out for 15 minutes; a successful login resets the count.
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_IPWARE_PROXY_COUNT = env.int("AXES_IPWARE_PROXY_COUNT", default=0)

# Security headers (ccops.middleware.SecurityHeadersMiddleware). Every page loads scripts,
# styles, fonts and images from our own static files only: no inline <script>, no style=""
# attributes, no eval. Page data reaches scripts through json_script (type application/json,
# which the policy does not execute). CSP_REPORT_ONLY=true reports violations in the browser
# console without blocking, to try a stricter policy on a live site first.
CSP = env.str(
    "CSP",
    default="; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "font-src 'self'",
            "connect-src 'self'",
            "frame-ancestors 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "object-src 'none'",
        ]
    ),
)
CSP_REPORT_ONLY = env.bool("CSP_REPORT_ONLY", default=False)
# Django's SecurityMiddleware sets these two; named here so the policy is in one place.
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURITY_HEADERS = {
    # No page needs these browser features; refuse them to any script or frame.
    "Permissions-Policy": "accelerometer=(), camera=(), geolocation=(), gyroscope=(), "
    "magnetometer=(), microphone=(), payment=(), usb=()",
}

# Uploads. A CSV import refuses a file over CSV_IMPORT_MAX_BYTES or with more than
# CSV_IMPORT_MAX_ROWS data rows (work items are created one by one, about 3 ms each, so a
# file must finish well inside a request); shifts are bulk-inserted, so a file may hold a
# week for a large centre. Request bodies other than files are capped by Django at
# DATA_UPLOAD_MAX_MEMORY_SIZE (a 400 page, or a JSON 400 from the API); uploaded files over
# FILE_UPLOAD_MAX_MEMORY_SIZE are streamed to a temporary file instead of memory.
# The reverse proxy should also cap the whole body (e.g. nginx client_max_body_size 10m).
CSV_IMPORT_MAX_BYTES = env.int("CSV_IMPORT_MAX_BYTES", default=5 * 1024 * 1024)
CSV_IMPORT_MAX_ROWS = env.int("CSV_IMPORT_MAX_ROWS", default=5_000)
SHIFT_IMPORT_MAX_ROWS = env.int("SHIFT_IMPORT_MAX_ROWS", default=20_000)
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=2_621_440)
# An API JSON body nested deeper than this is a 400 naming "body" (ccops/api/parsers.py).
API_JSON_MAX_DEPTH = env.int("API_JSON_MAX_DEPTH", default=32)
FILE_UPLOAD_MAX_MEMORY_SIZE = env.int("FILE_UPLOAD_MAX_MEMORY_SIZE", default=2_621_440)

# Files kept by the app (e-mail attachments). With several hosts, point the default storage
# at shared storage (a network volume or an object store).
MEDIA_ROOT = env.str("MEDIA_ROOT", default=str(VAR_DIR / "media"))
MEDIA_URL = "media/"

# E-mail in (workitems.mail_in): attachments over this size are not kept (the case lists
# them as dropped); at most EMAIL_IN_BATCH messages per mailbox per poll.
EMAIL_IN_MAX_ATTACHMENT_BYTES = env.int("EMAIL_IN_MAX_ATTACHMENT_BYTES", default=10 * 1024 * 1024)
EMAIL_IN_BATCH = env.int("EMAIL_IN_BATCH", default=100)
EMAIL_IN_TIMEOUT_SECONDS = env.int("EMAIL_IN_TIMEOUT_SECONDS", default=30)

# The customer's public status page: requests per client address per window (seconds);
# past that, a 429 page. 0 turns the limit off.
PUBLIC_STATUS_RATE_LIMIT = env.int("PUBLIC_STATUS_RATE_LIMIT", default=30)
PUBLIC_STATUS_RATE_WINDOW = env.int("PUBLIC_STATUS_RATE_WINDOW", default=60)

# Domain settings.
REOPEN_AS_SAME_ITEM_WITHIN_DAYS = env.int("REOPEN_AS_SAME_ITEM_WITHIN_DAYS", default=7)
DUPLICATE_WINDOW_HOURS = env.int("DUPLICATE_WINDOW_HOURS", default=72)
# Queue statistics: an abandon within this many seconds of the offer is a short abandon,
# left out of the service level's denominator (DOMAIN.md). Contact sources' secrets are
# sealed with a key derived from CONTACT_SOURCE_KEY (default: SECRET_KEY).
SHORT_ABANDON_SECONDS = env.int("SHORT_ABANDON_SECONDS", default=5)
CONTACT_SOURCE_KEY = env_value("CONTACT_SOURCE_KEY") or ""
NEW_HIRE_DAYS = 90
# Recognition awards of one kind a single agent may receive per day, from all givers.
RECOGNITION_AWARDS_PER_AGENT_PER_DAY = env.int("RECOGNITION_AWARDS_PER_AGENT_PER_DAY", default=1)
# Customers with no activity for this many days are anonymised nightly (GDPR); unset: never.
CUSTOMER_RETENTION_DAYS = env.int("CUSTOMER_RETENTION_DAYS", default=None)

# ``manage.py simulate`` (the demo center's simulated day): on for laptops, off in production.
DEMO_SIMULATION = env.bool("DEMO_SIMULATION", default=True)
# Real-time adherence: minutes out of adherence before the supervisor is alerted.
ADHERENCE_GRACE_MINUTES = env.int("ADHERENCE_GRACE_MINUTES", default=5)

# Alerts out (ccops.notifications). E-mail goes to the console unless a backend is set
# (e.g. EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend with EMAIL_HOST, ...).
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="ccops <ccops@localhost>")
# The address links in e-mails and webhooks start with.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")
# An e-mail or webhook that failed this many times stays "failed" in the outbox (admin).
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=8)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

# Serve static files straight from the source folders unless collected (production).
WHITENOISE_USE_FINDERS = True

from .oidc import *  # noqa: E402,F403 - single sign-on (OIDC_*), off unless configured
