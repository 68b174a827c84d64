"""Parsing customers and standing orders from what people and machines send (API, pages, CSV).
Pure functions: no database. Raise delivery.validation.FieldErrors with dotted field names."""

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.utils.translation import gettext as _

from delivery.customers.schedule import WEEKDAYS
from delivery.validation import (
    Problems,
    clock_parse,
    date_parse,
    decimal_non_negative,
    integer,
    location_parse,
    skills_normalise,
)
from tenants.validation import email_normalise, phone_normalise, text

LANGUAGE_PATTERN = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*")
CUSTOMER_FIELDS = frozenset(
    {"external_id", "name", "phones", "email", "language", "notifications", "tags", "notes"}
)
CUSTOMER_SHOWN = frozenset({"id", "created_at", "updated_at", "places"})
PLACE_FIELDS = frozenset(
    {"label", "address", "location", "instructions", "access_notes", "time_windows", "weekdays"}
)
STANDING_FIELDS = frozenset(
    {
        "customer",
        "place",
        "weekdays",
        "interval_weeks",
        "start_date",
        "end_date",
        "count",
        "load",
        "service_seconds",
        "time_windows",
        "notes",
        "paused",
    }
)


@dataclass
class PlaceInput:
    address: str
    label: str = ""
    location: tuple[float, float] | None = None
    instructions: str = ""
    access_notes: str = ""
    time_windows: list[dict[str, str]] = field(default_factory=list)
    weekdays: list[str] = field(default_factory=list)


@dataclass
class CustomerInput:
    name: str
    external_id: str | None = None
    phones: list[str] = field(default_factory=list)
    email: str = ""
    language: str = ""
    notify_sms: bool = True
    notify_email: bool = True
    tags: list[str] = field(default_factory=list)
    notes: str = ""
    places: list[PlaceInput] | None = None  # None: keep the places as they are


@dataclass
class StandingOrderInput:
    weekdays: list[str]
    start_date: date
    interval_weeks: int = 1
    end_date: date | None = None
    count: int | None = None
    weight_kg: Decimal = Decimal(0)
    volume_l: Decimal = Decimal(0)
    items: int = 0
    service_seconds: int = 300
    time_windows: list[dict[str, str]] = field(default_factory=list)
    notes: str = ""
    is_paused: bool = False


def clock_windows_parse(value) -> list[dict[str, str]]:
    """[{"start": "09:00", "end": "12:00"}] as clock times, sorted and not overlapping."""
    if value is None or value == []:
        return []
    if not isinstance(value, list) or len(value) > 10:
        raise ValueError(_('Must be a list of at most 10 {"start": "HH:MM", "end": "HH:MM"}.'))
    windows = []
    for item in value:
        if not isinstance(item, dict) or set(item) != {"start", "end"}:
            raise ValueError(_('Each window is {"start": "HH:MM", "end": "HH:MM"}.'))
        start, end = clock_parse(item["start"]), clock_parse(item["end"])
        if end <= start:
            raise ValueError(_("A window ends after it starts."))
        windows.append((start, end))
    windows.sort()
    for (_first_start, previous_end), (start, _next_end) in zip(windows, windows[1:], strict=False):
        if start < previous_end:
            raise ValueError(_("Windows must not overlap."))
    return [{"start": f"{start:%H:%M}", "end": f"{end:%H:%M}"} for start, end in windows]


def weekdays_parse(value, *, required: bool) -> list[str]:
    if value is None or value == []:
        if required:
            raise ValueError(_("Give at least one weekday (mon … sun)."))
        return []
    if isinstance(value, str):
        value = [item for item in re.split(r"[,; ]+", value) if item]
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValueError(_("Must be a list of weekdays (mon … sun)."))
    names = {item.strip().lower()[:3] for item in value}
    unknown = sorted(names - set(WEEKDAYS))
    if unknown:
        raise ValueError(
            _("Unknown weekday %(days)s; use mon … sun.") % {"days": ", ".join(unknown)}
        )
    return [name for name in WEEKDAYS if name in names]


def phones_parse(value, *, region: str | None) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        value = [item for item in re.split(r"[,;]", value) if item.strip()]
    if not isinstance(value, list) or len(value) > 5:
        raise ValueError(_("Must be a list of at most 5 phone numbers."))
    phones: list[str] = []
    for item in value:
        phone = phone_normalise(item, region=region)
        if phone and phone not in phones:
            phones.append(phone)
    return phones


def _unknown(raw: dict, known: frozenset, problems: Problems, prefix: str = "") -> None:
    for name in raw:
        if name not in known:
            problems.add(f"{prefix}{name}", _("Unknown field."))


def place_parse(raw, *, problems: Problems, prefix: str) -> PlaceInput | None:
    if not isinstance(raw, dict):
        problems.add(prefix.rstrip("."), _("Must be an object."))
        return None
    _unknown(raw, PLACE_FIELDS, problems, prefix)
    place = PlaceInput(address="")
    place.address = problems.check(
        f"{prefix}address", text, raw.get("address"), max_length=300, required=True
    )
    place.label = problems.check(f"{prefix}label", text, raw.get("label"), max_length=60) or ""
    place.location = problems.check(f"{prefix}location", location_parse, raw.get("location"))
    for name in ("instructions", "access_notes"):
        setattr(
            place, name, problems.check(f"{prefix}{name}", text, raw.get(name), max_length=2000)
        )
    place.time_windows = (
        problems.check(f"{prefix}time_windows", clock_windows_parse, raw.get("time_windows")) or []
    )
    place.weekdays = (
        problems.check(f"{prefix}weekdays", weekdays_parse, raw.get("weekdays"), required=False)
        or []
    )
    return place


def customer_input_parse(raw, *, phone_region: str | None) -> CustomerInput:
    """A customer in the API's shape (places optional: absent keeps the existing ones)."""
    problems = Problems()
    if not isinstance(raw, dict):
        problems.add("non_field_errors", _("Must be an object."))
        problems.raise_if_any()
    _unknown(raw, CUSTOMER_FIELDS | CUSTOMER_SHOWN, problems)
    data = CustomerInput(name="")
    data.name = problems.check("name", text, raw.get("name"), max_length=200, required=True)
    data.external_id = (
        problems.check("external_id", text, raw.get("external_id"), max_length=100) or None
    )
    data.phones = problems.check("phones", phones_parse, raw.get("phones"), region=phone_region)
    data.email = problems.check("email", email_normalise, raw.get("email")) or ""
    language = problems.check("language", text, raw.get("language"), max_length=10) or ""
    if language and not LANGUAGE_PATTERN.fullmatch(language):
        problems.add("language", _("Use a language tag such as nl, en or en-GB."))
    data.language = language
    notifications = raw.get("notifications") or {}
    if not isinstance(notifications, dict) or set(notifications) - {"sms", "email"}:
        problems.add("notifications", _('Must be {"sms": true|false, "email": true|false}.'))
    else:
        for channel in ("sms", "email"):
            value = notifications.get(channel, True)
            if not isinstance(value, bool):
                problems.add(f"notifications.{channel}", _("Must be true or false."))
            else:
                setattr(data, f"notify_{channel}", value)
    data.tags = problems.check("tags", skills_normalise, raw.get("tags")) or []
    data.notes = problems.check("notes", text, raw.get("notes"), max_length=5000) or ""
    if "places" in raw:
        places = raw["places"]
        if not isinstance(places, list) or len(places) > 20:
            problems.add("places", _("Must be a list of at most 20 places."))
        else:
            data.places = [
                place_parse(item, problems=problems, prefix=f"places.{index}.")
                for index, item in enumerate(places)
            ]
    problems.raise_if_any()
    return data


def standing_order_input_parse(raw) -> StandingOrderInput:
    """A standing order's schedule and contents (the customer and place are resolved by the
    caller)."""
    problems = Problems()
    if not isinstance(raw, dict):
        problems.add("non_field_errors", _("Must be an object."))
        problems.raise_if_any()
    _unknown(raw, STANDING_FIELDS | {"id", "created_at", "updated_at", "next_dates"}, problems)
    start = problems.check("start_date", date_parse, raw.get("start_date"))
    data = StandingOrderInput(weekdays=[], start_date=start or date.min)
    weekdays = problems.check("weekdays", weekdays_parse, raw.get("weekdays"), required=False)
    # "Every week" without weekdays means the weekday of the first delivery.
    data.weekdays = weekdays or ([WEEKDAYS[start.weekday()]] if start else [])
    data.interval_weeks = problems.check(
        "interval_weeks", integer, raw.get("interval_weeks"), minimum=1, maximum=52, default=1
    )
    if raw.get("end_date") not in (None, ""):
        data.end_date = problems.check("end_date", date_parse, raw.get("end_date"))
        if start and data.end_date and data.end_date < start:
            problems.add("end_date", _("Must not be before start_date."))
    if raw.get("count") not in (None, ""):
        data.count = problems.check("count", integer, raw.get("count"), minimum=1, maximum=10000)
    load = raw.get("load") or {}
    if not isinstance(load, dict) or set(load) - {"weight_kg", "volume_l", "items"}:
        problems.add("load", _('Must be {"weight_kg", "volume_l", "items"}.'))
    else:
        for name in ("weight_kg", "volume_l"):
            value = problems.check(f"load.{name}", decimal_non_negative, load.get(name))
            setattr(data, name, value)
        data.items = problems.check(
            "load.items", integer, load.get("items"), minimum=0, maximum=1000000, default=0
        )
    data.service_seconds = problems.check(
        "service_seconds",
        integer,
        raw.get("service_seconds"),
        minimum=0,
        maximum=24 * 3600,
        default=300,
    )
    data.time_windows = (
        problems.check("time_windows", clock_windows_parse, raw.get("time_windows")) or []
    )
    data.notes = problems.check("notes", text, raw.get("notes"), max_length=5000) or ""
    paused = raw.get("paused", False)
    if not isinstance(paused, bool):
        problems.add("paused", _("Must be true or false."))
    else:
        data.is_paused = paused
    problems.raise_if_any()
    return data
