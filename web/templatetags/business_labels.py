"""Words for codes on the business's pages: events, reasons, working days in week order,
durations in the minutes the user typed. `{% load business_labels %}`."""

from django import template
from django.utils.dates import WEEKDAYS_ABBR

from delivery.labels import reason_label as delivery_reason_label
from delivery.models import OrderStatus
from delivery.validation import WEEKDAYS
from notifications.labels import event_label as notification_event_label

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
def working_days(days):
    """Mon, Tue, Fri: the days of a weekly schedule ({"fri": …, "mon": …} or ["fri", "mon"]) in
    week order, whatever order they were stored in."""
    keys = set(days or [])
    return ", ".join(
        str(WEEKDAYS_ABBR[number]) for number, day in enumerate(WEEKDAYS) if day in keys
    )
