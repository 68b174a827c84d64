"""The one error type for expected failures. Services raise it with a stable code; the API maps
the code to an HTTP status in one table (`tenants.api.errors.STATUS_BY_CODE`), pages show the
message. Nothing here knows HTTP."""

from django.utils import translation


class ApplicationError(Exception):
    """An expected failure with a stable code, a human message and optional per-field errors."""

    def __init__(
        self, code: str, message: str, *, fields: dict[str, list[str]] | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.fields = fields or {}


def status_word(choices, value: str) -> str:
    """A status inside an error message. Messages are written in the active language (gettext at
    raise time: English in the API and tasks, the business's language on pages); English keeps the
    machine word the API documents ("out_for_delivery"), other languages read the status's label."""
    if (translation.get_language() or "en").startswith("en"):
        return str(value)
    try:
        return str(choices(value).label).lower()
    except ValueError:
        return str(value)
