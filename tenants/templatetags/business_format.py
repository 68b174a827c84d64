"""Dates and times in the business's conventions (tenants.locale), for templates:
`{% load business_format %}{{ message.created_at|business_datetime }}`."""

from datetime import time

from django import template

from tenants.locale import date_text, datetime_text, day_text, time_text

register = template.Library()


@register.filter
def business_time(value):
    """A moment, a time of day, or a stored "HH:MM" (a shift, opening hours)."""
    if isinstance(value, str) and value:
        value = time.fromisoformat(value)
    return time_text(value) if value else ""


@register.filter
def business_date(value):
    return date_text(value) if value else ""


@register.filter
def business_day(value):
    return day_text(value) if value else ""


@register.filter
def business_datetime(value):
    return datetime_text(value) if value else ""
