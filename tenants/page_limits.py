"""Pages' rate limits per client address and hour (sign-ups, business look-ups, password resets,
invitations): over the limit, a 429 page that says when to try again."""

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from tenants.throttling import RateLimitResult, address_limit_hit, invitation_limit_hit


def too_many_requests(request, limited: RateLimitResult, what: str) -> HttpResponse:
    """A page's 429: what happened and when to try again (also in Retry-After)."""
    minutes = max(1, -(-limited.retry_after_seconds // 60))
    response = render(
        request,
        "tenants/too_many_requests.html",
        {"what": what, "limit": limited.limit, "minutes": minutes},
        status=429,
    )
    response["Retry-After"] = str(limited.retry_after_seconds)
    return response


def address_limit_refusal(request, *, action: str, limit: int, what: str) -> HttpResponse | None:
    """Count one `action` from this client address against its `limit` per hour: None while
    within it, else the 429 page ("Too many `what`")."""
    limited = address_limit_hit(request=request, action=action, limit=limit, window_seconds=3600)
    return None if limited.allowed else too_many_requests(request, limited, what)


def invitation_limit_refusal(request) -> HttpResponse | None:
    """Count one invitation e-mail or text from this client address (tenants.throttling)."""
    limited = invitation_limit_hit(request=request)
    return None if limited.allowed else too_many_requests(request, limited, _("invitations"))
