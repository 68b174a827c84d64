"""tenants.validation: the one phone and e-mail rule every app uses, and how accounts reports a bad
address. No database."""

import pytest

from tenants.accounts.services import email_normalise as user_email_normalise
from tenants.errors import ApplicationError
from tenants.validation import email_normalise, phone_normalise, text


def error_of(parse, *args, **kwargs) -> str:
    with pytest.raises(ValueError) as caught:
        parse(*args, **kwargs)
    return str(caught.value)


def test_text_strips_and_checks_length_and_presence():
    assert text("  Ada ", max_length=3) == "Ada"
    assert text(None, max_length=3) == ""
    assert text(12, max_length=3) == "12"
    assert error_of(text, "", max_length=3, required=True) == "This field is required."
    assert error_of(text, "Adam", max_length=3) == "At most 3 characters."
    assert error_of(text, True, max_length=3) == "Must be text."


def test_phone_numbers_become_e164_and_bad_ones_say_why():
    assert phone_normalise("06 1234 5678", region="NL") == "+31612345678"
    assert phone_normalise("+31 6 12345678", region=None) == "+31612345678"
    assert phone_normalise(" ", region="NL") == ""
    assert error_of(phone_normalise, "06 1234 5678", region=None) == (
        "Not a phone number. Write it with its country code, e.g. +31 6 12345678."
    )
    assert error_of(phone_normalise, "+31 6 123", region="NL") == "Not a valid phone number."


def test_email_addresses_are_lower_case_and_optional():
    assert email_normalise(" Ada@Example.TEST ") == "ada@example.test"
    assert email_normalise(None) == ""
    assert error_of(email_normalise, "ada@") == "Enter a valid e-mail address."


def test_a_users_email_is_required_and_errors_name_the_email_field():
    assert user_email_normalise(" Ada@Example.TEST ") == "ada@example.test"
    for value in ("", "ada@"):
        with pytest.raises(ApplicationError) as caught:
            user_email_normalise(value)
        assert caught.value.code == "validation_error"
        assert caught.value.message == "Enter a valid e-mail address."
        assert caught.value.fields == {"email": ["Enter a valid e-mail address."]}
