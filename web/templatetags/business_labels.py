"""Words for codes on the business's pages: events, reasons, working days in week order,
durations in the minutes the user typed. `{% load business_labels %}`."""

from django import template

from delivery.labels import reason_label as delivery_reason_label
from delivery.models import OrderStatus
from notifications.labels import event_label as notification_event_label
from tenants.locale import duration_text, weekday_choices

register = template.Library()


@register.filter
def event_label(name):
    return notification_event_label(name or "")


@register.filter
def reason_label(code):
    return delivery_reason_label(code or "")


@register.filter
def order_status(code):
    """An order's status in words ("Out for delivery")."""
    return str(dict(OrderStatus.choices).get(code, code or ""))


@register.filter
def minutes(seconds):
    """300 → "5 min", 90 → "1.5 min": service times are typed in minutes."""
    if seconds in (None, ""):
        return ""
    value = round(int(seconds) / 60, 1)
    return f"{value:g} min"


@register.filter
def duration_minutes(minutes):
    """35 → "35 min", 90 → "1 h 30 min"."""
    if minutes in (None, ""):
        return ""
    return duration_text(int(minutes))


@register.filter
def working_days(days):
    """Mon, Tue, Fri: the days of a weekly schedule ({"fri": …, "mon": …} or ["fri", "mon"]) in
    the business's week order and language, whatever order they were stored in."""
    keys = set(days or [])
    return ", ".join(name for day, name in weekday_choices(short=True) if day in keys)
