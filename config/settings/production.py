"""Production: refuses to start without SECRET_KEY; passes `manage.py check --deploy`."""

from config.settings.base import *  # noqa: F403
from config.settings.environment import env_bool, env_int, env_str

SECRET_KEY = env_str("SECRET_KEY")  # no default: ImproperlyConfigured when missing
DEBUG = False
SITE_SCHEME = env_str("SITE_SCHEME", "https")
CONTENT_SECURITY_POLICY = content_security_policy(  # noqa: F405
    base_domain=BASE_DOMAIN,  # noqa: F405
    site_scheme=SITE_SCHEME,  # noqa: F405
    tile_url=MAP_TILE_URL,  # noqa: F405
)

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
# Only over HTTPS; SECURE_COOKIES=0 is for a local plain-HTTP trial (docker compose up).
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
