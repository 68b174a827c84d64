"""Checks one incoming position (websocket or API batch): the same rules on both paths.

Pure: the caller passes the clock and the driver's newest accepted fix, so it is easy to test.
"""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings

FIELDS = ("lat", "lng", "accuracy", "heading", "speed", "recorded_at")


class Code:
    INVALID = "invalid"  # missing field, wrong type, unreadable time
    OUT_OF_RANGE = "out_of_range"  # latitude, longitude, heading or speed impossible
    INACCURATE = "inaccurate"  # accuracy worse than TRACKING_MAX_ACCURACY_M
    FUTURE = "future"  # recorded after now (beyond the allowed clock skew)
    TOO_OLD = "too_old"  # recorded before the buffer window
    DUPLICATE = "duplicate"  # the same time as a fix already accepted
    OUT_OF_ORDER = "out_of_order"  # older than a fix already accepted


@dataclass(frozen=True)
class PositionInput:
    lat: float
    lng: float
    accuracy: float
    heading: float | None
    speed: float | None
    recorded_at: datetime


@dataclass(frozen=True)
class Rejection:
    code: str
    reason: str
    recorded_at: str | None  # as sent, so the phone can match the answer to its fix


def _number(value) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _moment(value) -> datetime | None:
    if not isinstance(value, str) or len(value) > 40:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def position_check(raw, *, now: datetime, newest: datetime | None) -> PositionInput | Rejection:
    """`raw` as received; `newest` is the driver's latest accepted recorded_at (or None)."""
    if not isinstance(raw, dict):
        return Rejection(Code.INVALID, "A position must be a JSON object.", None)
    sent_at = raw.get("recorded_at")
    echo = sent_at if isinstance(sent_at, str) else None

    def reject(code: str, reason: str) -> Rejection:
        return Rejection(code, reason, echo)

    missing = [name for name in ("lat", "lng", "accuracy", "recorded_at") if raw.get(name) is None]
    if missing:
        return reject(Code.INVALID, f"Missing {', '.join(missing)}.")
    values = {}
    for name in ("lat", "lng", "accuracy", "heading", "speed"):
        value = raw.get(name)
        values[name] = None if value is None else _number(value)
        if value is not None and values[name] is None:
            return reject(Code.INVALID, f"{name} must be a number.")
    recorded_at = _moment(sent_at)
    if recorded_at is None:
        return reject(Code.INVALID, "recorded_at must be an ISO 8601 time with its offset (or Z).")
    lat, lng, accuracy = values["lat"], values["lng"], values["accuracy"]
    heading, speed = values["heading"], values["speed"]
    if not -90 <= lat <= 90:
        return reject(Code.OUT_OF_RANGE, "lat must be between -90 and 90.")
    if not -180 <= lng <= 180:
        return reject(Code.OUT_OF_RANGE, "lng must be between -180 and 180.")
    if heading is not None and not 0 <= heading <= 360:
        return reject(Code.OUT_OF_RANGE, "heading must be between 0 and 360 degrees.")
    if speed is not None and not 0 <= speed <= settings.TRACKING_MAX_SPEED_MPS:
        return reject(
            Code.OUT_OF_RANGE,
            f"speed must be between 0 and {settings.TRACKING_MAX_SPEED_MPS} m/s.",
        )
    if accuracy <= 0:
        return reject(Code.INVALID, "accuracy must be a positive number of metres.")
    if accuracy > settings.TRACKING_MAX_ACCURACY_M:
        return reject(
            Code.INACCURATE,
            f"accuracy {accuracy:g} m is worse than {settings.TRACKING_MAX_ACCURACY_M} m.",
        )
    if recorded_at > now + timedelta(seconds=settings.TRACKING_FUTURE_SKEW_SECONDS):
        return reject(Code.FUTURE, "recorded_at is in the future; check the phone's clock.")
    if recorded_at < now - timedelta(seconds=settings.TRACKING_BUFFER_WINDOW_SECONDS):
        hours = settings.TRACKING_BUFFER_WINDOW_SECONDS / 3600
        return reject(Code.TOO_OLD, f"recorded_at is more than {hours:g} h ago.")
    if newest is not None and recorded_at == newest:
        return reject(Code.DUPLICATE, "A position with this recorded_at was already accepted.")
    if newest is not None and recorded_at < newest:
        return reject(
            Code.OUT_OF_ORDER,
            f"recorded_at is before the newest accepted position ({newest.isoformat()}); "
            "send positions in the order they were taken.",
        )
    return PositionInput(
        lat=lat, lng=lng, accuracy=accuracy, heading=heading, speed=speed, recorded_at=recorded_at
    )
