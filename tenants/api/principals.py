"""Who is calling the API: a signed-in user or an API key, with one stable identifier."""

from dataclasses import dataclass

from tenants.accounts.models import ApiKey


@dataclass(frozen=True)
class ApiKeyPrincipal:
    """`request.user` for API-key requests: acts with the key's role, no user account."""

    api_key: ApiKey

    is_authenticated = True
    is_anonymous = False
    is_active = True

    @property
    def role(self) -> str:
        return self.api_key.role

    @property
    def is_manager(self) -> bool:
        return self.api_key.role == ApiKey.KeyRole.ADMIN

    @property
    def is_operations(self) -> bool:
        return True

    @property
    def pk(self):
        return self.api_key.pk


def principal_id(request) -> str | None:
    """A string naming the caller, used to scope rate limits and idempotency keys."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    if isinstance(user, ApiKeyPrincipal):
        return f"key:{user.api_key.pk}"
    return f"user:{user.pk}"
