"""The business's conventions: one place formats every date and time (24- or 12-hour, day or
month first, the business's time zone and language)."""

from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest

from tenants.locale import (
    business_locale,
    date_text,
    datetime_text,
    day_text,
    language_for,
    locale_script_config,
    time_text,
    week_order,
    weekday_choices,
)

MOMENT = datetime(2026, 12, 3, 10, 40, tzinfo=UTC)  # a Thursday


def business(**fields):
    values = {"country": "", "language": "en", "time_zone": "UTC", "clock": "auto"}
    return SimpleNamespace(**{**values, **fields})


def test_a_uk_business_reads_24_hour_times_and_the_day_first():
    locale = business_locale(business(country="GB", time_zone="Europe/London"))
    assert (locale.tag, locale.hour12, locale.month_first) == ("en-GB", False, False)
    assert time_text(MOMENT, locale) == "10:40"
    assert date_text(MOMENT, locale) == "03/12/2026"
    assert datetime_text(MOMENT, locale) == "03/12/2026 10:40"
    assert day_text(MOMENT, locale) == "Thursday 3 December"


def test_a_us_business_reads_12_hour_times_and_the_month_first():
    locale = business_locale(business(country="US", time_zone="America/New_York"))
    assert (locale.tag, locale.hour12, locale.month_first) == ("en-US", True, True)
    assert time_text(MOMENT, locale) == "5:40 AM"
    assert time_text(datetime(2026, 12, 3, 17, 5, tzinfo=UTC), locale) == "12:05 PM"
    assert date_text(MOMENT, locale) == "12/03/2026"
    assert datetime_text(MOMENT, locale) == "12/03/2026 5:40 AM"
    assert day_text(MOMENT, locale) == "Thursday, December 3"


def test_dutch_and_german_businesses_write_their_own_dates():
    dutch = business_locale(business(country="NL", language="nl", time_zone="Europe/Amsterdam"))
    german = business_locale(business(country="DE", language="de", time_zone="Europe/Berlin"))
    assert (time_text(MOMENT, dutch), date_text(MOMENT, dutch)) == ("11:40", "03-12-2026")
    assert day_text(MOMENT, dutch) == "donderdag 3 december"
    assert (time_text(MOMENT, german), date_text(MOMENT, german)) == ("11:40", "03.12.2026")
    assert day_text(date(2026, 12, 3), german) == "Donnerstag, 3. Dezember"


@pytest.mark.parametrize(
    ("clock", "country", "expected"),
    [("24", "US", "05:40"), ("12", "GB", "10:40 AM"), ("auto", "GB", "10:40")],
)
def test_the_business_may_choose_its_clock(clock, country, expected):
    zone = "America/New_York" if country == "US" else "Europe/London"
    locale = business_locale(business(country=country, time_zone=zone, clock=clock))
    text = time_text(MOMENT, locale)
    assert text == expected


def test_a_recipient_s_language_wins_when_it_is_shipped():
    uk = business(country="GB", time_zone="Europe/London")
    assert business_locale(uk, language="nl-BE").language == "nl"
    assert business_locale(uk, language="de").language == "de"
    assert business_locale(uk, language="fr").language == "en"  # not shipped: the business's
    assert business_locale(uk, language="").language == "en"
    assert (language_for("en_GB"), language_for("xx"), language_for(None)) == ("en", None, None)


def test_scripts_get_the_same_conventions():
    us = business_locale(business(country="US", time_zone="America/Chicago"))
    assert locale_script_config(us) == {
        "locale": "en-US",
        "hour12": True,
        "timeZone": "America/Chicago",
        "monthFirst": True,
    }


def test_outside_a_request_the_business_is_read_by_its_schema(tenant_a):
    from tenants.models import Tenant

    Tenant.objects.filter(pk=tenant_a.tenant.pk).update(country="US", language="de")
    with tenant_a.use():
        locale = business_locale()
    assert (locale.language, locale.hour12, str(locale.time_zone)) == (
        "de",
        True,
        "Europe/Amsterdam",
    )


def test_weekdays_are_named_in_the_business_s_language_and_week_order():
    dutch = business_locale(business(country="NL", language="nl"))
    german = business_locale(business(country="DE", language="de"))
    american = business_locale(business(country="US"))

    assert weekday_choices(dutch) == [
        ("mon", "maandag"),
        ("tue", "dinsdag"),
        ("wed", "woensdag"),
        ("thu", "donderdag"),
        ("fri", "vrijdag"),
        ("sat", "zaterdag"),
        ("sun", "zondag"),
    ]
    assert [name for _code, name in weekday_choices(german, short=True)] == [
        "Mo",
        "Di",
        "Mi",
        "Do",
        "Fr",
        "Sa",
        "So",
    ]
    assert week_order(american) == ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
    assert weekday_choices(american, short=True)[:2] == [("sun", "Sun"), ("mon", "Mon")]
