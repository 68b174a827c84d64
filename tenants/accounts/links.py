"""Links into a business that e-mails, texts and QR codes carry: absolute, on the business's
host, and (for a user's one-time links) signed with a token generator."""

from django.conf import settings
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from tenants.accounts.models import User


def site_url(*, host: str, path: str) -> str:
    """`path` on `host`; SITE_PORT is added unless the host already names its port (the
    request's host, as the admin reached it)."""
    names_port = ":" in host.rsplit("]", 1)[-1]
    port = f":{settings.SITE_PORT}" if settings.SITE_PORT and not names_port else ""
    return f"{settings.SITE_SCHEME}://{host}{port}{path}"


def user_token_url(*, user: User, host: str, view: str, tokens) -> str:
    """The link to `view` for `user` alone: their id and a token from `tokens` in the path."""
    path = reverse(
        view,
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": tokens.make_token(user),
        },
    )
    return site_url(host=host, path=path)
