"""Local development: `make run`. Debug on, e-mail to the console, a throwaway secret key."""

from config.settings.base import *  # noqa: F403
from config.settings.environment import env_bool, env_str

DEBUG = env_bool("DEBUG", True)
SECRET_KEY = env_str("SECRET_KEY", "development-only-insecure-key-do-not-use-in-production")
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}

# Served straight from the source folders (no collectstatic outside production).
STATIC_ROOT = None
# Webhooks to a receiver on this machine are fine while developing.
WEBHOOKS_ALLOW_PRIVATE_TARGETS = env_bool("WEBHOOKS_ALLOW_PRIVATE_TARGETS", True)
