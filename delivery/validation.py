"""Parsing and normalising what people and machines send us: one place for every input path
(API, bulk, CSV import, Shopify). Pure functions: no database, easy to test."""

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

# The platform's text, phone and e-mail rules: one copy for every app, used here by name.
from tenants.validation import date_in_range, email_normalise, phone_normalise, text

MAX_SERVICE_SECONDS = 24 * 3600
MAX_LOAD = Decimal("1000000")
MAX_SKILLS = 50
SKILL_PATTERN = re.compile(r"[^a-z0-9]+")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class FieldErrors(Exception):
    """Per-field messages for one record: {"recipient.phone": ["…"]}."""

    def __init__(self, fields: dict[str, list[str]]) -> None:
        super().__init__(fields)
        self.fields = fields


class Problems:
    """Collects field errors while a record is parsed, then raises them all at once."""

    def __init__(self) -> None:
        self.fields: dict[str, list[str]] = {}

    def add(self, name: str, message: str) -> None:
        self.fields.setdefault(name, []).append(message)

    def check(self, name: str, parse, *args, **kwargs):
        try:
            return parse(*args, **kwargs)
        except ValueError as error:
            self.add(name, str(error))
            return None

    def raise_if_any(self) -> None:
        if self.fields:
            raise FieldErrors(self.fields)


def skills_normalise(value) -> list[str]:
    """Unknown skills are fine; "Fridge ", "fridge" and "FRIDGE" are one skill, "fridge"."""
    if value is None or value == "":
        return []
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, (list, tuple)):
        raise ValueError(_("Must be a list of skill names."))
    if len(value) > MAX_SKILLS:
        raise ValueError(_("At most %(count)s skills.") % {"count": MAX_SKILLS})
    skills = set()
    for item in value:
        if not isinstance(item, str):
            raise ValueError(_("Skill names must be text."))
        name = SKILL_PATTERN.sub("-", item.strip().lower()).strip("-")
        if len(name) > 50:
            raise ValueError(
                _("Skill names have at most 50 characters: %(name)s.") % {"name": repr(item)}
            )
        if name:
            skills.add(name)
    return sorted(skills)


def number(value, *, name: str = "value") -> float:
    if isinstance(value, bool):
        raise ValueError(_("%(name)s must be a number.") % {"name": name})
    try:
        result = float(value)
    except (TypeError, ValueError):
        raise ValueError(_("%(name)s must be a number.") % {"name": name}) from None
    if result != result or result in (float("inf"), float("-inf")):
        raise ValueError(_("%(name)s must be a finite number.") % {"name": name})
    return result


def location_parse(value) -> tuple[float, float] | None:
    """{"lat": 52.37, "lng": 4.89} → (52.37, 4.89); None/{} → None. Never (0, 0)."""
    if value is None or value == {}:
        return None
    if not isinstance(value, dict) or set(value) - {"lat", "lng"}:
        raise ValueError(_('Must be {"lat": <number>, "lng": <number>}.'))
    if "lat" not in value or "lng" not in value:
        raise ValueError(_("Give both lat and lng."))
    return coordinates(value["lat"], value["lng"])


def coordinates(lat, lng) -> tuple[float, float]:
    lat, lng = number(lat, name="lat"), number(lng, name="lng")
    if not -90 <= lat <= 90:
        raise ValueError(_("lat must be between -90 and 90."))
    if not -180 <= lng <= 180:
        raise ValueError(_("lng must be between -180 and 180."))
    if lat == 0 and lng == 0:
        raise ValueError(_("(0, 0) is in the ocean, not a delivery address."))
    return lat, lng


def decimal_non_negative(value, *, default: Decimal = Decimal(0)) -> Decimal:
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        raise ValueError(_("Must be a number."))
    try:
        result = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(_("Must be a number.")) from None
    if not result.is_finite():
        raise ValueError(_("Must be a finite number."))
    if result < 0:
        raise ValueError(_("Must not be negative."))
    if result >= MAX_LOAD:
        raise ValueError(_("Must be less than %(maximum)s.") % {"maximum": MAX_LOAD})
    return result.quantize(Decimal("0.001"))


def integer(value, *, minimum: int, maximum: int, default: int | None = None) -> int:
    if value is None or value == "":
        if default is None:
            raise ValueError(_("This field is required."))
        return default
    if isinstance(value, bool):
        raise ValueError(_("Must be a whole number."))
    if isinstance(value, float):
        # 2.0 is 2, but 2.5 is not a count to round silently (nor inf, nor nan).
        if not value.is_integer():
            raise ValueError(_("Must be a whole number."))
        value = int(value)
    if isinstance(value, str):
        value = value.strip()
    try:
        result = int(value)
    except (TypeError, ValueError):
        raise ValueError(_("Must be a whole number.")) from None
    if not minimum <= result <= maximum:
        raise ValueError(
            _("Must be between %(minimum)s and %(maximum)s.")
            % {"minimum": minimum, "maximum": maximum}
        )
    return result


def date_parse(value) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return date_in_range(value)
    if not isinstance(value, str) or not value.strip():
        raise ValueError(_("This field is required (YYYY-MM-DD)."))
    try:
        parsed = date.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(
            _("Not a date: %(value)s; use YYYY-MM-DD.") % {"value": repr(value)}
        ) from None
    return date_in_range(parsed)


# A 12-hour time as US spreadsheets write it: "2:30 PM", "9am", "11:15 p.m.".
TWELVE_HOUR = re.compile(r"(\d{1,2})(?::(\d{2}))?\s*([ap])\.?\s*m\.?", re.IGNORECASE)


def clock_parse(value: str) -> time:
    """ "09:30" → 09:30; "9:30 PM" → 21:30."""
    twelve = TWELVE_HOUR.fullmatch(value.strip()) if isinstance(value, str) else None
    if twelve:
        hour, minute = int(twelve[1]), int(twelve[2] or 0)
        if not (1 <= hour <= 12 and minute < 60):
            raise ValueError(_("Not a time of day: %(value)s; use HH:MM.") % {"value": repr(value)})
        return time(hour % 12 + (12 if twelve[3].lower() == "p" else 0), minute)
    if not isinstance(value, str) or not re.fullmatch(r"\d{1,2}:\d{2}(:\d{2})?", value.strip()):
        raise ValueError(_("Not a time of day: %(value)s; use HH:MM.") % {"value": repr(value)})
    value = value.strip()
    try:
        # "9:30" and "9:30:00" have a one-digit hour: fromisoformat wants two.
        return time.fromisoformat(value.zfill(len(value) + 1) if value[1] == ":" else value)
    except ValueError:
        raise ValueError(
            _("Not a time of day: %(value)s; use HH:MM.") % {"value": repr(value)}
        ) from None


def moment_parse(value, *, on: date, tz: ZoneInfo) -> datetime:
    """An ISO 8601 date-time (naive ones are in the business's time zone) or HH:MM on `on`."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError(_("Give a time: ISO 8601 with offset, or HH:MM."))
    value = value.strip()
    if ("T" not in value and " " not in value) or TWELVE_HOUR.fullmatch(value):
        moment = datetime.combine(on, clock_parse(value), tzinfo=tz)
    else:
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            raise ValueError(
                _("Not an ISO 8601 date-time: %(value)s.") % {"value": repr(value)}
            ) from None
        if moment.tzinfo is not None:
            return moment
        moment = moment.replace(tzinfo=tz)
    # A local time the clocks skip (02:30 when summer time starts) names no instant.
    if moment.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != moment.replace(tzinfo=None):
        raise ValueError(
            _("%(time)s does not exist on %(date)s in %(zone)s (the clocks go forward).")
            % {"time": f"{moment:%H:%M}", "date": moment.date().isoformat(), "zone": tz.key}
        )
    return moment


def time_windows_parse(value, *, delivery_date: date, tz: ZoneInfo) -> list[dict[str, str]]:
    """Well-formed, inside the delivery date (business time zone), sorted, not overlapping."""
    if value is None or value == []:
        return []
    if not isinstance(value, list):
        raise ValueError(_('Must be a list of {"start", "end"}.'))
    if len(value) > 10:
        raise ValueError(_("At most 10 time windows."))
    # Compared as instants (UTC): wall-clock comparison is wrong on the days clocks change.
    day_start = datetime.combine(delivery_date, time(0), tzinfo=tz).astimezone(UTC)
    next_day = delivery_date + timedelta(days=1)
    day_end = datetime.combine(next_day, time(0), tzinfo=tz).astimezone(UTC)
    windows = []
    for index, window in enumerate(value):
        where = _("window %(number)s") % {"number": index + 1}
        if not isinstance(window, dict) or set(window) != {"start", "end"}:
            raise ValueError(_('%(where)s: must be {"start": …, "end": …}.') % {"where": where})
        start = moment_parse(window["start"], on=delivery_date, tz=tz).astimezone(UTC)
        end = moment_parse(window["end"], on=delivery_date, tz=tz).astimezone(UTC)
        if end <= start:
            raise ValueError(_("%(where)s: end must be after start.") % {"where": where})
        if start < day_start or end > day_end:
            raise ValueError(
                _("%(where)s: must lie within the delivery date %(date)s (%(zone)s).")
                % {"where": where, "date": delivery_date.isoformat(), "zone": tz.key}
            )
        windows.append((start, end))
    windows.sort()
    for (_first_start, previous_end), (next_start, _next_end) in zip(
        windows, windows[1:], strict=False
    ):
        if next_start < previous_end:
            raise ValueError(_("Time windows must not overlap."))
    return [
        {"start": start.astimezone(tz).isoformat(), "end": end.astimezone(tz).isoformat()}
        for start, end in windows
    ]


def weekly_hours_parse(value, *, many: bool) -> dict:
    """{"mon": {"start": "08:00", "end": "16:00"}} (shifts) or {"mon": [{…}, …]} (opening hours)."""
    if value is None or value == {}:
        return {}
    if not isinstance(value, dict):
        raise ValueError(_('Must be an object keyed by weekday ("mon" … "sun").'))
    result = {}
    for day, spans in value.items():
        if day not in WEEKDAYS:
            raise ValueError(
                _("Unknown weekday %(day)s; use mon, tue, wed, thu, fri, sat, sun.")
                % {"day": repr(day)}
            )
        items = spans if many else [spans]
        if not isinstance(items, list):
            raise ValueError(_('%(day)s: must be a list of {"start", "end"}.') % {"day": day})
        parsed = []
        for span in items:
            if not isinstance(span, dict) or set(span) != {"start", "end"}:
                raise ValueError(
                    _('%(day)s: must be {"start": "HH:MM", "end": "HH:MM"}.') % {"day": day}
                )
            start, end = clock_parse(span["start"]), clock_parse(span["end"])
            if end <= start:
                raise ValueError(_("%(day)s: end must be after start.") % {"day": day})
            parsed.append({"start": start.strftime("%H:%M"), "end": end.strftime("%H:%M")})
        result[day] = parsed if many else parsed[0]
    return result


MAX_BREAK_MINUTES = 240


def breaks_parse(value) -> list[dict]:
    """[{"start": "12:00", "end": "14:00", "minutes": 30}]: when a break may begin, how long."""
    if value is None or value == []:
        return []
    if not isinstance(value, list) or len(value) > 5:
        raise ValueError(_('Must be a list of at most 5 {"start", "end", "minutes"}.'))
    breaks = []
    for index, item in enumerate(value, start=1):
        if not isinstance(item, dict) or set(item) != {"start", "end", "minutes"}:
            raise ValueError(
                _('break %(number)s: must be {"start": "HH:MM", "end": "HH:MM", "minutes": …}.')
                % {"number": index}
            )
        start, end = clock_parse(item["start"]), clock_parse(item["end"])
        if end < start:
            raise ValueError(
                _("break %(number)s: end must not be before start.") % {"number": index}
            )
        minutes = integer(item["minutes"], minimum=1, maximum=MAX_BREAK_MINUTES)
        breaks.append(
            {"start": start.strftime("%H:%M"), "end": end.strftime("%H:%M"), "minutes": minutes}
        )
    return breaks


@dataclass
class OrderInput:
    """An order as the services take it: every field parsed, normalised and validated."""

    recipient_name: str
    address: str
    delivery_date: date
    external_id: str | None = None
    recipient_phone: str = ""
    recipient_email: str = ""
    recipient_language: str = ""
    location: tuple[float, float] | None = None
    time_windows: list[dict[str, str]] = field(default_factory=list)
    service_seconds: int = 300
    weight_kg: Decimal = Decimal(0)
    volume_l: Decimal = Decimal(0)
    items: int = 0
    skills: list[str] = field(default_factory=list)
    priority: int = 0
    notes: str = ""
    # Pickup-and-delivery: collect the goods at pickup_location first (no location: no pickup).
    pickup_address: str = ""
    pickup_location: tuple[float, float] | None = None
    pickup_time_windows: list[dict[str, str]] = field(default_factory=list)
    pickup_service_seconds: int = 0


LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*")


def language_tag(value) -> str:
    """A BCP 47 language tag such as nl, en or en-GB (empty: not known)."""
    tag = text(value, max_length=10)
    if tag and not LANGUAGE_TAG.fullmatch(tag):
        raise ValueError(_("Use a language tag such as nl, en or en-GB."))
    return tag


PICKUP_FIELDS = {"address", "location", "time_windows", "service_seconds"}

ORDER_FIELDS = {
    "external_id",
    "recipient",
    "address",
    "location",
    "delivery_date",
    "time_windows",
    "service_seconds",
    "load",
    "skills",
    "priority",
    "notes",
    "pickup",
}


def order_input_parse(raw, *, tz: ZoneInfo, phone_region: str | None) -> OrderInput:
    """Validate one order (the API's JSON shape). Raises FieldErrors with every problem found."""
    problems = Problems()
    if not isinstance(raw, dict):
        raise FieldErrors({"non_field_errors": ["Each order must be a JSON object."]})
    for unknown in sorted(set(raw) - ORDER_FIELDS - {"id", "status"}):
        problems.add(unknown, _("Unknown field."))
    recipient = raw.get("recipient") or {}
    if not isinstance(recipient, dict):
        problems.add("recipient", _('Must be {"name", "phone", "email", "language"}.'))
        recipient = {}
    load = raw.get("load") or {}
    if not isinstance(load, dict):
        problems.add("load", _('Must be {"weight_kg", "volume_l", "items"}.'))
        load = {}
    for unknown in sorted(set(load) - {"weight_kg", "volume_l", "items"}):
        problems.add(f"load.{unknown}", _("Unknown field."))
    for unknown in sorted(set(recipient) - {"name", "phone", "email", "language"}):
        problems.add(f"recipient.{unknown}", _("Unknown field."))

    external_id = problems.check("external_id", text, raw.get("external_id"), max_length=100)
    delivery_date = problems.check("delivery_date", date_parse, raw.get("delivery_date"))
    data = OrderInput(
        external_id=external_id or None,
        recipient_name=problems.check(
            "recipient.name", text, recipient.get("name"), max_length=200, required=True
        )
        or "",
        recipient_phone=problems.check(
            "recipient.phone", phone_normalise, recipient.get("phone"), region=phone_region
        )
        or "",
        recipient_email=problems.check("recipient.email", email_normalise, recipient.get("email"))
        or "",
        recipient_language=problems.check(
            "recipient.language", language_tag, recipient.get("language")
        )
        or "",
        address=problems.check("address", text, raw.get("address"), max_length=300, required=True)
        or "",
        location=problems.check("location", location_parse, raw.get("location")),
        delivery_date=delivery_date,
        service_seconds=problems.check(
            "service_seconds",
            integer,
            raw.get("service_seconds"),
            minimum=0,
            maximum=MAX_SERVICE_SECONDS,
            default=300,
        ),
        weight_kg=problems.check("load.weight_kg", decimal_non_negative, load.get("weight_kg")),
        volume_l=problems.check("load.volume_l", decimal_non_negative, load.get("volume_l")),
        items=problems.check(
            "load.items", integer, load.get("items"), minimum=0, maximum=1_000_000, default=0
        ),
        skills=problems.check("skills", skills_normalise, raw.get("skills")) or [],
        priority=problems.check(
            "priority", integer, raw.get("priority"), minimum=0, maximum=100, default=0
        ),
        notes=problems.check("notes", text, raw.get("notes"), max_length=2000) or "",
    )
    if delivery_date is not None:
        data.time_windows = (
            problems.check(
                "time_windows",
                time_windows_parse,
                raw.get("time_windows"),
                delivery_date=delivery_date,
                tz=tz,
            )
            or []
        )
    _pickup_parse(raw.get("pickup"), data=data, problems=problems, tz=tz)
    problems.raise_if_any()
    return data


def _pickup_parse(raw, *, data: OrderInput, problems: Problems, tz: ZoneInfo) -> None:
    """`"pickup": {"address", "location", "time_windows", "service_seconds"}` or null: where the
    driver collects the goods before delivering them (the same route, pickup first)."""
    if raw is None:
        return
    if not isinstance(raw, dict):
        problems.add(
            "pickup", _('Must be {"address", "location", "time_windows", "service_seconds"}.')
        )
        return
    for unknown in sorted(set(raw) - PICKUP_FIELDS):
        problems.add(f"pickup.{unknown}", _("Unknown field."))
    data.pickup_address = (
        problems.check("pickup.address", text, raw.get("address"), max_length=300) or ""
    )
    if raw.get("location") in (None, {}):
        problems.add("pickup.location", _("A pickup needs its location (lat and lng)."))
    else:
        data.pickup_location = problems.check(
            "pickup.location", location_parse, raw.get("location")
        )
    data.pickup_service_seconds = problems.check(
        "pickup.service_seconds",
        integer,
        raw.get("service_seconds"),
        minimum=0,
        maximum=MAX_SERVICE_SECONDS,
        default=300,
    )
    if data.delivery_date is not None:
        data.pickup_time_windows = (
            problems.check(
                "pickup.time_windows",
                time_windows_parse,
                raw.get("time_windows"),
                delivery_date=data.delivery_date,
                tz=tz,
            )
            or []
        )
