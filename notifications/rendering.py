"""Recipient message templates: the defaults, the placeholders a template may use, and safe
rendering (Django template syntax on a whitelisted context of plain strings)."""

from datetime import datetime
from zoneinfo import ZoneInfo

from django.template import Context, Engine, TemplateDoesNotExist, TemplateSyntaxError
from django.utils.formats import date_format

from notifications.models import RECIPIENT_EVENTS, Channel

# A sandboxed engine: no loaders (no include/extends of files), no app template libraries.
_ENGINE = Engine(loaders=[], libraries={}, autoescape=False, debug=False, string_if_invalid="")

PLACEHOLDERS = {
    "recipient_name": "The recipient's name",
    "business_name": "Your business's name",
    "order_reference": "The order's external id (or a short id)",
    "address": "The delivery address",
    "delivery_date": "The delivery day, e.g. Tuesday 3 March",
    "eta": "The expected arrival time, e.g. 14:05",
    "eta_window_start": "Start of the arrival window, e.g. 13:30",
    "eta_window_end": "End of the arrival window, e.g. 14:30",
    "tracking_url": "The live tracking link",
    "driver_name": "The driver's name",
    "failure_reason": "Why the delivery failed, in words",
    "reschedule_instructions": "How to reschedule (Settings → Notifications)",
    "contact_phone": "Your phone number (Settings → Notifications)",
    "unsubscribe_url": "E-mail only: the link to stop these messages",
}

FAILURE_REASONS = {
    "not_home": "nobody was home",
    "refused": "the delivery was refused",
    "wrong_address": "we could not find the address",
    "damaged": "the parcel was damaged",
    "no_access": "we could not get access",
    "other": "something went wrong",
}

_EMAIL_FOOTER = "\n\n--\n{{ business_name }}\nNo more e-mails like this: {{ unsubscribe_url }}"

DEFAULTS: dict[tuple[str, str], tuple[str, str]] = {
    ("order.out_for_delivery", Channel.SMS): (
        "",
        "{{ business_name }}: your delivery is on its way"
        "{% if eta_window_start %}, expected between {{ eta_window_start }} and "
        "{{ eta_window_end }}{% endif %}. Track it: {{ tracking_url }}",
    ),
    ("order.out_for_delivery", Channel.EMAIL): (
        "Your delivery from {{ business_name }} is on its way",
        "Hello {{ recipient_name }},\n\nYour order {{ order_reference }} is on its way"
        "{% if eta_window_start %} and should arrive between {{ eta_window_start }} and "
        "{{ eta_window_end }}{% endif %}.\n\nFollow your delivery live: {{ tracking_url }}"
        + _EMAIL_FOOTER,
    ),
    ("order.approaching", Channel.SMS): (
        "",
        "{{ business_name }}: your driver is almost there"
        "{% if eta %}, arriving around {{ eta }}{% endif %}. Track it: {{ tracking_url }}",
    ),
    ("order.approaching", Channel.EMAIL): (
        "Your delivery from {{ business_name }} is almost there",
        "Hello {{ recipient_name }},\n\nYour driver is nearly at {{ address }}"
        "{% if eta %} and should arrive around {{ eta }}{% endif %}.\n\n"
        "See where they are: {{ tracking_url }}" + _EMAIL_FOOTER,
    ),
    ("order.delivered", Channel.SMS): (
        "",
        "{{ business_name }}: your order {{ order_reference }} has been delivered. "
        "Details: {{ tracking_url }}",
    ),
    ("order.delivered", Channel.EMAIL): (
        "Your order from {{ business_name }} has been delivered",
        "Hello {{ recipient_name }},\n\nYour order {{ order_reference }} was delivered to "
        "{{ address }}.\n\nSee the proof of delivery: {{ tracking_url }}\n\n"
        "Thank you for your order!" + _EMAIL_FOOTER,
    ),
    ("order.failed", Channel.SMS): (
        "",
        "{{ business_name }}: we could not deliver your order {{ order_reference }} today: "
        "{{ failure_reason }}. {{ reschedule_instructions }}",
    ),
    ("order.failed", Channel.EMAIL): (
        "We could not deliver your order from {{ business_name }}",
        "Hello {{ recipient_name }},\n\nWe tried to deliver your order {{ order_reference }} "
        "to {{ address }}, but {{ failure_reason }}.\n\n{{ reschedule_instructions }}"
        + _EMAIL_FOOTER,
    ),
}
DEFAULT_RESCHEDULE = "Reply to this message or call us to choose a new delivery day."
MAX_BODY = {Channel.SMS: 1600, Channel.EMAIL: 20_000}


class TemplateInvalid(Exception):
    pass


def template_compile(source: str):
    try:
        return _ENGINE.from_string(source)
    except TemplateSyntaxError as error:
        raise TemplateInvalid(str(error)) from None


def _local_time(value: str | None, tz: ZoneInfo) -> str:
    if not value:
        return ""
    return datetime.fromisoformat(value).astimezone(tz).strftime("%H:%M")


def _day(value: str | None) -> str:
    if not value:
        return ""
    return date_format(datetime.fromisoformat(value).date(), "l j F")


def window_current(window: dict | None, *, sent_at: datetime | None) -> dict:
    """The arrival window a message sent at `sent_at` may name: none once it has ended (a
    recipient is never told "expected between 07:00 and 08:00" at 10:38)."""
    window = window or {}
    end = window.get("end")
    if sent_at is not None and end and datetime.fromisoformat(end) <= sent_at:
        return {}
    return window


def context_build(
    *,
    data: dict,
    business_name: str,
    tz: ZoneInfo,
    settings_row,
    unsubscribe_url: str = "",
    sent_at: datetime | None = None,
) -> dict:
    """Only these plain strings reach a template: nothing to call, nothing to walk into.
    `sent_at`: when the message goes out; a window already over by then is left out."""
    window = window_current(data.get("eta_window"), sent_at=sent_at)
    recipient = data.get("recipient") or {}
    reason = data.get("reason") or ""
    return {
        "recipient_name": recipient.get("name") or "",
        "business_name": business_name,
        "order_reference": data.get("external_id") or (data.get("id") or "")[:8],
        "address": data.get("address") or "",
        "delivery_date": _day(data.get("delivery_date")),
        "eta": _local_time(data.get("eta"), tz),
        "eta_window_start": _local_time(window.get("start"), tz),
        "eta_window_end": _local_time(window.get("end"), tz),
        "tracking_url": data.get("tracking_url") or "",
        "driver_name": data.get("driver_name") or "",
        "failure_reason": FAILURE_REASONS.get(reason, reason),
        "reschedule_instructions": (settings_row.reschedule_instructions or DEFAULT_RESCHEDULE),
        "contact_phone": settings_row.contact_phone,
        "unsubscribe_url": unsubscribe_url,
    }


def render(*, subject: str, body: str, context: dict, channel: str) -> tuple[str, str]:
    """(subject, body) rendered as plain text (SMS, e-mail subject and plain body, preview):
    "Crumb & Co" stays "Crumb & Co". Whatever shows it in HTML escapes it there, once.
    TemplateInvalid for a template that does not compile."""
    try:
        # A Context escapes by default whatever the engine says: plain text must not be.
        rendered_subject = " ".join(
            template_compile(subject).render(Context(context, autoescape=False)).split()
        )
        rendered_body = template_compile(body).render(Context(context, autoescape=False)).strip()
    except TemplateDoesNotExist as error:  # {% include %} of anything: there are no files
        raise TemplateInvalid(f"Templates cannot include other templates ({error}).") from None
    if channel == Channel.SMS:
        rendered_body = " ".join(rendered_body.split())
    return rendered_subject[:300], rendered_body[: MAX_BODY[channel]]


SAMPLE_DATA = {
    "id": "0b7f5f1e-8d2a-4c55-9d63-6a1d2b3c4d5e",
    "external_id": "SO-1042",
    "status": "out_for_delivery",
    "delivery_date": "2026-03-03",
    "driver": "5c1d8a8e-1111-4a4a-9b9b-2c2c2c2c2c2c",
    "driver_name": "Sam",
    "route": "7e2a1c3b-2222-4b4b-8c8c-3d3d3d3d3d3d",
    "sequence": 4,
    "eta": "2026-03-03T13:52:00+00:00",
    "eta_window": {"start": "2026-03-03T13:15:00+00:00", "end": "2026-03-03T14:15:00+00:00"},
    "tracking_url": "https://example.localhost/t/sample-token/",
    "address": "Keizersgracht 123, Amsterdam",
    "recipient": {"name": "Alex Jansen", "phone": "+31612345678", "email": "alex@example.com"},
    "reason": "not_home",
}

TEMPLATE_KEYS = [(event, channel) for event in RECIPIENT_EVENTS for channel in Channel.values]
