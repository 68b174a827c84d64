"""What the recipient reads and may do on `/t/<token>/`, in their language: the page and the
default messages in every shipped language (exact texts), what happened after a failed attempt
and the next delivery days offered, instructions for the driver, the business's settings."""

from datetime import date, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import translation

from delivery.models import Order, OrderEvent
from delivery.services import order_transition
from delivery.tests.factories import TEST_ACTOR, make_driver, make_order
from notifications.models import NotificationSettings
from notifications.rendering import DEFAULTS, context_build, render
from tenants.accounts.models import Role
from tenants.locale import business_locale
from tenants.models import Tenant
from web.views.tracking import RECIPIENT_CHANGES_PER_HOUR

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
# Friday 27 November 2026 (make_order's delivery day), 10:40 in Amsterdam.
FAILED_AT = datetime(2026, 11, 27, 10, 40, tzinfo=AMSTERDAM)


def failed_order(world, *, language: str = "", reason: str = "not_home") -> Order:
    with world.use(), time_machine.travel(FAILED_AT, tick=False):
        driver = make_driver(email="sam.baker@example.test")
        order = make_order(recipient_name="Ada Recipient", recipient_language=language)
        order_transition(order_id=order.pk, to="assigned", actor=TEST_ACTOR, driver=driver)
        order_transition(order_id=order.pk, to="out_for_delivery", actor=TEST_ACTOR)
        order_transition(order_id=order.pk, to="failed", actor=TEST_ACTOR, reason=reason)
        order.refresh_from_db()
    return order


def page(world, order, **query):
    with time_machine.travel(FAILED_AT + timedelta(minutes=5), tick=False):
        return world.anonymous().get(f"/t/{order.tracking_token}/", query)


def text_of(response, element_id: str) -> str:
    """The text of the element with `element_id` (tags stripped, whitespace collapsed)."""
    import re

    html = response.content.decode()
    match = re.search(rf'<(\w+)[^>]*id="{element_id}"[^>]*>(.*?)</\1>', html, re.S)
    assert match, element_id
    return " ".join(re.sub(r"<[^>]+>", "", match.group(2)).split())


FAILED_PAGE = {
    "en": {
        "title": "Your delivery from Business ALPHA",
        "status": "Not delivered",
        "failure": "We came on Friday 27 November at 10:40, but nobody was home.",
        "next-heading": "What now?",
        "days": ["Saturday 28 November", "Sunday 29 November", "Monday 30 November"],
        "button": "Deliver on this day",
        "instructions-heading": "Instructions for your driver",
        "live": "Live updates connecting…",
    },
    "nl": {
        "title": "Je bestelling van Business ALPHA",
        "status": "Niet bezorgd",
        "failure": "We kwamen op vrijdag 27 november om 10:40, maar er was niemand thuis.",
        "next-heading": "Wat nu?",
        "days": ["zaterdag 28 november", "zondag 29 november", "maandag 30 november"],
        "button": "Op deze dag bezorgen",
        "instructions-heading": "Instructies voor je bezorger",
        "live": "Live-updates verbinden…",
    },
    "de": {
        "title": "Ihre Lieferung von Business ALPHA",
        "status": "Nicht zugestellt",
        "failure": "Wir waren am Freitag, 27. November um 10:40 da, aber niemand war zu Hause.",
        "next-heading": "Wie geht es weiter?",
        "days": ["Samstag, 28. November", "Sonntag, 29. November", "Montag, 30. November"],
        "button": "An diesem Tag liefern",
        "instructions-heading": "Hinweise für Ihren Fahrer",
        "live": "Live-Updates werden verbunden…",
    },
}


@pytest.mark.parametrize("language", ["en", "nl", "de"])
def test_after_a_failed_attempt_the_page_says_what_happened_in_the_recipient_s_language(
    tenant_a, language
):
    # given a failed delivery to a recipient whose language is known
    Tenant.objects.filter(pk=tenant_a.tenant.pk).update(recipient_reschedule_days=3)
    order = failed_order(tenant_a, language=language)

    # when they open their link
    response = page(tenant_a, order)

    # then every text is in their language, the time on the business's clock
    expected = FAILED_PAGE[language]
    assert response.status_code == 200
    assert response["Content-Language"] == language
    html = response.content.decode()
    assert f'<html lang="{language}">' in html
    assert f"<title>{expected['title']}</title>" in html
    assert text_of(response, "status") == expected["status"]
    assert text_of(response, "failure") == expected["failure"]
    assert text_of(response, "next-heading") == expected["next-heading"]
    assert [day["label"] for day in response.context["days"]] == expected["days"]
    assert [day["value"] for day in response.context["days"]] == [
        "2026-11-28",
        "2026-11-29",
        "2026-11-30",
    ]
    assert f">{expected['button']}</button>" in html
    assert text_of(response, "instructions-heading") == expected["instructions-heading"]
    assert text_of(response, "live") == expected["live"]
    config = response.context["page_config"]
    assert (config["locale"], config["hour12"], config["timeZone"]) == (
        language,
        False,
        "Europe/Amsterdam",
    )
    assert config["texts"]["status"]["failed"] == expected["status"]


def test_without_a_language_of_their_own_recipients_read_the_business_s(tenant_a):
    Tenant.objects.filter(pk=tenant_a.tenant.pk).update(language="de")
    order = failed_order(tenant_a, language="")
    assert text_of(page(tenant_a, order), "status") == "Nicht zugestellt"


def test_a_customer_s_language_reaches_the_order_and_its_page(tenant_a):
    from delivery.customers.tests.factories import make_customer

    with tenant_a.use():
        customer = make_customer(language="de")
    response = tenant_a.api().post(
        "/api/v1/orders/",
        {"customer": str(customer.pk), "delivery_date": "2026-12-10"},
        content_type="application/json",
    )
    assert response.status_code == 201
    assert response.json()["recipient"]["language"] == "de"
    with tenant_a.use():
        order = Order.objects.get(pk=response.json()["id"])
    assert text_of(page(tenant_a, order), "status") == "Geplant"


def test_an_order_may_say_its_recipient_s_language(tenant_a):
    body = {
        "recipient": {"name": "Ada", "language": "nl"},
        "address": "Neude 1, Utrecht",
        "delivery_date": "2026-12-10",
    }
    response = tenant_a.api().post("/api/v1/orders/", body, content_type="application/json")
    assert response.json()["recipient"]["language"] == "nl"
    body["recipient"]["language"] = "english!"
    refused = tenant_a.api().post("/api/v1/orders/", body, content_type="application/json")
    assert refused.status_code == 400
    assert refused.json()["error"]["fields"] == {
        "recipient.language": ["Use a language tag such as nl, en or en-GB."]
    }


# status, driver line, the words before the arrival window
ON_THE_WAY = {
    "en": ("Out for delivery", "Van is bringing your order.", "Expected between"),
    "nl": ("Onderweg", "Van brengt je bestelling.", "Verwacht tussen"),
    "de": ("Unterwegs", "Van bringt Ihre Bestellung.", "Erwartet zwischen"),
}


@pytest.mark.parametrize("language", ["en", "nl", "de"])
def test_on_the_way_the_page_reads_in_each_language(tenant_a, language):
    with tenant_a.use(), time_machine.travel(FAILED_AT, tick=False):
        driver = make_driver(email="sam.baker@example.test")
        order = make_order(recipient_name="Ada", recipient_language=language)
        order_transition(order_id=order.pk, to="assigned", actor=TEST_ACTOR, driver=driver)
        order_transition(order_id=order.pk, to="out_for_delivery", actor=TEST_ACTOR)
        Order.objects.filter(pk=order.pk).update(eta=FAILED_AT + timedelta(minutes=50))
    response = page(tenant_a, order)
    status, driver_text, eta_words = ON_THE_WAY[language]
    assert text_of(response, "status") == status
    assert text_of(response, "driver") == driver_text
    start, end = response.context["eta_local"]["start"], response.context["eta_local"]["end"]
    conjunction = {"en": "and", "nl": "en", "de": "und"}[language]
    assert text_of(response, "eta") == f"{eta_words} {start} {conjunction} {end}"
    assert ":" in start and "M" not in start  # 24-hour, as the business writes it


# --- the default messages, in every shipped language -----------------------------------------

SAMPLE = {
    "id": "0b7f5f1e-8d2a-4c55-9d63-6a1d2b3c4d5e",
    "external_id": "SO-1042",
    "delivery_date": "2026-03-03",
    "eta": "2026-03-03T13:52:00+00:00",
    "eta_window": {"start": "2026-03-03T13:15:00+00:00", "end": "2026-03-03T14:15:00+00:00"},
    "tracking_url": "https://bakery.localhost/t/abc/",
    "address": "Keizersgracht 123, Amsterdam",
    "recipient": {"name": "Alex", "phone": "+31612345678", "email": "alex@example.com"},
    "reason": "not_home",
}

SMS = {
    "en": {
        "order.out_for_delivery": "Bakery Bob: your delivery is on its way, expected between "
        "14:15 and 15:15. Track it: https://bakery.localhost/t/abc/",
        "order.approaching": "Bakery Bob: your driver is almost there, arriving around 14:52. "
        "Track it: https://bakery.localhost/t/abc/",
        "order.delivered": "Bakery Bob: your order SO-1042 has been delivered. "
        "Details: https://bakery.localhost/t/abc/",
        "order.failed": "Bakery Bob: we could not deliver your order SO-1042 today: nobody was "
        "home. Choose a new delivery day on your tracking page: https://bakery.localhost/t/abc/",
    },
    "nl": {
        "order.out_for_delivery": "Bakery Bob: je bestelling is onderweg, verwacht tussen "
        "14:15 en 15:15. Volg haar: https://bakery.localhost/t/abc/",
        "order.approaching": "Bakery Bob: je bezorger is er bijna, rond 14:52. "
        "Volg het: https://bakery.localhost/t/abc/",
        "order.delivered": "Bakery Bob: je bestelling SO-1042 is bezorgd. "
        "Details: https://bakery.localhost/t/abc/",
        "order.failed": "Bakery Bob: we konden je bestelling SO-1042 vandaag niet bezorgen: er "
        "was niemand thuis. Kies een nieuwe bezorgdag op je volgpagina: "
        "https://bakery.localhost/t/abc/",
    },
    "de": {
        "order.out_for_delivery": "Bakery Bob: Ihre Lieferung ist unterwegs, erwartet zwischen "
        "14:15 und 15:15. Verfolgen: https://bakery.localhost/t/abc/",
        "order.approaching": "Bakery Bob: Ihr Fahrer ist gleich da, gegen 14:52. "
        "Verfolgen: https://bakery.localhost/t/abc/",
        "order.delivered": "Bakery Bob: Ihre Bestellung SO-1042 wurde zugestellt. "
        "Details: https://bakery.localhost/t/abc/",
        "order.failed": "Bakery Bob: Wir konnten Ihre Bestellung SO-1042 heute nicht zustellen: "
        "niemand war zu Hause. Wählen Sie einen neuen Liefertag auf Ihrer Sendungsseite: "
        "https://bakery.localhost/t/abc/",
    },
}

FAILED_EMAIL = {
    "en": (
        "We could not deliver your order from Bakery Bob",
        "Hello Alex,\n\nWe tried to deliver your order SO-1042 to Keizersgracht 123, Amsterdam, "
        "but nobody was home.\n\nReply to this message or call us to choose a new delivery day."
        "\n\n--\nBakery Bob\nNo more e-mails like this: https://bakery.localhost/u/",
    ),
    "nl": (
        "We konden je bestelling van Bakery Bob niet bezorgen",
        "Hallo Alex,\n\nWe probeerden je bestelling SO-1042 te bezorgen op Keizersgracht 123, "
        "Amsterdam, maar er was niemand thuis.\n\nBeantwoord dit bericht of bel ons om een "
        "nieuwe bezorgdag te kiezen.\n\n--\nBakery Bob\nGeen e-mails meer zoals deze: "
        "https://bakery.localhost/u/",
    ),
    "de": (
        "Wir konnten Ihre Bestellung von Bakery Bob nicht zustellen",
        "Hallo Alex,\n\nWir wollten Ihre Bestellung SO-1042 an Keizersgracht 123, Amsterdam "
        "zustellen, aber niemand war zu Hause.\n\nAntworten Sie auf diese Nachricht oder rufen "
        "Sie uns an, um einen neuen Liefertag zu wählen.\n\n--\nBakery Bob\nKeine solchen "
        "E-Mails mehr: https://bakery.localhost/u/",
    ),
}


def rendered(event: str, channel: str, language: str, *, days_offered: int = 0):
    locale = business_locale(
        SimpleNamespace(country="NL", language="en", time_zone="Europe/Amsterdam", clock="auto"),
        language=language,
    )
    with translation.override(locale.language):
        context = context_build(
            data=SAMPLE,
            business_name="Bakery Bob",
            tz=AMSTERDAM,
            settings_row=NotificationSettings(pk=1),
            unsubscribe_url="https://bakery.localhost/u/",
            locale=locale,
            days_offered=days_offered,
        )
        subject, body = DEFAULTS[(event, channel)]
        return render(subject=subject, body=body, context=context, channel=channel)


@pytest.mark.parametrize("language", ["en", "nl", "de"])
def test_the_default_sms_read_in_each_language(language):
    for event, expected in SMS[language].items():
        assert rendered(event, "sms", language, days_offered=3) == ("", expected), event


@pytest.mark.parametrize("language", ["en", "nl", "de"])
def test_the_failed_delivery_e_mail_reads_in_each_language(language):
    assert rendered("order.failed", "email", language) == FAILED_EMAIL[language]


@pytest.mark.parametrize("language", ["nl", "de"])
def test_every_default_message_is_translated(language):
    for (event, channel), (subject, body) in DEFAULTS.items():
        with translation.override("en"):
            english = (str(subject), str(body))
        with translation.override(language):
            translated = (str(subject), str(body))
        if subject:
            assert translated[0] != english[0], (event, channel)
        assert translated[1] != english[1], (event, channel)
        # the placeholders survive translation
        for name in ("business_name", "tracking_url"):
            assert (f"{{{{ {name} }}}}" in english[1]) == (f"{{{{ {name} }}}}" in translated[1])


# --- the recipient's next step --------------------------------------------------------------


def test_the_recipient_picks_another_day_and_the_order_is_planned_again(tenant_a):
    # given a failed delivery and a business offering the next 3 days
    Tenant.objects.filter(pk=tenant_a.tenant.pk).update(recipient_reschedule_days=3)
    order = failed_order(tenant_a)

    # when the recipient picks Monday
    with time_machine.travel(FAILED_AT + timedelta(minutes=5), tick=False):
        response = tenant_a.anonymous().post(
            f"/t/{order.tracking_token}/new-day/", {"delivery_date": "2026-11-30"}
        )

    # then the order waits for planning on that day, recorded as the recipient's doing
    assert response.status_code == 302
    assert response["Location"] == f"/t/{order.tracking_token}/?done=reschedule"
    with tenant_a.use():
        order.refresh_from_db()
        assert (order.delivery_date, order.status, order.driver_id) == (
            date(2026, 11, 30),
            "unassigned",
            None,
        )
        event = OrderEvent.objects.filter(order=order, kind="updated").last()
        assert (event.actor_label, event.note) == (
            "recipient (tracking page)",
            "Moved from 2026-11-27 to 2026-11-30",
        )
    confirmed = page(tenant_a, order, done="reschedule")
    assert text_of(confirmed, "done") == (
        "Thank you: your delivery is now planned for Monday 30 November."
    )
    assert text_of(confirmed, "status") == "Scheduled"


@pytest.mark.parametrize("day", ["2026-12-01", "2026-11-27", "tomorrow", ""])
def test_a_day_not_offered_is_refused_and_nothing_changes(tenant_a, day):
    Tenant.objects.filter(pk=tenant_a.tenant.pk).update(recipient_reschedule_days=3)
    order = failed_order(tenant_a)
    with time_machine.travel(FAILED_AT + timedelta(minutes=5), tick=False):
        response = tenant_a.anonymous().post(
            f"/t/{order.tracking_token}/new-day/", {"delivery_date": day}
        )
    assert response.status_code == 400
    assert "Please choose one of the days shown." in response.content.decode()
    with tenant_a.use():
        order.refresh_from_db()
        assert (order.delivery_date, order.status) == (date(2026, 11, 27), "failed")


def test_no_days_offered_the_recipient_is_asked_to_contact_the_business(tenant_a):
    Tenant.objects.filter(pk=tenant_a.tenant.pk).update(recipient_reschedule_days=0)
    with tenant_a.use():
        NotificationSettings.objects.create(pk=1, contact_phone="+31201234567")
    order = failed_order(tenant_a)
    response = page(tenant_a, order)
    html = response.content.decode()
    assert response.context["days"] == []
    assert "Please contact Business ALPHA to arrange a new delivery." in html
    assert text_of(response, "contact") == "Questions? Call Business ALPHA: +31201234567"
    with time_machine.travel(FAILED_AT + timedelta(minutes=5), tick=False):
        refused = tenant_a.anonymous().post(
            f"/t/{order.tracking_token}/new-day/", {"delivery_date": "2026-11-28"}
        )
    assert refused.status_code == 400
    with tenant_a.use():
        order.refresh_from_db()
        assert order.delivery_date == date(2026, 11, 27)


def test_an_order_not_failed_cannot_be_moved_by_its_recipient(tenant_a):
    with tenant_a.use():
        order = make_order(recipient_name="Ada")
    with time_machine.travel(FAILED_AT, tick=False):
        response = tenant_a.anonymous().post(
            f"/t/{order.tracking_token}/new-day/", {"delivery_date": "2026-11-28"}
        )
    assert response.status_code == 400
    assert "This delivery can no longer be moved here." in response.content.decode()


def test_instructions_reach_the_order_escaped_and_limited(tenant_a):
    # given an order not yet delivered
    with tenant_a.use():
        order = make_order(recipient_name="Ada")
    client = tenant_a.anonymous()

    # when the recipient leaves instructions with markup in them
    text = 'Gate code 4711 <script>alert("x")</script>'
    response = client.post(f"/t/{order.tracking_token}/instructions/", {"instructions": text})

    # then they are stored as written, recorded, shown escaped, and in the driver's data
    assert response.status_code == 302
    with tenant_a.use():
        order.refresh_from_db()
        assert order.delivery_instructions == text
        event = OrderEvent.objects.get(order=order, kind="instructions")
        assert (event.note, event.actor_label) == (text, "recipient (tracking page)")
    html = client.get(f"/t/{order.tracking_token}/?done=instructions").content.decode()
    assert "Gate code 4711 &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;</textarea>" in html
    assert '<script>alert("x")' not in html
    assert "Thank you: your instructions are with your driver." in html
    detail = tenant_a.browser(Role.DISPATCHER).get(f"/orders/{order.pk}/").content.decode()
    assert (
        '<dt>From the recipient</dt><dd id="delivery-instructions">Gate code 4711 &lt;script&gt;'
        "alert(&quot;x&quot;)&lt;/script&gt;</dd>"
    ) in detail
    api = tenant_a.api().get(f"/api/v1/orders/{order.pk}/").json()
    assert api["delivery_instructions"] == text

    # when they send too much, nothing changes
    too_long = client.post(f"/t/{order.tracking_token}/instructions/", {"instructions": "x" * 301})
    assert too_long.status_code == 400
    assert "Please keep it to 300 characters." in too_long.content.decode()
    with tenant_a.use():
        order.refresh_from_db()
        assert order.delivery_instructions == text


def test_instructions_are_closed_after_delivery_and_when_the_business_says_so(tenant_a):
    with tenant_a.use():
        order = make_order(recipient_name="Ada")
        order_transition(order_id=order.pk, to="cancelled", actor=TEST_ACTOR)
    client = tenant_a.anonymous()
    closed = client.post(f"/t/{order.tracking_token}/instructions/", {"instructions": "Gate"})
    assert closed.status_code == 400
    assert 'id="instructions"' not in client.get(f"/t/{order.tracking_token}/").content.decode()

    Tenant.objects.filter(pk=tenant_a.tenant.pk).update(recipient_instructions_allowed=False)
    with tenant_a.use():
        other = make_order(recipient_name="Bo")
    refused = client.post(f"/t/{other.tracking_token}/instructions/", {"instructions": "Gate"})
    assert refused.status_code == 400
    with tenant_a.use():
        other.refresh_from_db()
        assert other.delivery_instructions == ""


def test_a_link_s_changes_are_rate_limited(tenant_a):
    with tenant_a.use():
        order = make_order(recipient_name="Ada")
    client = tenant_a.anonymous()
    url = f"/t/{order.tracking_token}/instructions/"
    statuses = [
        client.post(url, {"instructions": f"Gate {n}"}).status_code
        for n in range(RECIPIENT_CHANGES_PER_HOUR + 1)
    ]
    assert statuses == [302] * RECIPIENT_CHANGES_PER_HOUR + [429]
    with tenant_a.use():
        order.refresh_from_db()
        assert order.delivery_instructions == f"Gate {RECIPIENT_CHANGES_PER_HOUR - 1}"


def test_unknown_links_answer_404(tenant_a):
    client = tenant_a.anonymous()
    assert (
        client.post("/t/" + "x" * 43 + "/instructions/", {"instructions": "a"}).status_code == 404
    )
    assert (
        client.post("/t/" + "x" * 43 + "/new-day/", {"delivery_date": "2026-11-28"}).status_code
        == 404
    )


@pytest.mark.parametrize(
    ("method", "suffix"),
    [("get", ""), ("post", "instructions/"), ("post", "new-day/"), ("post", "skip/")],
)
@pytest.mark.parametrize(
    "token", ["x" * 42 + "%00", "x" * 42 + "%ED%A0%80", "x" * 42 + "%0A", "x" * 42 + "!"]
)
def test_a_link_with_characters_no_token_has_answers_404(tenant_a, method, suffix, token):
    response = getattr(tenant_a.anonymous(), method)(f"/t/{token}/{suffix}")

    assert response.status_code == 404


# --- the business's settings and pages --------------------------------------------------------


def test_the_owner_sets_language_clock_time_zone_country_and_recipient_options(tenant_a):
    client = tenant_a.browser(Role.OWNER)
    response = client.post(
        "/settings/business/",
        {
            "name": "Business ALPHA",
            "logo_url": "",
            "time_zone": "Europe/London",
            "country": "gb",
            "language": "nl",
            "clock": "12",
            "recipient_reschedule_days": "4",
            "recipient_instructions_allowed": "on",
        },
    )
    assert response.status_code == 302
    tenant = Tenant.objects.get(pk=tenant_a.tenant.pk)
    assert (
        tenant.time_zone,
        tenant.country,
        tenant.language,
        tenant.clock,
        tenant.recipient_reschedule_days,
        tenant.recipient_instructions_allowed,
        tenant.recipient_contact_shown,
    ) == ("Europe/London", "GB", "nl", "12", 4, True, False)
    page_html = client.get("/settings/business/").content.decode()
    # The business now reads in Dutch: the time zone's help text too.
    assert "Een wijziging verandert hoe tijden eruitzien, niet wanneer dingen gebeuren" in page_html


def test_an_unknown_time_zone_or_country_is_refused(tenant_a):
    client = tenant_a.browser(Role.OWNER)
    response = client.post(
        "/settings/business/",
        {"name": "Business ALPHA", "time_zone": "Mars/Base", "country": "XX"},
    )
    assert response.status_code == 400
    tenant = Tenant.objects.get(pk=tenant_a.tenant.pk)
    assert (tenant.time_zone, tenant.country) == ("Europe/Amsterdam", "")


def test_a_uk_business_s_message_log_reads_24_hour_day_first(tenant_a):
    from notifications.models import Message

    Tenant.objects.filter(pk=tenant_a.tenant.pk).update(country="GB", time_zone="Europe/London")
    with (
        tenant_a.use(),
        time_machine.travel(datetime(2026, 12, 3, 10, 40, tzinfo=ZoneInfo("UTC")), tick=False),
    ):
        Message.objects.create(
            event_name="order.out_for_delivery",
            channel="sms",
            to="+447700900123",
            body="On its way",
            send_after=datetime(2026, 12, 3, 10, 40, tzinfo=ZoneInfo("UTC")),
        )
    html = tenant_a.browser(Role.OWNER).get("/settings/notifications/messages/").content.decode()
    assert "<td>03/12/2026 10:40</td><td>Out for delivery</td>" in html
    assert "a.m." not in html and "order.out_for_delivery" not in html


def test_the_business_s_pages_run_in_its_language_and_the_api_in_english(tenant_a):
    Tenant.objects.filter(pk=tenant_a.tenant.pk).update(language="nl")
    response = tenant_a.browser(Role.OWNER).get("/settings/business/")
    assert response["Content-Language"] == "nl"
    assert (
        '<html lang="nl" data-locale="nl" data-hour12="false" data-month-first="false" '
        'data-time-zone="Europe/Amsterdam">'
    ) in response.content.decode()
    api = tenant_a.api().post("/api/v1/orders/", {}, content_type="application/json")
    assert api["Content-Language"] == "en"
    assert api.json()["error"]["fields"]["recipient.name"] == ["This field is required."]


def test_a_link_of_another_business_changes_nothing_there(tenant_a, tenant_b):
    # given B's failed order, and A's host
    order = failed_order(tenant_b)
    before = (order.delivery_date, order.delivery_instructions)

    # when B's token is used on A's host
    client = tenant_a.anonymous()
    with time_machine.travel(FAILED_AT + timedelta(minutes=5), tick=False):
        moved = client.post(f"/t/{order.tracking_token}/new-day/", {"delivery_date": "2026-11-28"})
    noted = client.post(f"/t/{order.tracking_token}/instructions/", {"instructions": "Gate 1"})

    # then A knows no such link, and B's order is as it was
    assert (moved.status_code, noted.status_code) == (404, 404)
    with tenant_b.use():
        order.refresh_from_db()
        assert (order.delivery_date, order.delivery_instructions) == before


def test_the_dispatcher_sets_the_recipient_s_language_on_the_order_form(tenant_a):
    from web.tests.test_pages import GOOD_ORDER

    client = tenant_a.browser(Role.DISPATCHER)
    response = client.post("/orders/new/", {**GOOD_ORDER, "recipient_language": "de"})
    assert response.status_code == 302
    with tenant_a.use():
        order = Order.objects.get(external_id="WEB-1")
    assert order.recipient_language == "de"
    edit = client.get(f"/orders/{order.pk}/edit/").content.decode()
    assert '<option value="de" selected>Deutsch</option>' in edit
    assert text_of(page(tenant_a, order), "status") == "Geplant"
