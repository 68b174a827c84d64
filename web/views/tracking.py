"""The recipient's public tracking page `/t/<token>/` and its proof-of-delivery files. The token
is the only credential; an unknown, replaced or expired one answers 404."""

from datetime import datetime

from django.conf import settings
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.views.decorators.http import require_safe

from tenants.selectors import current_tenant, tenant_time_zone
from tracking.paths import proof_path
from tracking.selectors import order_for_token, proof_for_token, tracking_snapshot
from web.views.customers import skippable_occurrence


def _private(response):
    # The page is the recipient's alone: no shared caches, no referrer carrying the token.
    response["Cache-Control"] = "private, no-store, max-age=0"
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _clock_times(window: dict | None) -> dict:
    """The window's start and end on the business's clock (the page's first paint; the script
    keeps them up to date), as the SMS and the e-mail write them."""
    if not window:
        return {}
    tz = tenant_time_zone()
    return {
        key: datetime.fromisoformat(window[key]).astimezone(tz).strftime("%H:%M")
        for key in ("start", "end")
    }


@require_safe
def tracking_page(request, token: str):
    order = order_for_token(token=token)
    if order is None:
        raise Http404
    snapshot = tracking_snapshot(
        order, proof_url=lambda proof: proof_path(token=token, proof_id=proof.pk)
    )
    response = render(
        request,
        "web/tracking/page.html",
        {
            "business_name": current_tenant().name,
            "snapshot": snapshot,
            "eta_local": _clock_times(snapshot["eta_window"]),
            # For the page's script, read through json_script (no inline script).
            "page_config": {
                "timeZone": current_tenant().time_zone,
                "socketPath": f"/ws/track/{token}/",
                "tileUrl": settings.MAP_TILE_URL,
                "tileAttribution": settings.MAP_TILE_ATTRIBUTION,
            },
            "reference": order.external_id or "",
            # A standing order's coming delivery the recipient may skip ("not this week").
            "skippable": skippable_occurrence(order),
            "token": token,
        },
    )
    return _private(response)


@require_safe
def tracking_proof(request, token: str, proof_id):
    order = order_for_token(token=token)
    proof = proof_for_token(order=order, proof_id=proof_id) if order is not None else None
    if proof is None:
        raise Http404
    response = FileResponse(proof.file.open("rb"), content_type=proof.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return _private(response)
