"""Recipient message templates: the defaults, the placeholders a template may use, and safe
rendering (Django template syntax on a whitelisted context of plain strings)."""

from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

from django.template import Context, Engine, TemplateDoesNotExist, TemplateSyntaxError
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from notifications.models import RECIPIENT_EVENTS, Channel
from tenants.locale import BusinessLocale, business_locale, day_text, time_text

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

# How a message (and the tracking page) says why a delivery failed, in the recipient's language.
FAILURE_REASONS = {
    "not_home": _("nobody was home"),
    "refused": _("the delivery was refused"),
    "wrong_address": _("we could not find the address"),
    "damaged": _("the parcel was damaged"),
    "no_access": _("we could not get access"),
    "other": _("something went wrong"),
}

# Each default in every shipped language (locale/<language>/LC_MESSAGES/django.po); the
# placeholders stay as they are in every translation.
_EMAIL_FOOTER = _("\n\n--\n{{ business_name }}\nNo more e-mails like this: {{ unsubscribe_url }}")


def _email(body):
    return format_lazy("{}{}", body, _EMAIL_FOOTER)


DEFAULTS: dict[tuple[str, str], tuple] = {
    ("order.out_for_delivery", Channel.SMS): (
        "",
        _(
            "{{ business_name }}: your delivery is on its way"
            "{% if eta_window_start %}, expected between {{ eta_window_start }} and "
            "{{ eta_window_end }}{% endif %}. Track it: {{ tracking_url }}"
        ),
    ),
    ("order.out_for_delivery", Channel.EMAIL): (
        _("Your delivery from {{ business_name }} is on its way"),
        _email(
            _(
                "Hello {{ recipient_name }},\n\nYour order {{ order_reference }} is on its way"
                "{% if eta_window_start %} and should arrive between {{ eta_window_start }} and "
                "{{ eta_window_end }}{% endif %}.\n\nFollow your delivery live: {{ tracking_url }}"
            )
        ),
    ),
    ("order.approaching", Channel.SMS): (
        "",
        _(
            "{{ business_name }}: your driver is almost there"
            "{% if eta %}, arriving around {{ eta }}{% endif %}. Track it: {{ tracking_url }}"
        ),
    ),
    ("order.approaching", Channel.EMAIL): (
        _("Your delivery from {{ business_name }} is almost there"),
        _email(
            _(
                "Hello {{ recipient_name }},\n\nYour driver is nearly at {{ address }}"
                "{% if eta %} and should arrive around {{ eta }}{% endif %}.\n\n"
                "See where they are: {{ tracking_url }}"
            )
        ),
    ),
    ("order.delivered", Channel.SMS): (
        "",
        _(
            "{{ business_name }}: your order {{ order_reference }} has been delivered. "
            "Details: {{ tracking_url }}"
        ),
    ),
    ("order.delivered", Channel.EMAIL): (
        _("Your order from {{ business_name }} has been delivered"),
        _email(
            _(
                "Hello {{ recipient_name }},\n\nYour order {{ order_reference }} was delivered to "
                "{{ address }}.\n\nSee the proof of delivery: {{ tracking_url }}\n\n"
                "Thank you for your order!"
            )
        ),
    ),
    ("order.failed", Channel.SMS): (
        "",
        _(
            "{{ business_name }}: we could not deliver your order {{ order_reference }} today: "
            "{{ failure_reason }}. {{ reschedule_instructions }}"
        ),
    ),
    ("order.failed", Channel.EMAIL): (
        _("We could not deliver your order from {{ business_name }}"),
        _email(
            _(
                "Hello {{ recipient_name }},\n\nWe tried to deliver your order "
                "{{ order_reference }} to {{ address }}, but {{ failure_reason }}.\n\n"
                "{{ reschedule_instructions }}"
            )
        ),
    ),
}
DEFAULT_RESCHEDULE = _("Reply to this message or call us to choose a new delivery day.")
# With the tracking page offering other days (Business settings), the failed message says so.
TRACKING_RESCHEDULE = _("Choose a new delivery day on your tracking page: %(url)s")
MAX_BODY = {Channel.SMS: 1600, Channel.EMAIL: 20_000}


class TemplateInvalid(Exception):
    pass


def template_compile(source: str):
    try:
        return _ENGINE.from_string(source)
    except TemplateSyntaxError as error:
        raise TemplateInvalid(str(error)) from None


def _local_time(value: str | None, locale: BusinessLocale) -> str:
    if not value:
        return ""
    return time_text(datetime.fromisoformat(value), locale)


def _day(value: str | None, locale: BusinessLocale) -> str:
    if not value:
        return ""
    return day_text(datetime.fromisoformat(value).date(), locale)


def window_current(window: dict | None, *, sent_at: datetime | None) -> dict:
    """The arrival window a message sent at `sent_at` may name: none once it has ended (a
    recipient is never told "expected between 07:00 and 08:00" at 10:38)."""
    window = window or {}
    end = window.get("end")
    if sent_at is not None and end and datetime.fromisoformat(end) <= sent_at:
        return {}
    return window


def eta_current(eta: str | None, *, sent_at: datetime | None) -> str | None:
    """The ETA a message sent at `sent_at` may name: never before it (a van running late is
    expected no sooner than now; "arriving around 10:02" at 10:05 is never said)."""
    if sent_at is not None and eta and datetime.fromisoformat(eta) < sent_at:
        return sent_at.isoformat()
    return eta


def context_build(
    *,
    data: dict,
    business_name: str,
    tz: ZoneInfo,
    settings_row,
    unsubscribe_url: str = "",
    sent_at: datetime | None = None,
    locale: BusinessLocale | None = None,
    days_offered: int = 0,
) -> dict:
    """Only these plain strings reach a template: nothing to call, nothing to walk into.
    `sent_at`: when the message goes out; a window already over by then is left out. `locale`:
    the business's conventions in the recipient's language (default: the business's), on the
    clock of `tz`. Call under that language (translation.override) for the defaults' words.
    `days_offered`: the recipient may choose a new day on the tracking page (Business settings)."""
    locale = replace(locale or business_locale(), time_zone=tz)
    window = window_current(data.get("eta_window"), sent_at=sent_at)
    recipient = data.get("recipient") or {}
    reason = data.get("reason") or ""
    return {
        "recipient_name": recipient.get("name") or "",
        "business_name": business_name,
        "order_reference": data.get("external_id") or (data.get("id") or "")[:8],
        "address": data.get("address") or "",
        "delivery_date": _day(data.get("delivery_date"), locale),
        "eta": _local_time(eta_current(data.get("eta"), sent_at=sent_at), locale),
        "eta_window_start": _local_time(window.get("start"), locale),
        "eta_window_end": _local_time(window.get("end"), locale),
        "tracking_url": data.get("tracking_url") or "",
        "driver_name": data.get("driver_name") or "",
        "failure_reason": str(FAILURE_REASONS.get(reason, reason)),
        "reschedule_instructions": _reschedule_text(
            settings_row.reschedule_instructions,
            tracking_url=data.get("tracking_url") or "",
            days_offered=days_offered,
        ),
        "contact_phone": settings_row.contact_phone,
        "unsubscribe_url": unsubscribe_url,
    }


def _reschedule_text(own: str, *, tracking_url: str, days_offered: int) -> str:
    if own:
        return own
    if days_offered > 0 and tracking_url:
        return str(TRACKING_RESCHEDULE) % {"url": tracking_url}
    return str(DEFAULT_RESCHEDULE)


def render(*, subject: str, body: str, context: dict, channel: str) -> tuple[str, str]:
    """(subject, body) rendered as plain text (SMS, e-mail subject and plain body, preview):
    "Crumb & Co" stays "Crumb & Co". Whatever shows it in HTML escapes it there, once.
    TemplateInvalid for a template that does not compile."""
    try:
        # A Context escapes by default whatever the engine says: plain text must not be.
        subject, body = str(subject), str(body)  # a default is translated here, lazily
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
