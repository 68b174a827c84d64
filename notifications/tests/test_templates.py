"""Content: every default template of every event and channel renders well; a business's
own templates are validated, rendered safely and previewed."""

from zoneinfo import ZoneInfo

import pytest

from notifications.models import NotificationSettings
from notifications.rendering import (
    DEFAULTS,
    SAMPLE_DATA,
    TEMPLATE_KEYS,
    TemplateInvalid,
    context_build,
    render,
)

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
EXPECTED = {
    ("order.out_for_delivery", "sms"): (
        "",
        "Bakery Bob: your delivery is on its way, expected between 14:15 and 15:15. "
        "Track it: https://example.localhost/t/sample-token/",
    ),
    ("order.out_for_delivery", "email"): (
        "Your delivery from Bakery Bob is on its way",
        "Hello Alex Jansen,\n\nYour order SO-1042 is on its way and should arrive between 14:15 "
        "and 15:15.\n\nFollow your delivery live: https://example.localhost/t/sample-token/\n\n"
        "--\nBakery Bob\nNo more e-mails like this: https://unsubscribe.example/x",
    ),
    ("order.approaching", "sms"): (
        "",
        "Bakery Bob: your driver is almost there, arriving around 14:52. "
        "Track it: https://example.localhost/t/sample-token/",
    ),
    ("order.approaching", "email"): (
        "Your delivery from Bakery Bob is almost there",
        "Hello Alex Jansen,\n\nYour driver is nearly at Keizersgracht 123, Amsterdam and should "
        "arrive around 14:52.\n\nSee where they are: https://example.localhost/t/sample-token/"
        "\n\n--\nBakery Bob\nNo more e-mails like this: https://unsubscribe.example/x",
    ),
    ("order.delivered", "sms"): (
        "",
        "Bakery Bob: your order SO-1042 has been delivered. "
        "Details: https://example.localhost/t/sample-token/",
    ),
    ("order.delivered", "email"): (
        "Your order from Bakery Bob has been delivered",
        "Hello Alex Jansen,\n\nYour order SO-1042 was delivered to Keizersgracht 123, Amsterdam."
        "\n\nSee the proof of delivery: https://example.localhost/t/sample-token/\n\n"
        "Thank you for your order!\n\n--\nBakery Bob\n"
        "No more e-mails like this: https://unsubscribe.example/x",
    ),
    ("order.failed", "sms"): (
        "",
        "Bakery Bob: we could not deliver your order SO-1042 today: nobody was home. "
        "Reply to this message or call us to choose a new delivery day.",
    ),
    ("order.failed", "email"): (
        "We could not deliver your order from Bakery Bob",
        "Hello Alex Jansen,\n\nWe tried to deliver your order SO-1042 to Keizersgracht 123, "
        "Amsterdam, but nobody was home.\n\nReply to this message or call us to choose a new "
        "delivery day.\n\n--\nBakery Bob\nNo more e-mails like this: "
        "https://unsubscribe.example/x",
    ),
}


def _context(data=SAMPLE_DATA, **settings_fields):
    return context_build(
        data=data,
        business_name="Bakery Bob",
        tz=AMSTERDAM,
        settings_row=NotificationSettings(**settings_fields),
        unsubscribe_url="https://unsubscribe.example/x",
    )


def test_there_is_a_default_for_every_recipient_event_and_channel():
    assert sorted(DEFAULTS) == sorted(TEMPLATE_KEYS)
    assert len(TEMPLATE_KEYS) == 8


@pytest.mark.parametrize(("event", "channel"), TEMPLATE_KEYS, ids="/".join)
def test_every_default_template_renders(event, channel):
    subject, body = DEFAULTS[(event, channel)]
    assert (
        render(subject=subject, body=body, context=_context(), channel=channel)
        == (EXPECTED[(event, channel)])
    )


@pytest.mark.parametrize(("event", "channel"), TEMPLATE_KEYS, ids="/".join)
def test_defaults_read_well_without_an_eta(event, channel):
    data = {**SAMPLE_DATA, "eta": None, "eta_window": None, "external_id": None}
    subject, body = DEFAULTS[(event, channel)]
    _, rendered = render(subject=subject, body=body, context=_context(data), channel=channel)
    assert "between  and" not in rendered
    assert "around ." not in rendered
    assert "{{" not in rendered
    assert "None" not in rendered


def test_sms_defaults_fit_two_messages():
    for event, channel in TEMPLATE_KEYS:
        if channel == "sms":
            subject, body = DEFAULTS[(event, channel)]
            _, rendered = render(subject=subject, body=body, context=_context(), channel=channel)
            assert len(rendered) <= 306, event


@pytest.mark.parametrize(
    "source",
    [
        "{% load static %}{% static 'x' %}",
        "{% include 'tenant_base.html' %}",
        "{% extends 'base.html' %}",
        "{% if %}",
    ],
)
def test_templates_cannot_reach_outside_their_context(source):
    with pytest.raises(TemplateInvalid):
        render(subject="", body=source, context=_context(), channel="sms")


def test_unknown_placeholders_render_empty_and_values_are_not_code():
    context = _context({**SAMPLE_DATA, "recipient": {"name": "{{ business_name }}"}})
    _, body = render(
        subject="", body="Hi {{ recipient_name }} {{ secret_key }}", context=context, channel="sms"
    )
    assert body == "Hi {{ business_name }}"


@pytest.mark.parametrize(("event", "channel"), TEMPLATE_KEYS, ids="/".join)
def test_plain_text_parts_are_not_html_escaped(event, channel):
    # given a business and a recipient whose names hold characters HTML would escape
    data = {**SAMPLE_DATA, "recipient": {"name": 'Jo <Jo\'s> "Q"'}}
    context = {**_context(data), "business_name": "Crumb & Co Bakery"}
    subject, body = DEFAULTS[(event, channel)]
    # when
    rendered_subject, rendered_body = render(
        subject=subject, body=body, context=context, channel=channel
    )
    # then: SMS, e-mail subject and plain body carry the characters themselves
    expected_subject, expected_body = EXPECTED[(event, channel)]
    assert rendered_subject == expected_subject.replace("Bakery Bob", "Crumb & Co Bakery")
    assert rendered_body == expected_body.replace("Bakery Bob", "Crumb & Co Bakery").replace(
        "Alex Jansen", 'Jo <Jo\'s> "Q"'
    )
    assert "&amp;" not in rendered_subject + rendered_body
