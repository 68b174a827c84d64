"""How long a signed-in session lasts: drivers (a phone in a van) far longer than the rest."""

from django.conf import settings

from tenants.accounts.models import Role


def session_expiry_set(*, session, user) -> None:
    """Drivers get `DRIVER_SESSION_AGE` from now; every other role keeps `SESSION_COOKIE_AGE`.
    Called at sign-in and on each visit of the driver's page, so a driver's session slides."""
    if user.is_authenticated and user.role == Role.DRIVER:
        session.set_expiry(settings.DRIVER_SESSION_AGE)
    else:
        session.set_expiry(None)  # the global SESSION_COOKIE_AGE
