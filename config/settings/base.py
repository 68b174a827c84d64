"""Settings shared by every environment. Everything that varies comes from the environment."""

import json
import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured

from config.settings.environment import env_bool, env_float, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent

SECRET_KEY = env_str("SECRET_KEY", "")
DEBUG = env_bool("DEBUG", False)

# Tenancy: the public site lives on BASE_DOMAIN, each business on <slug>.BASE_DOMAIN.
BASE_DOMAIN = env_str("BASE_DOMAIN", "localhost").lower()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [BASE_DOMAIN, f".{BASE_DOMAIN}"])
# The scheme and port used when the platform writes absolute links (sign-up redirect, e-mails).
SITE_SCHEME = env_str("SITE_SCHEME", "http")
SITE_PORT = env_str("SITE_PORT", "")

SHARED_APPS = [
    "django_tenants",
    "tenants",
    "django.contrib.contenttypes",
    "django.contrib.staticfiles",
    "django.contrib.messages",
    "django.contrib.postgres",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    "leaflet",
    "django_htmx",
    "csp",
]
TENANT_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "tenants.accounts",
    "delivery",
    "routing",
    "tracking",
    "notifications",
    "web",
    # Failed sign-ins per business (its schema), for the login lockout.
    "axes",
]
INSTALLED_APPS = SHARED_APPS + [app for app in TENANT_APPS if app not in SHARED_APPS]

TENANT_MODEL = "tenants.Tenant"
TENANT_DOMAIN_MODEL = "tenants.Domain"
PUBLIC_SCHEMA_NAME = "public"
# New businesses are cloned from this migrated, empty schema: far faster than running migrations.
TENANT_BASE_SCHEMA = "tenant_template"
TENANT_CREATION_FAKES_MIGRATIONS = True
# `platform_setup` migrates the businesses' schemas this many at a time (django-tenants'
# multiprocessing executor; 1 = one after another); default two processes per CPU, since a third
# to a half of each schema's time is spent waiting for PostgreSQL (bench/results/scale.md).
MIGRATION_PROCESSES = env_int("MIGRATION_PROCESSES", 0) or 2 * (os.cpu_count() or 1)
TENANT_MULTIPROCESSING_MAX_PROCESSES = MIGRATION_PROCESSES
TENANT_MULTIPROCESSING_CHUNKS = env_int("MIGRATION_CHUNKS", 2)
# A closed business's schema is dropped this many days after its owner closed it.
TENANT_CLOSE_GRACE_DAYS = env_int("TENANT_CLOSE_GRACE_DAYS", 30)
TENANT_LIMIT_SET_CALLS = True
# Slugs a business cannot take: they name our own hosts or would confuse users.
RESERVED_TENANT_SLUGS = frozenset(
    {
        "www",
        "api",
        "admin",
        "app",
        "public",
        "static",
        "media",
        "mail",
        "smtp",
        "ftp",
        "help",
        "support",
        "status",
        "docs",
        "blog",
        "billing",
        "signup",
        "login",
        "dashboard",
        "track",
        "ws",
        "cdn",
        "assets",
        "dev",
        "test",
        "staging",
        "tenant",
        "template",
        "postgres",
        "information",
        "root",
        "system",
        "demo-template",
    }
)

MIDDLEWARE = [
    "tenants.middleware.TenantHostMiddleware",
    # The business's language for its pages (the tracking page switches to the recipient's).
    "tenants.middleware.BusinessLanguageMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: turns a locked-out sign-in into its lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls_tenant"
PUBLIC_SCHEMA_URLCONF = "config.urls_public"
ASGI_APPLICATION = "config.asgi.application"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csrf",
                "django.contrib.messages.context_processors.messages",
                "tenants.context_processors.tenant",
                "tenants.context_processors.map_tiles",
                "tenants.context_processors.conventions",
            ],
            # Every page may write dates, times and codes in the business's words.
            "builtins": [
                "tenants.templatetags.business_format",
                "web.templatetags.business_labels",
            ],
        },
    },
]

DATABASE_URL = env_str("DATABASE_URL", "")
if not DATABASE_URL:
    raise ImproperlyConfigured(
        "DATABASE_URL is not set. Run through `make run` / `make test` (they start an embedded "
        "PostgreSQL when it is unset) or export DATABASE_URL=postgresql://user@host:5432/dbname."
    )
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL,
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0),
        conn_health_checks=True,
    )
}
DATABASES["default"]["ENGINE"] = "django_tenants.postgresql_backend"
DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = env_int(
    "DATABASE_CONNECT_TIMEOUT", 5
)
# A pool of connections per process (psycopg_pool), for the web server: under ASGI Django opens
# a connection per request otherwise (persistent connections leak with its per-request threads).
# The web launcher sets it (scripts/web.py); Celery's forked workers keep plain connections.
DATABASE_POOL_MAX_SIZE = env_int("DATABASE_POOL_MAX_SIZE", 0)
if DATABASE_POOL_MAX_SIZE:
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"]["pool"] = {
        "min_size": 1,
        "max_size": DATABASE_POOL_MAX_SIZE,
        "timeout": env_int("DATABASE_POOL_TIMEOUT", 10),
    }
DATABASE_ROUTERS = ["django_tenants.routers.TenantSyncRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_str("REDIS_URL", "")
if not REDIS_URL:
    raise ImproperlyConfigured(
        "REDIS_URL is not set. Run through `make run` / `make test` (they start an embedded "
        "Redis when it is unset) or export REDIS_URL=redis://host:6379/0."
    )
# Every key this deployment writes to Redis starts with this (cache, channel layer, rate limits).
REDIS_KEY_PREFIX = env_str("REDIS_KEY_PREFIX", "dm")

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": f"{REDIS_KEY_PREFIX}:cache",
        # Cache keys carry the tenant's schema, so no tenant ever reads another's entries.
        "KEY_FUNCTION": "tenants.cache.make_key",
        "REVERSE_KEY_FUNCTION": "tenants.cache.reverse_key",
        "OPTIONS": {"socket_timeout": 2, "socket_connect_timeout": 2},
    }
}

CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "tenants.channel_layer.ResilientRedisChannelLayer",
        "CONFIG": {
            # redis-py reads time out after 5 s by default, exactly channels_redis's blocking
            # read of an idle socket's channel: without a longer timeout idle sockets drop.
            "hosts": [{"address": REDIS_URL, "socket_timeout": 10}],
            "prefix": f"{REDIS_KEY_PREFIX}:asgi",
            "capacity": 1000,
            "expiry": 30,
        },
    }
}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # First: refuses a sign-in while its user or address is locked out, before any password check.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Login lockout (django-axes): after AXES_FAILURE_LIMIT wrong passwords for one e-mail, or from
# one address, sign-in is refused (429, with when to try again) for AXES_COOLOFF_TIME; an owner or
# admin can unlock a teammate on the team page. Behind a proxy set AXES_IPWARE_PROXY_COUNT.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
# The sign-in form's field (an e-mail); axes would otherwise look for the user model's "email".
AXES_USERNAME_FORM_FIELD = "username"
AXES_LOCKOUT_CALLABLE = "tenants.accounts.views.locked_out"
AXES_IPWARE_PROXY_COUNT = env_int("AXES_IPWARE_PROXY_COUNT", 0) or None
AXES_VERBOSE = False
# Requests without credentials (or with a wrong API key) per client address, per minute; sign-ups
# and invitations per client address, per hour. Over the limit: 429 with Retry-After.
API_ANONYMOUS_RATE_LIMIT_PER_MINUTE = env_int("API_ANONYMOUS_RATE_LIMIT_PER_MINUTE", 30)
SIGNUP_RATE_LIMIT_PER_HOUR = env_int("SIGNUP_RATE_LIMIT_PER_HOUR", 5)
INVITATION_RATE_LIMIT_PER_HOUR = env_int("INVITATION_RATE_LIMIT_PER_HOUR", 30)
# "Forgot password?": requests per e-mail address (in one business) and per client address, per
# hour; over the address's limit the page answers as always and sends nothing. The public
# sign-in page's business look-ups per client address, per hour.
PASSWORD_RESET_RATE_LIMIT_PER_EMAIL_PER_HOUR = env_int(
    "PASSWORD_RESET_RATE_LIMIT_PER_EMAIL_PER_HOUR", 3
)
PASSWORD_RESET_RATE_LIMIT_PER_HOUR = env_int("PASSWORD_RESET_RATE_LIMIT_PER_HOUR", 20)
BUSINESS_LOOKUP_RATE_LIMIT_PER_HOUR = env_int("BUSINESS_LOOKUP_RATE_LIMIT_PER_HOUR", 60)
# How long the one-time links work: an invitation's set-password link, a password reset's.
INVITATION_LINK_SECONDS = env_int("INVITATION_LINK_SECONDS", 3 * 24 * 3600)
PASSWORD_RESET_LINK_SECONDS = env_int("PASSWORD_RESET_LINK_SECONDS", 3600)
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
# The longest any one-time link may live (each kind has its own, shorter or equal, above).
PASSWORD_RESET_TIMEOUT = max(INVITATION_LINK_SECONDS, PASSWORD_RESET_LINK_SECONDS)
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 14 * 24 * 3600)
SESSION_ENGINE = "tenants.accounts.sessions"  # database sessions, odd cookies refused
# Drivers log in once on their phone and stay logged in: a longer session, renewed on use.
DRIVER_SESSION_AGE = env_int("DRIVER_SESSION_AGE", 30 * 24 * 3600)
MESSAGE_STORAGE = "django.contrib.messages.storage.cookie.CookieStorage"

LANGUAGE_CODE = "en"
# The shipped languages (tenants.locale.LANGUAGES); translations in locale/, compiled .mo committed.
LANGUAGES = [("en", "English"), ("nl", "Nederlands"), ("de", "Deutsch")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / ".data" / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "web.storage.StaticFilesStorage"},
}
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / ".data" / "media")))

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", f"noreply@{BASE_DOMAIN}")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "tenants.api.authentication.ApiKeyAuthentication",
        "tenants.api.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_THROTTLE_CLASSES": ["tenants.api.ratelimit.ApiRateThrottle"],
    "DEFAULT_PAGINATION_CLASS": "tenants.api.pagination.CursorPagination",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["tenants.api.parsers.JsonParser"],
    "EXCEPTION_HANDLER": "tenants.api.errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "tenants.api.schema.AutoSchema",
    "UNAUTHENTICATED_USER": None,
    "DATETIME_FORMAT": "iso-8601",
}
# Requests per second per API key unless the tenant sets its own limit.
API_RATE_LIMIT_PER_SECOND = env_int("API_RATE_LIMIT_PER_SECOND", 20)
IDEMPOTENCY_TTL_SECONDS = 24 * 3600
# A claim whose request never finished (crashed worker) may be retried after this long.
IDEMPOTENCY_LOCK_SECONDS = 60

SPECTACULAR_SETTINGS = {
    "TITLE": "Delivery platform API",
    "DESCRIPTION": (
        "Plan, dispatch, track and notify deliveries. Authenticate with "
        "`Authorization: Bearer <api key>`; see the error shape, pagination, idempotency "
        "and rate limiting conventions in the README."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    # Operations folded and the models section closed: Swagger UI then renders the 300 KB schema
    # in a fraction of the time it takes to lay every operation out open.
    "SWAGGER_UI_SETTINGS": {
        "docExpansion": "none",
        "defaultModelsExpandDepth": -1,
        "deepLinking": True,
        "filter": True,
        "persistAuthorization": True,
    },
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "UserRoleEnum": "tenants.accounts.models.Role",
        "ApiKeyRoleEnum": "tenants.accounts.models.ApiKey.KeyRole",
        "OrderStatusEnum": "delivery.models.OrderStatus",
        "LocationStatusEnum": "delivery.models.LocationStatus",
        "FailureReasonEnum": "delivery.models.FailureReason",
        "WebhookDeliveryStatusEnum": "notifications.models.WebhookDelivery.Status",
        "MessageStatusEnum": "notifications.models.Message.Status",
    },
}

CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Sending a task must never hold a request up when Redis is away (README "Reliability"): connect
# and send give up within half a second, one reconnect is tried (a pooled connection may be stale
# after a Redis restart), and what was not sent is sent again by a sweep from PostgreSQL.
CELERY_BROKER_TIMEOUT_SECONDS = float(env_str("CELERY_BROKER_TIMEOUT_SECONDS", "0.5"))
CELERY_BROKER_CONNECTION_TIMEOUT = CELERY_BROKER_TIMEOUT_SECONDS
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 3600,
    "socket_timeout": CELERY_BROKER_TIMEOUT_SECONDS,
    "socket_connect_timeout": CELERY_BROKER_TIMEOUT_SECONDS,
}
CELERY_TASK_PUBLISH_RETRY = True
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.1,
    "interval_max": 0.1,
}
# Results are kept only for the few tasks someone waits on; the backend's own reconnects are
# bounded too (Celery's default is 20 tries, one a second).
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = 1
CELERY_REDIS_SOCKET_TIMEOUT = 5
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {
    "retry_policy": {
        "max_retries": 2,
        "interval_start": 0,
        "interval_step": 0.2,
        "interval_max": 0.5,
    }
}
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_QUEUE", "default")
# Separate queues, each with its own workers (`make run`, docker-compose): webhook and message
# deliveries never wait behind a long plan, and a plan never waits behind 600 deliveries.
# Planning itself has two: days with more than PLANNING_LARGE_ORDERS orders on `planning_large`,
# the rest on `planning`, so a 1,000-order plan never holds a bakery's 50-order plan (README,
# "Scaling out").
CELERY_PLANNING_QUEUE = env_str("CELERY_PLANNING_QUEUE", "planning")
CELERY_PLANNING_LARGE_QUEUE = env_str("CELERY_PLANNING_LARGE_QUEUE", "planning_large")
PLANNING_LARGE_ORDERS = env_int("PLANNING_LARGE_ORDERS", 200)
# Mid-day re-planning starts a van under way from its driver's last known position when that
# is at most this old; an older one (phone off, no signal) falls back to the current stop.
PLANNING_POSITION_MAX_AGE_SECONDS = env_int("PLANNING_POSITION_MAX_AGE_SECONDS", 15 * 60)
# The driver's phone re-reads its route this often even without a push (a missed message).
DRIVER_REFRESH_SECONDS = env_int("DRIVER_REFRESH_SECONDS", 30)
CELERY_TASK_ROUTES = {
    "routing.tasks.optimization_run_task": {"queue": CELERY_PLANNING_QUEUE},
    "notifications.tasks.events_dispatch_task": {"queue": "events"},
    "notifications.tasks.webhook_delivery_send_task": {"queue": "events"},
    "notifications.tasks.message_send_task": {"queue": "events"},
    "tenants.accounts.tasks.invitation_email_send": {"queue": "events"},
    "tenants.accounts.tasks.password_reset_email_send": {"queue": "events"},
    "tenants.tasks.tenants_fan_out": {"queue": "housekeeping"},
    "tenants.tasks.tenants_closed_drop_task": {"queue": "housekeeping"},
    "routing.tasks.optimizations_reap_task": {"queue": "housekeeping"},
    "notifications.tasks.outbox_sweep_task": {"queue": "housekeeping"},
    "notifications.tasks.notifications_purge_task": {"queue": "housekeeping"},
    "tracking.tasks.positions_purge_task": {"queue": "housekeeping"},
    "tenants.accounts.tasks.idempotency_records_purge": {"queue": "housekeeping"},
    "delivery.customers.tasks.standing_orders_generate_task": {"queue": "housekeeping"},
    "delivery.tasks.shopify_order_sync_task": {"queue": "events"},
    "delivery.tasks.shopify_syncs_sweep_task": {"queue": "housekeeping"},
}
# Processes per worker (`celery worker --concurrency` wins); 0 = one per CPU.
CELERY_WORKER_CONCURRENCY = env_int("CELERY_WORKER_CONCURRENCY", 0) or None
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 600)
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 540)
CELERY_RESULT_EXPIRES = 24 * 3600
CELERY_TASK_TRACK_STARTED = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_TIMEZONE = "UTC"
# Beat's sends are fire-and-forget (no result-backend round trip) and as bounded as any other.
BEAT_OPTIONS = {"ignore_result": True}
# Planning jobs: a job whose worker stopped (no heartbeat past its deadline) is re-run once or
# failed; queued jobs whose task never reached the broker are sent again (routing.services).
OPTIMIZATION_REAP_SECONDS = float(env_str("OPTIMIZATION_REAP_SECONDS", "15"))
# A queued job whose task has not reached the broker this long after it was requested is sent.
OPTIMIZATION_UNSENT_GRACE_SECONDS = env_int("OPTIMIZATION_UNSENT_GRACE_SECONDS", 30)
# A job sent this long ago and still queued is sent again: a Redis restart loses queued messages,
# and kombu drops messages published before the workers declared their queues again. A second
# copy is harmless (only the run that takes the job from queued plans it).
OPTIMIZATION_RESEND_SECONDS = env_int("OPTIMIZATION_RESEND_SECONDS", 60)
CELERY_BEAT_SCHEDULE = {
    "purge-idempotency-records": {
        "task": "tenants.tasks.tenants_fan_out",
        "schedule": 3600.0,
        "args": ("tenants.accounts.tasks.idempotency_records_purge",),
        "options": BEAT_OPTIONS,
    },
    "drop-closed-businesses": {
        "task": "tenants.tasks.tenants_closed_drop_task",
        "schedule": 24 * 3600.0,
    },
    "reap-stuck-optimizations": {
        "task": "tenants.tasks.tenants_fan_out",
        "schedule": OPTIMIZATION_REAP_SECONDS,
        "args": ("routing.tasks.optimizations_reap_task",),
        "options": BEAT_OPTIONS,
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}

# Geocoding (delivery.geocoding): a geopy service name ("off" for none), its address, its options
# as JSON, short timeouts, and the public services' usage policy: who we are, one request a
# second across every process, and a pause when it does not answer.
# Each web process generates the API docs' schema once it starts (~0.2 s of CPU), so that the
# first visit to /api/docs/ does not wait for it.
API_SCHEMA_PREPARE_ON_START = env_bool("API_SCHEMA_PREPARE_ON_START", True)

GEOCODER = env_str("GEOCODER", "photon")
GEOCODER_URL = env_str("GEOCODER_URL", "")
GEOCODER_OPTIONS = json.loads(env_str("GEOCODER_OPTIONS", "{}"))
GEOCODER_TIMEOUT = env_float("GEOCODER_TIMEOUT", 4)
GEOCODER_SEARCH_TIMEOUT = env_float("GEOCODER_SEARCH_TIMEOUT", 2)
GEOCODER_USER_AGENT = env_str(
    "GEOCODER_USER_AGENT",
    f"delivery-platform/1.0 (self-hosted at {BASE_DOMAIN}; set GEOCODER_USER_AGENT to a contact)",
)
GEOCODER_MIN_INTERVAL_SECONDS = env_float("GEOCODER_MIN_INTERVAL_SECONDS", 1)
GEOCODER_BACKOFF_SECONDS = env_int("GEOCODER_BACKOFF_SECONDS", 30)
# Address suggestions while typing: requests per user per minute (most are answered from cache).
GEOCODER_SEARCH_RATE_PER_MINUTE = env_int("GEOCODER_SEARCH_RATE_PER_MINUTE", 60)

# Proof of delivery uploads.
PROOF_MAX_BYTES = env_int("PROOF_MAX_BYTES", 8 * 1024 * 1024)
PROOF_CONTENT_TYPES = ("image/jpeg", "image/png", "image/webp")
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 10 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# Map tiles are the only thing a page loads from outside; maps degrade to markers without them.
MAP_TILE_URL = env_str("MAP_TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")
MAP_TILE_ATTRIBUTION = env_str(
    "MAP_TILE_ATTRIBUTION",
    '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>',
)

# Route optimisation: where travel times come from (routing.matrices).
ROUTING_MATRIX_PROVIDER = env_str("ROUTING_MATRIX_PROVIDER", "great_circle")
ROUTING_MATRIX_URL = env_str("ROUTING_MATRIX_URL", "")
ROUTING_MATRIX_TIMEOUT = env_int("ROUTING_MATRIX_TIMEOUT", 20)
ROUTING_MATRIX_BLOCK = env_int("ROUTING_MATRIX_BLOCK", 100)
# The road geometry the maps draw comes from the same OSRM/Valhalla server, asked by the web
# request that shows the route: a short timeout, then straight lines.
ROUTING_GEOMETRY_TIMEOUT = float(env_str("ROUTING_GEOMETRY_TIMEOUT", "5"))
ROUTING_DETOUR_FACTOR = float(env_str("ROUTING_DETOUR_FACTOR", "1.35"))
ROUTING_SPEEDS_KMH = {
    "car": 35.0,
    "van": 32.0,
    "truck": 28.0,
    "bike": 15.0,
    "cargo_bike": 13.0,
    "walk": 4.5,
    **json.loads(env_str("ROUTING_SPEEDS_KMH", "{}")),
}

# Reports: tailpipe CO2 per vehicle-km by fuel (grams); the defaults are rounded from the UK
# Government GHG Conversion Factors (DESNZ/DEFRA, vans up to 3.5 t). Override with your country's.
REPORTS_EMISSION_FACTORS_G_PER_KM = {
    "diesel": 250,
    "petrol": 215,
    "electric": 0,
    "none": 0,
    **json.loads(env_str("REPORTS_EMISSION_FACTORS_G_PER_KM", "{}")),
}
REPORTS_EMISSION_SOURCE = env_str(
    "REPORTS_EMISSION_SOURCE",
    "UK Government GHG Conversion Factors for Company Reporting (DESNZ/DEFRA), vans, average up "
    "to 3.5 t, tailpipe; "
    "https://www.gov.uk/government/collections/government-conversion-factors-for-company-reporting",
)
if any(
    not isinstance(grams, int | float) or grams < 0
    for grams in REPORTS_EMISSION_FACTORS_G_PER_KM.values()
):
    raise ImproperlyConfigured("REPORTS_EMISSION_FACTORS_G_PER_KM: grams per km must be >= 0.")

# Notifications and webhooks (notifications/; README "Notifications and webhooks").
NOTIFICATIONS_FROM_EMAIL = env_str("NOTIFICATIONS_FROM_EMAIL", "")  # default: DEFAULT_FROM_EMAIL
SMS_BACKEND = env_str("SMS_BACKEND", "console")  # console, file, locmem, twilio
SMS_FILE_PATH = env_str("SMS_FILE_PATH", str(BASE_DIR / ".data" / "sms.jsonl"))
SMS_CONNECT_TIMEOUT = env_int("SMS_CONNECT_TIMEOUT", 5)
SMS_TIMEOUT = env_int("SMS_TIMEOUT", 10)
TWILIO_API_URL = env_str("TWILIO_API_URL", "https://api.twilio.com")
TWILIO_ACCOUNT_SID = env_str("TWILIO_ACCOUNT_SID", "")
TWILIO_API_KEY_SID = env_str("TWILIO_API_KEY_SID", "")  # optional: an API key instead of the SID
TWILIO_AUTH_TOKEN = env_str("TWILIO_AUTH_TOKEN", "")
TWILIO_FROM_NUMBER = env_str("TWILIO_FROM_NUMBER", "")
TWILIO_MESSAGING_SERVICE_SID = env_str("TWILIO_MESSAGING_SERVICE_SID", "")
# Provider failures are retried after these many seconds; permanent errors are not retried.
MESSAGE_RETRY_SCHEDULE_SECONDS = [30, 120, 600, 1800, 3600]
MESSAGE_CLAIM_SECONDS = 120
WEBHOOK_CONNECT_TIMEOUT_SECONDS = env_int("WEBHOOK_CONNECT_TIMEOUT_SECONDS", 5)
WEBHOOK_TIMEOUT_SECONDS = env_int("WEBHOOK_TIMEOUT_SECONDS", 10)
# Standard Webhooks' schedule after the first try: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h
# (27.6 h in all), then the delivery has failed.
WEBHOOK_RETRY_SCHEDULE_SECONDS = [5, 300, 1800, 7200, 18000, 36000, 36000]
# Retries up to this wait are queued with a countdown; longer ones are found by the sweep.
WEBHOOK_RETRY_QUEUE_MAX_SECONDS = 600
# An endpoint failing this many times in a row over at least this long is disabled.
WEBHOOK_DISABLE_AFTER_FAILURES = env_int("WEBHOOK_DISABLE_AFTER_FAILURES", 20)
WEBHOOK_DISABLE_AFTER_SECONDS = env_int("WEBHOOK_DISABLE_AFTER_SECONDS", 5 * 24 * 3600)
WEBHOOKS_ALLOW_PRIVATE_TARGETS = env_bool("WEBHOOKS_ALLOW_PRIVATE_TARGETS", False)
# Events younger than this are left to their own after-commit dispatch by the sweep.
OUTBOX_SWEEP_GRACE_SECONDS = env_int("OUTBOX_SWEEP_GRACE_SECONDS", 30)
CELERY_BEAT_SCHEDULE["notifications-outbox-sweep"] = {
    "task": "tenants.tasks.tenants_fan_out",
    "schedule": float(env_str("OUTBOX_SWEEP_SECONDS", "60")),
    "args": ("notifications.tasks.outbox_sweep_task",),
    "options": BEAT_OPTIONS,
}
# Events and webhook delivery logs are kept this long (the message log stays).
NOTIFICATIONS_RETENTION_DAYS = env_int("NOTIFICATIONS_RETENTION_DAYS", 30)
CELERY_BEAT_SCHEDULE["notifications-purge"] = {
    "task": "tenants.tasks.tenants_fan_out",
    "schedule": 24 * 3600.0,
    "args": ("notifications.tasks.notifications_purge_task",),
    "options": BEAT_OPTIONS,
}

# Live tracking (tracking/): what a position may be, how long positions are kept, live ETAs.
TRACKING_FUTURE_SKEW_SECONDS = env_int("TRACKING_FUTURE_SKEW_SECONDS", 30)
TRACKING_BUFFER_WINDOW_SECONDS = env_int("TRACKING_BUFFER_WINDOW_SECONDS", 12 * 3600)
TRACKING_MAX_ACCURACY_M = env_int("TRACKING_MAX_ACCURACY_M", 500)
TRACKING_MAX_SPEED_MPS = env_int("TRACKING_MAX_SPEED_MPS", 90)
TRACKING_RETENTION_DAYS = env_int("TRACKING_RETENTION_DAYS", 30)
TRACKING_WRITE_INTERVAL_MS = env_int("TRACKING_WRITE_INTERVAL_MS", 10)
TRACKING_ETA_INTERVAL_SECONDS = env_int("TRACKING_ETA_INTERVAL_SECONDS", 30)
TRACKING_ETA_PUSH_SECONDS = env_int("TRACKING_ETA_PUSH_SECONDS", 60)
TRACKING_APPROACH_METERS = env_int("TRACKING_APPROACH_METERS", 500)
TRACKING_APPROACH_SECONDS = env_int("TRACKING_APPROACH_SECONDS", 300)
TRACKING_ARRIVAL_RADIUS_M = env_int("TRACKING_ARRIVAL_RADIUS_M", 60)
TRACKING_ARRIVAL_SECONDS = env_int("TRACKING_ARRIVAL_SECONDS", 60)
TRACKING_LINK_DAYS = env_int("TRACKING_LINK_DAYS", 7)
CELERY_BEAT_SCHEDULE["purge-old-positions"] = {
    "task": "tenants.tasks.tenants_fan_out",
    "schedule": 3600.0,
    "args": ("tracking.tasks.positions_purge_task",),
    "options": BEAT_OPTIONS,
}

# The arrival window told to recipients (SMS, e-mail, tracking page): this wide around the ETA,
# starting on a multiple of the step (delivery.arrival).
ARRIVAL_WINDOW_MINUTES = env_int("ARRIVAL_WINDOW_MINUTES", 60)
ARRIVAL_WINDOW_STEP_MINUTES = env_int("ARRIVAL_WINDOW_STEP_MINUTES", 15)


# Content-Security-Policy (django-csp) on every page: scripts only from our own static files
# (page data is embedded with json_script, never as code; an inline script would need the request's
# nonce), no plugins, no <base>, no framing; images from us and the map tile host; fetches and
# websockets to this host. Styles allow inline style attributes: Leaflet positions its map panes,
# markers and route colours with them (CSS, not script).
def content_security_policy(*, base_domain: str, site_scheme: str, tile_url: str) -> dict:
    """The policy for these hosts (environments that change them call this again)."""
    tiles = urlsplit(tile_url)
    tile_source = [f"{tiles.scheme}://{tiles.netloc.replace('{s}', '*')}"] if tiles.netloc else []
    websocket = "wss" if site_scheme == "https" else "ws"
    return {
        "DIRECTIVES": {
            "default-src": [SELF],
            "script-src": [SELF, NONCE],
            "style-src": [SELF, UNSAFE_INLINE],
            "img-src": [SELF, "data:", "blob:", *tile_source],
            "connect-src": [
                SELF,
                f"{websocket}://{base_domain}:*",
                f"{websocket}://*.{base_domain}:*",
            ],
            "font-src": [SELF],
            "worker-src": [SELF],
            "manifest-src": [SELF],
            "object-src": [NONE],
            "base-uri": [NONE],
            "frame-ancestors": [NONE],
            # Sign-up posts on the public host and lands (a redirect) on the new business's.
            "form-action": [SELF, f"{site_scheme}://*.{base_domain}:*"],
        }
    }


CONTENT_SECURITY_POLICY = content_security_policy(
    base_domain=BASE_DOMAIN, site_scheme=SITE_SCHEME, tile_url=MAP_TILE_URL
)

# Standing orders (delivery.customers): their orders are generated this many days ahead, by a
# beat task per business on the housekeeping queue.
STANDING_ORDERS_DAYS_AHEAD = env_int("STANDING_ORDERS_DAYS_AHEAD", 14)
CELERY_BEAT_SCHEDULE["standing-orders-generate"] = {
    "task": "tenants.tasks.tenants_fan_out",
    "schedule": 3600.0,
    "args": ("delivery.customers.tasks.standing_orders_generate_task",),
}

# Shopify write-back (delivery.shopify_sync): delivered / failed Shopify orders are fulfilled
# in their shop through the GraphQL Admin API of this version (a shop's custom-app token).
SHOPIFY_API_VERSION = env_str("SHOPIFY_API_VERSION", "2025-10")
# Where the Admin API is: {shop} is the shop's myshopify.com domain (tests point it elsewhere).
SHOPIFY_ADMIN_URL = env_str("SHOPIFY_ADMIN_URL", "https://{shop}/admin/api/{version}/graphql.json")
SHOPIFY_CONNECT_TIMEOUT_SECONDS = env_int("SHOPIFY_CONNECT_TIMEOUT_SECONDS", 5)
SHOPIFY_TIMEOUT_SECONDS = env_int("SHOPIFY_TIMEOUT_SECONDS", 15)
# Retries of a write-back Shopify could not take (network, 5xx, 429): exponential backoff from
# this many seconds (at least Shopify's Retry-After), at most this many times, then failed.
SHOPIFY_SYNC_BACKOFF_SECONDS = env_int("SHOPIFY_SYNC_BACKOFF_SECONDS", 30)
SHOPIFY_SYNC_MAX_BACKOFF_SECONDS = env_int("SHOPIFY_SYNC_MAX_BACKOFF_SECONDS", 3600)
SHOPIFY_SYNC_MAX_RETRIES = env_int("SHOPIFY_SYNC_MAX_RETRIES", 8)
SHOPIFY_SYNC_CLAIM_SECONDS = 120
# Shopify's own shipping e-mail on fulfillment (our SMS and e-mails already tell the recipient).
SHOPIFY_NOTIFY_CUSTOMER = env_bool("SHOPIFY_NOTIFY_CUSTOMER", False)
CELERY_BEAT_SCHEDULE["shopify-syncs-sweep"] = {
    "task": "tenants.tasks.tenants_fan_out",
    "schedule": 300.0,
    "args": ("delivery.tasks.shopify_syncs_sweep_task",),
    "options": BEAT_OPTIONS,
}
