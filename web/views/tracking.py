"""The recipient's public tracking page `/t/<token>/`, its proof-of-delivery files, and what the
recipient may do there (Business settings): leave delivery instructions before the delivery,
choose another day after a failed attempt. The token is the only credential; an unknown,
replaced or expired one answers 404. The page speaks the recipient's language when it is known
(the order's, from the customer record or the order) and the business's otherwise."""

from datetime import date, datetime

from django.conf import settings
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST, require_safe

from delivery.models import OrderStatus
from delivery.services.recipients import (
    INSTRUCTIONS_STATUSES,
    MAX_INSTRUCTIONS,
    order_instructions_leave,
    order_recipient_reschedule,
    recipient_days,
)
from notifications.rendering import FAILURE_REASONS
from notifications.services.messages import notification_settings
from tenants.api.ratelimit import rate_limit_hit
from tenants.errors import ApplicationError
from tenants.locale import business_locale, day_text, locale_script_config, time_text
from tenants.selectors import current_tenant
from tracking.labels import RECIPIENT_STATUS_LABELS
from tracking.paths import proof_path
from tracking.selectors import order_for_token, proof_for_token, tracking_snapshot
from web.views.customers import skippable_occurrence

# A recipient's changes per tracking link and hour: enough to correct a typo, not to flood the
# driver's card or the order's history.
RECIPIENT_CHANGES_PER_HOUR = 10


def _private(response):
    # The page is the recipient's alone: no shared caches, no referrer carrying the token.
    response["Cache-Control"] = "private, no-store, max-age=0"
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _clock_times(window: dict | None, locale) -> dict:
    """The window's start and end on the business's clock, in its conventions (the page's first
    paint; the script keeps them up to date), as the SMS and the e-mail write them."""
    if not window:
        return {}
    return {key: time_text(datetime.fromisoformat(window[key]), locale) for key in ("start", "end")}


def _script_texts() -> dict:
    """The words the page's script writes, in the page's language."""
    return {
        "status": {key: str(label) for key, label in RECIPIENT_STATUS_LABELS.items()},
        "finishedAt": _("%(status)s at %(time)s."),
        "live": _("Live: this page updates by itself."),
        "reconnecting": _("Reconnecting…"),
        "invalid": _("This tracking link is no longer valid."),
        "mapFailed": _("The map could not load; your address and the driver are shown as dots."),
        "yourAddress": _("Your address"),
        "yourDriver": _("Your driver"),
        "signature": _("Signature taken at delivery"),
        "photo": _("Photo taken at delivery"),
    }


def _failure_text(snapshot: dict, locale) -> str:
    """What happened, in plain words: "We came on Thursday 3 December at 10:40, but nobody was
    home." """
    reason = str(FAILURE_REASONS.get(snapshot["failure_reason"] or "other"))
    finished = snapshot["finished_at"]
    if not finished:
        return _("We could not deliver your order: %(reason)s.") % {"reason": reason}
    moment = datetime.fromisoformat(finished)
    return _("We came on %(day)s at %(time)s, but %(reason)s.") % {
        "day": day_text(moment, locale),
        "time": time_text(moment, locale),
        "reason": reason,
    }


def _page(request, *, order, token: str, errors: dict | None = None, status: int = 200):
    tenant = current_tenant()
    locale = business_locale(tenant, language=order.recipient_language)
    with translation.override(locale.language):
        snapshot = tracking_snapshot(
            order, proof_url=lambda proof: proof_path(token=token, proof_id=proof.pk)
        )
        today = timezone.localdate(timezone.now(), locale.time_zone)
        days = []
        if order.status == OrderStatus.FAILED:
            days = [
                {"value": day.isoformat(), "label": day_text(day, locale)}
                for day in recipient_days(
                    today=today, days_offered=tenant.recipient_reschedule_days
                )
            ]
        contact_phone = (
            notification_settings().contact_phone if tenant.recipient_contact_shown else ""
        )
        shown = {
            "reschedule": bool(days),
            "instructions": tenant.recipient_instructions_allowed
            and order.status in INSTRUCTIONS_STATUSES,
        }
        failure_text = _failure_text(snapshot, locale) if snapshot["failure_reason"] else ""
        response = render(
            request,
            "web/tracking/page.html",
            {
                "business_name": tenant.name,
                "language": locale.language,
                "snapshot": snapshot,
                "eta_local": _clock_times(snapshot["eta_window"], locale),
                "delivery_day": day_text(order.delivery_date, locale),
                "failure_text": failure_text,
                "days": days,
                "contact_phone": contact_phone,
                "instructions": order.delivery_instructions,
                "instructions_open": shown["instructions"],
                "instructions_limit": MAX_INSTRUCTIONS,
                "done": request.GET.get("done", ""),
                "errors": errors or {},
                # A refused change whose form the page no longer shows is said on top.
                "errors_on_top": [
                    message for action, message in (errors or {}).items() if not shown[action]
                ],
                # For the page's script, read through json_script (no inline script).
                "page_config": {
                    **locale_script_config(locale),
                    "socketPath": f"/ws/track/{token}/",
                    "tileUrl": settings.MAP_TILE_URL,
                    "tileAttribution": settings.MAP_TILE_ATTRIBUTION,
                    "texts": _script_texts(),
                },
                "reference": order.external_id or "",
                # A standing order's coming delivery the recipient may skip ("not this week").
                "skippable": skippable_occurrence(order),
                "token": token,
            },
            status=status,
        )
    response["Content-Language"] = locale.language
    return _private(response)


@require_safe
def tracking_page(request, token: str):
    order = order_for_token(token=token)
    if order is None:
        raise Http404
    return _page(request, order=order, token=token)


def _recipient_change(request, token: str, *, action: str, change):
    """A recipient's change from the page: the token is the credential (no CSRF cookie, as the
    skip form), limited per link; a refused change shows the page again with the reason."""
    order = order_for_token(token=token)
    if order is None:
        raise Http404
    locale = business_locale(current_tenant(), language=order.recipient_language)
    with translation.override(locale.language):
        limit = rate_limit_hit(
            scope=f"tracking:{current_tenant().schema_name}:{token}:{action}",
            limit=RECIPIENT_CHANGES_PER_HOUR,
            window_ms=3600 * 1000,
        )
        if not limit.allowed:
            message = _("Too many changes from this link; please try again in an hour.")
            return _page(request, order=order, token=token, errors={action: message}, status=429)
        try:
            change(order, locale)
        except ApplicationError as error:
            message = next(iter(error.fields.values()))[0] if error.fields else error.message
            order.refresh_from_db()
            return _page(request, order=order, token=token, errors={action: message}, status=400)
    response = redirect(f"/t/{token}/?done={action}")
    return _private(response)


@csrf_exempt
@require_POST
def tracking_instructions(request, token: str):
    """The recipient's delivery instructions (gate code, a neighbour), for the driver's card."""

    def change(order, locale):
        if not current_tenant().recipient_instructions_allowed:
            raise ApplicationError("permission_denied", _("Instructions are not taken here."))
        order_instructions_leave(order_id=order.pk, instructions=request.POST.get("instructions"))

    return _recipient_change(request, token, action="instructions", change=change)


@csrf_exempt
@require_POST
def tracking_reschedule(request, token: str):
    """After a failed attempt: the recipient picks one of the next delivery days offered."""

    def change(order, locale):
        try:
            day = date.fromisoformat(request.POST.get("delivery_date") or "")
        except ValueError:
            message = _("Please choose one of the days shown.")
            raise ApplicationError(
                "validation_error", message, fields={"delivery_date": [message]}
            ) from None
        order_recipient_reschedule(
            order_id=order.pk,
            delivery_date=day,
            today=timezone.localdate(timezone.now(), locale.time_zone),
            days_offered=current_tenant().recipient_reschedule_days,
        )

    return _recipient_change(request, token, action="reschedule", change=change)


@require_safe
def tracking_proof(request, token: str, proof_id):
    order = order_for_token(token=token)
    proof = proof_for_token(order=order, proof_id=proof_id) if order is not None else None
    if proof is None:
        raise Http404
    response = FileResponse(proof.file.open("rb"), content_type=proof.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return _private(response)
