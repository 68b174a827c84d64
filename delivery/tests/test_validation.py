"""delivery.validation: every parser on good and bad input, with its exact messages. No database."""

from datetime import date, time
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from delivery.validation import (
    FieldErrors,
    OrderInput,
    clock_parse,
    coordinates,
    date_parse,
    decimal_non_negative,
    email_normalise,
    integer,
    location_parse,
    order_input_parse,
    phone_normalise,
    skills_normalise,
    text,
    time_windows_parse,
    weekly_hours_parse,
)

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
DAY = date(2026, 11, 27)  # winter time, +01:00
SPRING_FORWARD = date(2026, 3, 29)  # 02:00 → 03:00, a 23-hour day
FALL_BACK = date(2026, 10, 25)  # 03:00 → 02:00, a 25-hour day


def error_of(parse, *args, **kwargs) -> str:
    with pytest.raises(ValueError) as raised:
        parse(*args, **kwargs)
    return str(raised.value)


def windows(value, *, on: date = DAY, tz: ZoneInfo = AMSTERDAM):
    return time_windows_parse(value, delivery_date=on, tz=tz)


# --- text ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, ""), ("  Ada  ", "Ada"), (42, "42"), (1.5, "1.5"), ("", "")],
)
def test_text_is_stripped_and_numbers_become_text(value, expected):
    assert text(value, max_length=10) == expected


@pytest.mark.parametrize(
    ("value", "kwargs", "message"),
    [
        (["a"], {}, "Must be text."),
        ({"a": 1}, {}, "Must be text."),
        (True, {}, "Must be text."),
        ("   ", {"required": True}, "This field is required."),
        (None, {"required": True}, "This field is required."),
        ("x" * 11, {}, "At most 10 characters."),
    ],
)
def test_text_errors(value, kwargs, message):
    assert error_of(text, value, max_length=10, **kwargs) == message


# --- phones ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "region", "expected"),
    [
        ("+31 6 12345678", None, "+31612345678"),
        ("+31 (0)6-1234 5678", None, "+31612345678"),
        ("06-12345678", "NL", "+31612345678"),
        ("020 624 1111", "NL", "+31206241111"),
        ("+32 470 12 34 56", "NL", "+32470123456"),  # a country code wins over the region
        ("0470 12 34 56", "BE", "+32470123456"),
        ("", None, ""),
        (None, "NL", ""),
        ("   ", "NL", ""),
    ],
)
def test_phones_become_e164(value, region, expected):
    assert phone_normalise(value, region=region) == expected


@pytest.mark.parametrize(
    ("value", "region", "message"),
    [
        (
            "06 12345678",
            None,
            "Not a phone number. Write it with its country code, e.g. +31 6 12345678.",
        ),
        ("call me", "NL", "Not a phone number."),
        ("+31 6 123", None, "Not a valid phone number."),
        ("06 123", "NL", "Not a valid phone number."),
        ("1" * 41, "NL", "At most 40 characters."),
        (["+31612345678"], "NL", "Must be text."),
    ],
)
def test_phone_errors(value, region, message):
    assert error_of(phone_normalise, value, region=region) == message


def test_email_is_lower_cased_and_checked():
    assert email_normalise(" Ada@Example.TEST ") == "ada@example.test"
    assert email_normalise(None) == ""
    assert error_of(email_normalise, "ada@") == "Enter a valid e-mail address."


# --- skills ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (["Fridge ", "fridge", "FRIDGE"], ["fridge"]),
        (["Dry Ice", "dry_ice", " dry--ice! "], ["dry-ice"]),
        (["tail-lift", "Fridge"], ["fridge", "tail-lift"]),
        ("fridge, Frozen ,", ["fridge", "frozen"]),
        (["", "  ", "!!"], []),
        (None, []),
        ("", []),
        ([], []),
    ],
)
def test_skills_are_normalised_sorted_and_unique(value, expected):
    assert skills_normalise(value) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (5, "Must be a list of skill names."),
        ({"fridge": True}, "Must be a list of skill names."),
        (["fridge", 3], "Skill names must be text."),
        (["x" * 51], f"Skill names have at most 50 characters: {'x' * 51!r}."),
    ],
)
def test_skill_errors(value, message):
    assert error_of(skills_normalise, value) == message


# --- coordinates -----------------------------------------------------------------------------


def test_locations():
    assert location_parse({"lat": 52.0907, "lng": 5.1214}) == (52.0907, 5.1214)
    assert location_parse({"lat": "52.5", "lng": 4}) == (52.5, 4.0)
    assert location_parse({"lat": -90, "lng": 180}) == (-90.0, 180.0)
    assert location_parse({"lat": 0, "lng": 4.9}) == (0.0, 4.9)  # the equator is fine
    assert location_parse(None) is None
    assert location_parse({}) is None


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"lat": 0, "lng": 0}, "(0, 0) is in the ocean, not a delivery address."),
        ({"lat": 0.0, "lng": -0.0}, "(0, 0) is in the ocean, not a delivery address."),
        ({"lat": 90.01, "lng": 4}, "lat must be between -90 and 90."),
        ({"lat": -91, "lng": 4}, "lat must be between -90 and 90."),
        ({"lat": 52, "lng": 180.5}, "lng must be between -180 and 180."),
        ({"lat": 52, "lng": -181}, "lng must be between -180 and 180."),
        ({"lat": "north", "lng": 4}, "lat must be a number."),
        ({"lat": 52, "lng": None}, "lng must be a number."),
        ({"lat": True, "lng": 4}, "lat must be a number."),
        ({"lat": float("nan"), "lng": 4}, "lat must be a finite number."),
        ({"lat": 52, "lng": float("inf")}, "lng must be a finite number."),
        ({"lat": 52}, "Give both lat and lng."),
        ({"lat": 52, "lng": 4, "alt": 3}, 'Must be {"lat": <number>, "lng": <number>}.'),
        ([52, 4], 'Must be {"lat": <number>, "lng": <number>}.'),
        ("52,4", 'Must be {"lat": <number>, "lng": <number>}.'),
    ],
)
def test_location_errors(value, message):
    assert error_of(location_parse, value) == message


def test_coordinates_refuse_null_island():
    assert error_of(coordinates, 0, 0) == "(0, 0) is in the ocean, not a delivery address."
    assert coordinates("52.37", "4.89") == (52.37, 4.89)


# --- loads and counts ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, Decimal("0.000")),
        ("", Decimal("0.000")),
        (0, Decimal("0.000")),
        (12, Decimal("12.000")),
        (2.5, Decimal("2.500")),
        (" 7.1234 ", Decimal("7.123")),
        ("999999.999", Decimal("999999.999")),
    ],
)
def test_loads_are_non_negative_decimals(value, expected):
    assert decimal_non_negative(value) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (-0.5, "Must not be negative."),
        ("-1", "Must not be negative."),
        ("heavy", "Must be a number."),
        ([1], "Must be a number."),
        (True, "Must be a number."),
        ("NaN", "Must be a finite number."),
        (float("inf"), "Must be a finite number."),
        (1_000_000, "Must be less than 1000000."),
    ],
)
def test_load_errors(value, message):
    assert error_of(decimal_non_negative, value) == message


@pytest.mark.parametrize(("value", "expected"), [(3, 3), ("3", 3), (" 7 ", 7), (2.0, 2), (None, 9)])
def test_whole_numbers(value, expected):
    assert integer(value, minimum=0, maximum=10, default=9) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (-1, "Must be between 0 and 10."),
        (11, "Must be between 0 and 10."),
        ("many", "Must be a whole number."),
        ("2.5", "Must be a whole number."),
        (2.5, "Must be a whole number."),  # not silently 2
        (float("inf"), "Must be a whole number."),
        (float("nan"), "Must be a whole number."),
        (True, "Must be a whole number."),
        ([1], "Must be a whole number."),
    ],
)
def test_whole_number_errors(value, message):
    assert error_of(integer, value, minimum=0, maximum=10, default=0) == message


def test_a_whole_number_without_default_is_required():
    assert error_of(integer, None, minimum=0, maximum=10) == "This field is required."


# --- dates and clock times -------------------------------------------------------------------


def test_dates():
    assert date_parse("2026-11-27") == DAY
    assert date_parse(" 2026-11-27 ") == DAY
    assert date_parse(DAY) == DAY
    assert error_of(date_parse, None) == "This field is required (YYYY-MM-DD)."
    assert error_of(date_parse, "  ") == "This field is required (YYYY-MM-DD)."
    assert error_of(date_parse, "27/11/2026") == "Not a date: '27/11/2026'; use YYYY-MM-DD."
    assert error_of(date_parse, "2026-02-30") == "Not a date: '2026-02-30'; use YYYY-MM-DD."


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("09:30", time(9, 30)),
        ("9:30", time(9, 30)),
        ("9:30:15", time(9, 30, 15)),
        (" 17:05 ", time(17, 5)),
        ("00:00", time(0, 0)),
        # a 12-hour clock, as a US business's spreadsheet writes it
        ("2:30 PM", time(14, 30)),
        ("9am", time(9, 0)),
        ("11:15 p.m.", time(23, 15)),
        ("12:00 AM", time(0, 0)),
        ("12:45 pm", time(12, 45)),
    ],
)
def test_clock_times(value, expected):
    assert clock_parse(value) == expected


@pytest.mark.parametrize(
    "value", ["24:00", "9h", "9.30", "12:60", "", "930", "13:00 PM", "0:30 AM", "9:60 am"]
)
def test_clock_time_errors(value):
    assert error_of(clock_parse, value) == f"Not a time of day: {value!r}; use HH:MM."


# --- time windows ----------------------------------------------------------------------------


def test_time_windows_in_clock_times_are_on_the_delivery_date_in_the_business_zone():
    assert windows([{"start": "9:00", "end": "12:30"}]) == [
        {"start": "2026-11-27T09:00:00+01:00", "end": "2026-11-27T12:30:00+01:00"}
    ]


def test_time_windows_in_iso_are_kept_as_instants_and_shown_in_the_business_zone():
    assert windows([{"start": "2026-11-27T08:00:00Z", "end": "2026-11-27T10:00:00+00:00"}]) == [
        {"start": "2026-11-27T09:00:00+01:00", "end": "2026-11-27T11:00:00+01:00"}
    ]


def test_naive_iso_times_are_in_the_business_zone():
    assert windows([{"start": "2026-11-27T09:00:00", "end": "2026-11-27 10:15"}]) == [
        {"start": "2026-11-27T09:00:00+01:00", "end": "2026-11-27T10:15:00+01:00"}
    ]
    assert windows(
        [{"start": "2026-11-27T09:00:00", "end": "2026-11-27T10:00:00"}],
        tz=ZoneInfo("America/New_York"),
    ) == [{"start": "2026-11-27T09:00:00-05:00", "end": "2026-11-27T10:00:00-05:00"}]


def test_time_windows_are_sorted_and_may_touch():
    assert windows(
        [{"start": "13:00", "end": "15:00"}, {"start": "08:00", "end": "10:00"}]
        + [{"start": "10:00", "end": "11:00"}]
    ) == [
        {"start": "2026-11-27T08:00:00+01:00", "end": "2026-11-27T10:00:00+01:00"},
        {"start": "2026-11-27T10:00:00+01:00", "end": "2026-11-27T11:00:00+01:00"},
        {"start": "2026-11-27T13:00:00+01:00", "end": "2026-11-27T15:00:00+01:00"},
    ]


def test_a_window_may_span_the_whole_delivery_date():
    assert windows([{"start": "00:00", "end": "2026-11-28T00:00:00+01:00"}]) == [
        {"start": "2026-11-27T00:00:00+01:00", "end": "2026-11-28T00:00:00+01:00"}
    ]


def test_no_time_windows():
    assert windows(None) == []
    assert windows([]) == []


def test_ten_windows_are_fine_eleven_are_not():
    ten = [{"start": f"{hour:02d}:00", "end": f"{hour:02d}:30"} for hour in range(8, 18)]
    eleven = [*ten, {"start": "19:00", "end": "20:00"}]

    assert len(windows(ten)) == 10
    assert error_of(windows, eleven) == "At most 10 time windows."


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"start": "09:00", "end": "10:00"}, 'Must be a list of {"start", "end"}.'),
        ("09:00-10:00", 'Must be a list of {"start", "end"}.'),
        ([{"start": "09:00"}], 'window 1: must be {"start": …, "end": …}.'),
        (
            [{"start": "09:00", "end": "10:00"}, {"start": "11:00", "end": "12:00", "x": 1}],
            'window 2: must be {"start": …, "end": …}.',
        ),
        (["09:00-10:00"], 'window 1: must be {"start": …, "end": …}.'),
        ([{"start": "10:00", "end": "09:00"}], "window 1: end must be after start."),
        ([{"start": "10:00", "end": "10:00"}], "window 1: end must be after start."),
        (
            [{"start": "08:00", "end": "09:00"}, {"start": "2026-11-27T10:00:00Z", "end": "10:30"}],
            "window 2: end must be after start.",
        ),
        (
            [{"start": "2026-11-26T23:30:00+01:00", "end": "09:00"}],
            "window 1: must lie within the delivery date 2026-11-27 (Europe/Amsterdam).",
        ),
        (
            [{"start": "22:00", "end": "2026-11-28T00:30:00+01:00"}],
            "window 1: must lie within the delivery date 2026-11-27 (Europe/Amsterdam).",
        ),
        (
            # 23:30 UTC is already the 28th in Amsterdam
            [{"start": "2026-11-27T23:15:00Z", "end": "2026-11-27T23:45:00Z"}],
            "window 1: must lie within the delivery date 2026-11-27 (Europe/Amsterdam).",
        ),
        (
            [{"start": "08:00", "end": "10:00"}, {"start": "09:59", "end": "11:00"}],
            "Time windows must not overlap.",
        ),
        (
            [{"start": "12:00", "end": "14:00"}, {"start": "08:00", "end": "18:00"}],
            "Time windows must not overlap.",
        ),
        ([{"start": "9h", "end": "10:00"}], "Not a time of day: '9h'; use HH:MM."),
        ([{"start": "11 AM", "end": "9:00 AM"}], "window 1: end must be after start."),
        ([{"start": "", "end": "10:00"}], "Give a time: ISO 8601 with offset, or HH:MM."),
        ([{"start": 9, "end": "10:00"}], "Give a time: ISO 8601 with offset, or HH:MM."),
        (
            [{"start": "2026-11-27T09:00:00+25:00", "end": "10:00"}],
            "Not an ISO 8601 date-time: '2026-11-27T09:00:00+25:00'.",
        ),
    ],
)
def test_time_window_errors(value, message):
    assert error_of(windows, value) == message


def test_time_windows_on_the_day_summer_time_starts():
    # the day has 23 hours: 01:00 is +01:00, 04:00 is +02:00, 02:00–03:00 does not exist
    assert windows([{"start": "01:00", "end": "04:00"}], on=SPRING_FORWARD) == [
        {"start": "2026-03-29T01:00:00+01:00", "end": "2026-03-29T04:00:00+02:00"}
    ]
    assert windows([{"start": "23:00", "end": "2026-03-29T22:00:00Z"}], on=SPRING_FORWARD) == [
        {"start": "2026-03-29T23:00:00+02:00", "end": "2026-03-30T00:00:00+02:00"}
    ]
    assert (
        error_of(windows, [{"start": "02:30", "end": "03:30"}], on=SPRING_FORWARD)
        == "02:30 does not exist on 2026-03-29 in Europe/Amsterdam (the clocks go forward)."
    )
    assert (
        error_of(windows, [{"start": "2026-03-29T02:15:00", "end": "05:00"}], on=SPRING_FORWARD)
        == "02:15 does not exist on 2026-03-29 in Europe/Amsterdam (the clocks go forward)."
    )
    # 23:30 at +01:00 is 00:30 on the 30th in summer time
    assert (
        error_of(
            windows,
            [{"start": "22:00", "end": "2026-03-29T23:30:00+01:00"}],
            on=SPRING_FORWARD,
        )
        == "window 1: must lie within the delivery date 2026-03-29 (Europe/Amsterdam)."
    )


def test_time_windows_on_the_day_summer_time_ends():
    # 02:30 summer time, then 02:15 winter time: 45 minutes later, a valid window
    assert windows(
        [{"start": "2026-10-25T02:30:00+02:00", "end": "2026-10-25T02:15:00+01:00"}],
        on=FALL_BACK,
    ) == [{"start": "2026-10-25T02:30:00+02:00", "end": "2026-10-25T02:15:00+01:00"}]
    # the 25th ends at 23:00 UTC
    assert windows(
        [{"start": "2026-10-25T22:00:00Z", "end": "2026-10-25T23:00:00Z"}], on=FALL_BACK
    ) == [{"start": "2026-10-25T23:00:00+01:00", "end": "2026-10-26T00:00:00+01:00"}]
    assert (
        error_of(
            windows,
            [{"start": "22:00", "end": "2026-10-25T23:30:00+00:00"}],
            on=FALL_BACK,
        )
        == "window 1: must lie within the delivery date 2026-10-25 (Europe/Amsterdam)."
    )


# --- weekly hours (shifts, opening hours) -----------------------------------------------------


def test_shifts_and_opening_hours():
    assert weekly_hours_parse(
        {"mon": {"start": "8:00", "end": "16:30"}, "sat": {"start": "09:00", "end": "13:00"}},
        many=False,
    ) == {"mon": {"start": "08:00", "end": "16:30"}, "sat": {"start": "09:00", "end": "13:00"}}
    assert weekly_hours_parse(
        {"tue": [{"start": "07:00", "end": "12:00"}, {"start": "13:00", "end": "18:00"}]},
        many=True,
    ) == {"tue": [{"start": "07:00", "end": "12:00"}, {"start": "13:00", "end": "18:00"}]}
    assert weekly_hours_parse(None, many=True) == {}
    assert weekly_hours_parse({}, many=False) == {}


@pytest.mark.parametrize(
    ("value", "many", "message"),
    [
        ([], False, 'Must be an object keyed by weekday ("mon" … "sun").'),
        (
            {"monday": {"start": "08:00", "end": "16:00"}},
            False,
            "Unknown weekday 'monday'; use mon, tue, wed, thu, fri, sat, sun.",
        ),
        (
            {"mon": {"start": "08:00", "end": "16:00"}},
            True,
            'mon: must be a list of {"start", "end"}.',
        ),
        ({"tue": {"start": "08:00"}}, False, 'tue: must be {"start": "HH:MM", "end": "HH:MM"}.'),
        ({"wed": ["08:00-16:00"]}, True, 'wed: must be {"start": "HH:MM", "end": "HH:MM"}.'),
        ({"thu": {"start": "16:00", "end": "08:00"}}, False, "thu: end must be after start."),
        ({"fri": [{"start": "08:00", "end": "08:00"}]}, True, "fri: end must be after start."),
        ({"sun": {"start": "8h", "end": "16:00"}}, False, "Not a time of day: '8h'; use HH:MM."),
    ],
)
def test_weekly_hours_errors(value, many, message):
    assert error_of(weekly_hours_parse, value, many=many) == message


# --- a whole order ---------------------------------------------------------------------------


def parse_order(raw, *, region: str | None = "NL") -> OrderInput:
    return order_input_parse(raw, tz=AMSTERDAM, phone_region=region)


def order_errors(raw, *, region: str | None = "NL") -> dict[str, list[str]]:
    with pytest.raises(FieldErrors) as raised:
        parse_order(raw, region=region)
    return raised.value.fields


def test_a_complete_order():
    assert parse_order(
        {
            "external_id": " SO-1001 ",
            "recipient": {"name": "Ada", "phone": "06 12345678", "email": "Ada@Example.test"},
            "address": "Oudegracht 100, Utrecht",
            "location": {"lat": 52.0907, "lng": 5.1214},
            "delivery_date": "2026-11-27",
            "time_windows": [{"start": "09:00", "end": "12:00"}],
            "service_seconds": 120,
            "load": {"weight_kg": "12.5", "volume_l": 30, "items": 4},
            "skills": ["Fridge"],
            "priority": 80,
            "notes": " Ring twice ",
            "id": "ignored",
            "status": "ignored",
        }
    ) == OrderInput(
        external_id="SO-1001",
        recipient_name="Ada",
        recipient_phone="+31612345678",
        recipient_email="ada@example.test",
        address="Oudegracht 100, Utrecht",
        location=(52.0907, 5.1214),
        delivery_date=DAY,
        time_windows=[{"start": "2026-11-27T09:00:00+01:00", "end": "2026-11-27T12:00:00+01:00"}],
        service_seconds=120,
        weight_kg=Decimal("12.500"),
        volume_l=Decimal("30.000"),
        items=4,
        skills=["fridge"],
        priority=80,
        notes="Ring twice",
    )


def test_a_minimal_order_gets_the_defaults():
    assert parse_order(
        {"recipient": {"name": "Bo"}, "address": "Neude 1, Utrecht", "delivery_date": "2026-11-27"}
    ) == OrderInput(recipient_name="Bo", address="Neude 1, Utrecht", delivery_date=DAY)


def test_every_problem_of_an_order_is_reported_at_once():
    assert order_errors(
        {
            "external_id": "x" * 101,
            "recipient": {"name": " ", "phone": "12", "email": "nope", "age": 30},
            "address": "",
            "location": {"lat": 0, "lng": 0},
            "delivery_date": "27-11-2026",
            "time_windows": [{"start": "09:00", "end": "08:00"}],
            "service_seconds": 90000,
            "load": {"weight_kg": -1, "volume_l": "lots", "items": 1.5, "pallets": 2},
            "skills": "",
            "priority": 101,
            "notes": "n" * 2001,
            "colour": "red",
        }
    ) == {
        "colour": ["Unknown field."],
        "load.pallets": ["Unknown field."],
        "recipient.age": ["Unknown field."],
        "external_id": ["At most 100 characters."],
        "delivery_date": ["Not a date: '27-11-2026'; use YYYY-MM-DD."],
        "recipient.name": ["This field is required."],
        "recipient.phone": ["Not a valid phone number."],
        "recipient.email": ["Enter a valid e-mail address."],
        "address": ["This field is required."],
        "location": ["(0, 0) is in the ocean, not a delivery address."],
        "service_seconds": ["Must be between 0 and 86400."],
        "load.weight_kg": ["Must not be negative."],
        "load.volume_l": ["Must be a number."],
        "load.items": ["Must be a whole number."],
        "priority": ["Must be between 0 and 100."],
        "notes": ["At most 2000 characters."],
    }


def test_time_windows_are_checked_once_the_date_is_known():
    assert order_errors(
        {
            "recipient": {"name": "Bo"},
            "address": "Neude 1",
            "delivery_date": "2026-11-27",
            "time_windows": [{"start": "09:00", "end": "08:00"}],
        }
    ) == {"time_windows": ["window 1: end must be after start."]}


def test_shapes_that_are_not_objects():
    assert order_errors(["not", "an", "order"]) == {
        "non_field_errors": ["Each order must be a JSON object."]
    }
    assert order_errors(
        {"recipient": "Bo", "load": [1], "address": "Neude 1", "delivery_date": "2026-11-27"}
    ) == {
        "recipient": ['Must be {"name", "phone", "email", "language"}.'],
        "load": ['Must be {"weight_kg", "volume_l", "items"}.'],
        "recipient.name": ["This field is required."],
    }


def test_a_national_phone_number_needs_the_business_country():
    raw = {
        "recipient": {"name": "Bo", "phone": "06 12345678"},
        "address": "Neude 1",
        "delivery_date": "2026-11-27",
    }

    assert parse_order(raw, region="NL").recipient_phone == "+31612345678"
    assert order_errors(raw, region=None) == {
        "recipient.phone": [
            "Not a phone number. Write it with its country code, e.g. +31 6 12345678."
        ]
    }


def test_breaks_are_parsed_and_checked():
    from delivery.validation import breaks_parse

    assert breaks_parse([{"start": "12:00", "end": "14:00", "minutes": 30}]) == [
        {"start": "12:00", "end": "14:00", "minutes": 30}
    ]
    assert breaks_parse(None) == []
    for value, message in (
        (
            [{"start": "14:00", "end": "12:00", "minutes": 30}],
            "break 1: end must not be before start.",
        ),
        ([{"start": "12:00", "end": "14:00", "minutes": 0}], "Must be between 1 and 240."),
        (
            [{"start": "12:00", "end": "14:00"}],
            'break 1: must be {"start": "HH:MM", "end": "HH:MM", "minutes": …}.',
        ),
        ("lunch", 'Must be a list of at most 5 {"start", "end", "minutes"}.'),
    ):
        with pytest.raises(ValueError) as error:
            breaks_parse(value)
        assert str(error.value) == message
