"""How long a signed-in session lasts: drivers (a phone in a van) far longer than the rest; and
the session store (SESSION_ENGINE), which takes only cookies shaped like a session key."""

import string

from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore

from tenants.accounts.models import Role


def session_expiry_set(*, session, user) -> None:
    """Drivers get `DRIVER_SESSION_AGE` from now; every other role keeps `SESSION_COOKIE_AGE`.
    Called at sign-in and on each visit of the driver's page, so a driver's session slides."""
    if user.is_authenticated and user.role == Role.DRIVER:
        session.set_expiry(settings.DRIVER_SESSION_AGE)
    else:
        session.set_expiry(None)  # the global SESSION_COOKIE_AGE


SESSION_KEY_CHARACTERS = frozenset(string.ascii_lowercase + string.digits)


class SessionStore(DatabaseSessionStore):
    """Django's database sessions, refusing a cookie that is no key Django makes (lower-case
    letters and digits) as no session: a quoted cookie may decode to a NUL (`"…\\000…"`), which
    would fail the look-up in PostgreSQL."""

    def _validate_session_key(self, key):
        return super()._validate_session_key(key) and set(key) <= SESSION_KEY_CHARACTERS
