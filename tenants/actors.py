"""Who did something: a user, an API key, an integration or the system, as recorded in trails."""

from dataclasses import dataclass

from tenants.accounts.models import ApiKey, User
from tenants.api.principals import ApiKeyPrincipal


@dataclass(frozen=True)
class Actor:
    kind: str  # user, api_key, integration, system
    label: str
    user: User | None = None
    api_key: ApiKey | None = None

    @property
    def role(self) -> str | None:
        if self.user is not None:
            return self.user.role
        if self.api_key is not None:
            return self.api_key.role
        return None


def actor_for(principal) -> Actor:
    """The actor behind `request.user` (a User or an API key principal)."""
    if isinstance(principal, ApiKeyPrincipal):
        key = principal.api_key
        return Actor(kind="api_key", label=f"API key {key.name} ({key.prefix})", api_key=key)
    if isinstance(principal, User):
        return Actor(kind="user", label=principal.email, user=principal)
    raise TypeError(f"not an actor: {principal!r}")


def system_actor(label: str) -> Actor:
    return Actor(kind="system", label=label)


def integration_actor(label: str) -> Actor:
    return Actor(kind="integration", label=label)
