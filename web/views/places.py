"""Address suggestions for the forms' search boxes (web/static/web/places.js): JSON, for signed-in
dispatchers and managers of this business, throttled per user, answered from the business's
cache when the address was asked before."""

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from delivery import geocoding
from delivery.models import Depot
from tenants.api.ratelimit import rate_limit_hit
from web.access import OPERATIONS

MIN_QUERY = 3
MAX_QUERY = 200
LIMIT = 5


def _answer(status: int, *, state: str, message: str = "", results=(), **headers) -> JsonResponse:
    response = JsonResponse(
        {"state": state, "message": message, "results": list(results)}, status=status
    )
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    response["Cache-Control"] = "private, no-store"
    return response


def _near() -> tuple[float, float] | None:
    """The business's first depot: suggestions prefer places around it."""
    return (
        Depot.objects.filter(is_active=True)
        .order_by("created_at")
        .values_list("lat", "lng")
        .first()
    )


@require_GET
def place_search(request):
    user = request.user
    if not user.is_authenticated:
        return _answer(401, state="error", message=_("Sign in first."))
    if user.role not in OPERATIONS:
        return _answer(403, state="error", message=_("Your role may not look addresses up."))
    query = " ".join(request.GET.get("q", "").split())
    if len(query) < MIN_QUERY:
        return _answer(
            400,
            state="error",
            message=_("Type at least %(count)s characters of the address.") % {"count": MIN_QUERY},
        )
    if len(query) > MAX_QUERY:
        return _answer(
            400,
            state="error",
            message=_("An address has at most %(count)s characters.") % {"count": MAX_QUERY},
        )
    state, message = geocoding.geocoder_state()
    if state == "off":
        return _answer(200, state=state, message=message)
    limited = rate_limit_hit(
        scope=f"{connection.schema_name}:places:{user.pk}",
        limit=settings.GEOCODER_SEARCH_RATE_PER_MINUTE,
        window_ms=60_000,
    )
    if not limited.allowed:
        return _answer(
            429,
            state="error",
            message=_("Too many address searches; try again in %(seconds)s s.")
            % {"seconds": limited.retry_after_seconds},
            Retry_After=str(limited.retry_after_seconds),
        )
    try:
        places = geocoding.address_search(query, limit=LIMIT, near=_near())
    except geocoding.GeocodingDisabled as error:
        return _answer(200, state="off", message=str(error))
    except geocoding.GeocodingUnavailable as error:
        message = (
            str(error)
            if error.busy
            else geocoding.geocoder_state()[1]
            or _("Address lookup did not answer; try again, or place the pin on the map.")
        )
        headers = {"Retry_After": str(error.retry_after)} if error.retry_after else {}
        response = _answer(503, state="unreachable", message=message, **headers)
        # An expected condition, not a server error: delivery.geocoding warns once when the
        # geocoder stops answering, so Django need not log every search of the outage as ERROR.
        response._has_been_logged = True
        return response
    return _answer(
        200,
        state="ready",
        message=""
        if places
        else _("No place found; check the address or place the pin on the map."),
        results=[place.as_dict() for place in places],
    )
