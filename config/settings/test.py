"""Settings for `make test`: the real PostgreSQL and Redis, isolated key space and queue."""

import os

from config.settings.base import *  # noqa: F403
from config.settings.environment import env_bool, env_int, env_str

# pytest-xdist runs one process per worker; each gets its own Redis keys and Celery queue.
_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")

DEBUG = False
SECRET_KEY = "test-only-secret-key-that-is-long-enough-for-django-checks-0123456789"  # noqa: S105
# Processes started by a test (web server, Celery worker) inherit the test run's prefix.
REDIS_KEY_PREFIX = os.environ.get("TEST_REDIS_KEY_PREFIX") or f"test-{os.getpid()}-{_WORKER}"
CACHES["default"]["KEY_PREFIX"] = f"{REDIS_KEY_PREFIX}:cache"  # noqa: F405
CHANNEL_LAYERS["default"]["CONFIG"]["prefix"] = f"{REDIS_KEY_PREFIX}:asgi"  # noqa: F405
CELERY_TASK_DEFAULT_QUEUE = f"{REDIS_KEY_PREFIX}:celery"
# Tests call platform_setup inside their transaction: one process unless a test asks for more.
MIGRATION_PROCESSES = env_int("MIGRATION_PROCESSES", 1)
TENANT_MULTIPROCESSING_MAX_PROCESSES = MIGRATION_PROCESSES
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = Path(env_str("TEST_MEDIA_ROOT", f"/tmp/delivery-test-media-{_WORKER}"))  # noqa: F405, S108
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}

# Served straight from the source folders (no collectstatic outside production).
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
# Webhook receivers in tests listen on 127.0.0.1; SMS go to a list in memory.
WEBHOOKS_ALLOW_PRIVATE_TARGETS = True
SMS_BACKEND = "locmem"

# Tests never reach a public geocoder: the ones about geocoding start a local one.
GEOCODER = env_str("TEST_GEOCODER", "off")
API_SCHEMA_PREPARE_ON_START = env_bool("API_SCHEMA_PREPARE_ON_START", False)

# Tests never fetch map tiles from the internet: maps run in their degraded mode (markers only).
MAP_TILE_URL = env_str("TEST_MAP_TILE_URL", "")
CONTENT_SECURITY_POLICY = content_security_policy(  # noqa: F405
    base_domain=BASE_DOMAIN,  # noqa: F405
    site_scheme=SITE_SCHEME,  # noqa: F405
    tile_url=MAP_TILE_URL,  # noqa: F405
)

# Each test run has its own queues (the same names, under its key prefix).
CELERY_TASK_ROUTES = {  # noqa: F405
    name: {**route, "queue": f"{REDIS_KEY_PREFIX}:{route['queue']}"}
    for name, route in CELERY_TASK_ROUTES.items()  # noqa: F405
}
CELERY_PLANNING_QUEUE = f"{REDIS_KEY_PREFIX}:planning"
CELERY_PLANNING_LARGE_QUEUE = f"{REDIS_KEY_PREFIX}:planning_large"
TEST_CELERY_QUEUES = sorted(
    {
        CELERY_TASK_DEFAULT_QUEUE,
        CELERY_PLANNING_LARGE_QUEUE,
        *(route["queue"] for route in CELERY_TASK_ROUTES.values()),
    }
)
