"""The one error type for expected failures. Services raise it with a stable code; the API maps
the code to an HTTP status in one table (`tenants.api.errors.STATUS_BY_CODE`), pages show the
message. Nothing here knows HTTP."""


class ApplicationError(Exception):
    """An expected failure with a stable code, a human message and optional per-field errors."""

    def __init__(
        self, code: str, message: str, *, fields: dict[str, list[str]] | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.fields = fields or {}
