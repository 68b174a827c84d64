"""Serializer fields every app's API shares, with the platform's input rules built in."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from tenants.validation import date_in_range


class DateField(serializers.DateField):
    """YYYY-MM-DD inside the platform's sane range (tenants.validation.DATE_MIN … DATE_MAX)."""

    def to_internal_value(self, value):
        parsed = super().to_internal_value(value)
        try:
            return date_in_range(parsed)
        except ValueError as error:
            raise serializers.ValidationError(str(error)) from None


@extend_schema_field(
    {
        "type": "string",
        "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$",
        "example": "22:00",
        "description": "A wall-clock time of day in the business's time zone, without offset.",
    }
)
class ClockField(serializers.TimeField):
    """HH:MM[:SS] in the business's zone: OpenAPI's `format: time` would demand an offset."""

    def __init__(self, **kwargs):
        kwargs.setdefault("input_formats", ["%H:%M", "%H:%M:%S"])
        super().__init__(**kwargs)
