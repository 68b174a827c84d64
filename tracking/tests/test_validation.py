"""The one validation of incoming positions (websocket and API share it)."""

from datetime import UTC, datetime

import pytest

from tracking.validation import PositionInput, Rejection, position_check

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def raw(**fields) -> dict:
    values = {
        "lat": 52.37,
        "lng": 4.89,
        "accuracy": 10,
        "heading": 180,
        "speed": 5,
        "recorded_at": "2026-11-26T11:59:55+00:00",
    }
    return {**values, **fields}


def test_a_good_position_is_read():
    assert position_check(raw(), now=NOW, newest=None) == PositionInput(
        lat=52.37,
        lng=4.89,
        accuracy=10.0,
        heading=180.0,
        speed=5.0,
        recorded_at=datetime(2026, 11, 26, 11, 59, 55, tzinfo=UTC),
    )


def test_heading_and_speed_may_be_missing():
    checked = position_check(
        raw(heading=None, speed=None, recorded_at="2026-11-26T12:59:00+01:00"),
        now=NOW,
        newest=None,
    )
    assert (checked.heading, checked.speed) == (None, None)
    assert checked.recorded_at == datetime(2026, 11, 26, 11, 59, tzinfo=UTC)


AT = "2026-11-26T11:59:55+00:00"
REJECTED = [
    (raw(lat=90.5), "out_of_range", "lat must be between -90 and 90."),
    (raw(lng=-180.01), "out_of_range", "lng must be between -180 and 180."),
    (raw(heading=361), "out_of_range", "heading must be between 0 and 360 degrees."),
    (raw(speed=-1), "out_of_range", "speed must be between 0 and 90 m/s."),
    (raw(speed=120), "out_of_range", "speed must be between 0 and 90 m/s."),
    (raw(accuracy=0), "invalid", "accuracy must be a positive number of metres."),
    (raw(accuracy=501), "inaccurate", "accuracy 501 m is worse than 500 m."),
    (raw(lat="52.3"), "invalid", "lat must be a number."),
    (raw(lat=True), "invalid", "lat must be a number."),
    (raw(lng=float("nan")), "invalid", "lng must be a number."),
    ({"lat": 1, "recorded_at": AT}, "invalid", "Missing lng, accuracy."),
    (
        raw(recorded_at="2026-11-26T11:59:55"),
        "invalid",
        "recorded_at must be an ISO 8601 time with its offset (or Z).",
    ),
    (
        raw(recorded_at="yesterday"),
        "invalid",
        "recorded_at must be an ISO 8601 time with its offset (or Z).",
    ),
    (
        raw(recorded_at="2026-11-26T12:00:31+00:00"),
        "future",
        "recorded_at is in the future; check the phone's clock.",
    ),
    (raw(recorded_at="2026-11-25T23:59:59+00:00"), "too_old", "recorded_at is more than 12 h ago."),
]


@pytest.mark.parametrize(("position", "code", "reason"), REJECTED)
def test_bad_positions_are_rejected_with_a_code_and_reason(position, code, reason):
    assert position_check(position, now=NOW, newest=None) == Rejection(
        code, reason, position["recorded_at"] if isinstance(position["recorded_at"], str) else None
    )


def test_a_small_clock_skew_is_allowed():
    checked = position_check(raw(recorded_at="2026-11-26T12:00:30+00:00"), now=NOW, newest=None)
    assert isinstance(checked, PositionInput)


def test_duplicates_and_out_of_order_points_are_rejected():
    newest = datetime(2026, 11, 26, 11, 59, 55, tzinfo=UTC)

    duplicate = position_check(raw(), now=NOW, newest=newest)
    older = position_check(raw(recorded_at="2026-11-26T11:59:50+00:00"), now=NOW, newest=newest)
    later = position_check(raw(recorded_at="2026-11-26T11:59:56+00:00"), now=NOW, newest=newest)

    assert duplicate == Rejection(
        "duplicate", "A position with this recorded_at was already accepted.", AT
    )
    assert older == Rejection(
        "out_of_order",
        "recorded_at is before the newest accepted position (2026-11-26T11:59:55+00:00); "
        "send positions in the order they were taken.",
        "2026-11-26T11:59:50+00:00",
    )
    assert isinstance(later, PositionInput)


def test_a_message_that_is_not_an_object_is_rejected():
    assert position_check([1, 2], now=NOW, newest=None) == Rejection(
        "invalid", "A position must be a JSON object.", None
    )
