"""Serializer fields every app's API shares, with the platform's input rules built in."""

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
