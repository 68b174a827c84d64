"""Normalising the text people give us that every app shares: text fields, phone numbers and
e-mail addresses. Pure functions raising ValueError with the message to show."""

from datetime import date

import phonenumbers
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import URLValidator, validate_email
from django.utils.translation import gettext as _

# Dates people and machines may give: a delivery, a report or a filter is never outside these
# (and days around date.min/date.max overflow every "the next day" computation).
DATE_MIN = date(2000, 1, 1)
DATE_MAX = date(2099, 12, 31)


def date_in_range(value: date) -> date:
    if not DATE_MIN <= value <= DATE_MAX:
        raise ValueError(
            _("Must be between %(minimum)s and %(maximum)s.")
            % {"minimum": DATE_MIN.isoformat(), "maximum": DATE_MAX.isoformat()}
        )
    return value


def text_problem(value: str) -> str | None:
    """Why PostgreSQL could not store `value` as text, or None when it can."""
    if "\x00" in value:
        return "Null characters are not allowed."
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "Not valid Unicode text (a lone surrogate)."
    return None


def text(value, *, max_length: int, required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        else:
            raise ValueError(_("Must be text."))
    problem = text_problem(value)
    if problem:
        raise ValueError(problem)
    value = value.strip()
    if required and not value:
        raise ValueError(_("This field is required."))
    if len(value) > max_length:
        raise ValueError(_("At most %(count)s characters.") % {"count": max_length})
    return value


def phone_normalise(value, *, region: str | None) -> str:
    """A phone number in E.164 (+31612345678), or "" when none was given."""
    value = text(value, max_length=40)
    if not value:
        return ""
    try:
        number = phonenumbers.parse(value, region or None)
    except phonenumbers.NumberParseException:
        hint = "" if region else " " + _("Write it with its country code, e.g. +31 6 12345678.")
        raise ValueError(_("Not a phone number.") + hint) from None
    if not phonenumbers.is_valid_number(number):
        raise ValueError(_("Not a valid phone number."))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def email_normalise(value) -> str:
    """A lower-case e-mail address, or "" when none was given."""
    value = text(value, max_length=254)
    if not value:
        return ""
    try:
        validate_email(value)
    except DjangoValidationError:
        raise ValueError(_("Enter a valid e-mail address.")) from None
    return value.lower()


UNSAFE_URL_CHARACTERS = frozenset('<>"`{}|\\^')


def url_validate(value: str, *, schemes: tuple[str, ...] = ("https",), max_length: int) -> str:
    """An absolute URL with one of `schemes` and a real host (Django's URLValidator), or ""."""
    value = text(value, max_length=max_length)
    if not value:
        return ""
    try:
        if UNSAFE_URL_CHARACTERS.intersection(value):
            raise DjangoValidationError("not allowed in a URL")  # RFC 3986: percent-encode them
        URLValidator(schemes=list(schemes))(value)
    except DjangoValidationError:
        names = _(" or ").join(f"{scheme}://" for scheme in schemes)
        raise ValueError(_("Enter a valid %(schemes)s address.") % {"schemes": names}) from None
    return value
