"""A sheet's order in the API's JSON input shape (`order_draft`), and the validator's errors
placed back on the row and column they came from (`draft_problems`)."""

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

from delivery import validation
from delivery.imports.columns import (
    MAX_WINDOWS,
    SHOPIFY_ADDRESS_PARTS,
    Layout,
    cell_is_formula,
    pickup_window_key,
    window_key,
)
from delivery.imports.csv_read import SheetOrder

NUMERIC_KEYS = {"lat", "lng", "weight_kg", "volume_l", "service_minutes", "service_seconds"}

DECIMAL_COMMA = re.compile(r"-?\d+,\d+")

SKILL_SEPARATORS = re.compile(r"[,;]")


def problem(row: int, line: int, column: str | None, message: str) -> dict:
    return {"row": row, "line": line, "column": column, "message": message}


def _cell_clean(value: str, key: str) -> str:
    value = value.strip()
    if value[:1] == "'" and (key == "phone" or cell_is_formula(value[1:])):
        value = value[1:]  # the quote spreadsheets use to keep a + or leading 0 as text
    if key in NUMERIC_KEYS and DECIMAL_COMMA.fullmatch(value):
        value = value.replace(",", ".")
    return value


@dataclass
class OrderDraft:
    """A sheet's order in the API's input shape, and where in the sheet each value came from."""

    row: int
    line: int
    raw: dict
    sources: dict[str, tuple[int, int, str]]  # key → (row, line, column) of the cell used
    problems: list[dict] = field(default_factory=list)
    windows: list[int] = field(default_factory=list)  # window numbers of raw["time_windows"]


class _Reader:
    """Looks values up in one sheet order, remembering where each came from."""

    def __init__(self, layout: Layout, order: SheetOrder) -> None:
        self.layout = layout
        self.order = order
        self.sources: dict[str, tuple[int, int, str]] = {}

    def get(self, key: str) -> str:
        indexes = self.layout.columns.get(key)
        if not indexes:
            return ""
        for row in self.order.rows:
            cells = row.cells
            for index in indexes:
                if index < len(cells) and cells[index].strip():
                    self.sources[key] = (row.number, row.line, self.layout.header[index])
                    return _cell_clean(cells[index], key)
        return ""

    def total(self, key: str) -> str:
        """The sum of a whole-number column over the order's rows (Shopify's line items)."""
        if len(self.order.rows) == 1:
            return self.get(key)
        indexes = self.layout.columns.get(key)
        if not indexes:
            return ""
        index, total = indexes[0], 0
        for row in self.order.rows:
            value = row.cells[index].strip() if index < len(row.cells) else ""
            if not value:
                continue
            if key not in self.sources or not value.isdigit():
                self.sources[key] = (row.number, row.line, self.layout.header[index])
            if not value.isdigit():
                return value  # the validator says what is wrong with it
            total += int(value)
        return str(total) if key in self.sources else ""


def _minutes_as_seconds(value: str) -> int | str:
    try:
        seconds = Decimal(value) * 60
    except InvalidOperation:
        return value
    return int(seconds.to_integral_value()) if seconds.is_finite() else value


def order_draft(layout: Layout, order: SheetOrder, *, default_date: date | None) -> OrderDraft:
    """One sheet order as the API's JSON body for one order."""
    first = order.rows[0]
    cells = _Reader(layout, order)
    draft = OrderDraft(row=first.number, line=first.line, raw={}, sources=cells.sources)

    def missing_half(key: str, message: str) -> None:
        draft.problems.append(problem(first.number, first.line, layout.name(key), message))

    address = cells.get("address")
    if not address:
        parts = [cells.get(part) for part in SHOPIFY_ADDRESS_PARTS]
        address = ", ".join(part for part in parts if part)
    lat, lng = cells.get("lat"), cells.get("lng")
    location = None
    if lat and lng:
        location = {"lat": lat, "lng": lng}
    elif lat or lng:
        missing = "lng" if lat else "lat"
        missing_half(
            missing, _("Give both lat and lng; %(missing)s is empty.") % {"missing": missing}
        )
    windows = []
    for number in range(1, MAX_WINDOWS + 1):
        start_key, end_key = window_key(number, "start"), window_key(number, "end")
        if start_key not in layout.columns and end_key not in layout.columns:
            continue
        start, end = cells.get(start_key), cells.get(end_key)
        if start and end:
            windows.append({"start": start, "end": end})
            draft.windows.append(number)
        elif start or end:
            empty = end_key if start else start_key
            missing_half(
                empty,
                _("Give both ends of the time window; %(column)s is empty.")
                % {"column": layout.name(empty)},
            )
    service = cells.get("service_seconds")
    if not service:
        minutes = cells.get("service_minutes")
        service = _minutes_as_seconds(minutes) if minutes else None
    skills = cells.get("skills")
    draft.raw = {
        "external_id": cells.get("external_id") or None,
        "recipient": {
            "name": cells.get("recipient_name"),
            "phone": cells.get("phone"),
            "email": cells.get("email"),
        },
        "address": address,
        "location": location,
        "delivery_date": cells.get("delivery_date")
        or (default_date.isoformat() if default_date else None),
        "time_windows": windows,
        "service_seconds": service,
        "load": {
            "weight_kg": cells.get("weight_kg"),
            "volume_l": cells.get("volume_l"),
            "items": cells.total("items"),
        },
        "skills": SKILL_SEPARATORS.split(skills) if skills else [],
        "priority": cells.get("priority"),
        "notes": cells.get("notes"),
        "pickup": _pickup_draft(cells, missing_half),
    }
    return draft


def _pickup_draft(cells: "_Reader", missing_half) -> dict | None:
    """The pickup columns as the API's `pickup` object; None when the row has no pickup.
    Its windows are pickup_window_start/end, pickup_window2_start/end, … (as our export writes)."""
    layout = cells.layout
    window_keys = [
        (pickup_window_key(number, "start"), pickup_window_key(number, "end"))
        for number in range(1, MAX_WINDOWS + 1)
        if number == 1
        or pickup_window_key(number, "start") in layout.columns
        or pickup_window_key(number, "end") in layout.columns
    ]
    keys = ("pickup_address", "pickup_lat", "pickup_lng", "pickup_service_seconds")
    values = {
        key: cells.get(key) for key in (*keys, *(key for pair in window_keys for key in pair))
    }
    if not any(values.values()):
        return None
    windows = []
    for start_key, end_key in window_keys:
        start, end = values[start_key], values[end_key]
        if start and end:
            windows.append({"start": start, "end": end})
        elif start or end:
            missing_half(end_key if start else start_key, "Give both ends of the pickup window.")
    lat, lng = values["pickup_lat"], values["pickup_lng"]
    return {
        "address": values["pickup_address"],
        "location": {"lat": lat, "lng": lng} if lat or lng else None,
        "time_windows": windows,
        "service_seconds": values["pickup_service_seconds"] or None,
    }


FIELD_KEYS = {
    "external_id": "external_id",
    "recipient.name": "recipient_name",
    "recipient.phone": "phone",
    "recipient.email": "email",
    "delivery_date": "delivery_date",
    "load.weight_kg": "weight_kg",
    "load.volume_l": "volume_l",
    "load.items": "items",
    "skills": "skills",
    "priority": "priority",
    "notes": "notes",
}

PICKUP_KEYS = {
    "pickup.address": "pickup_address",
    "pickup.location": "pickup_lat",
    "pickup.time_windows": "pickup_window_start",
    "pickup.service_seconds": "pickup_service_seconds",
}


def _error_key(draft: OrderDraft, layout: Layout, name: str, message: str, tz: ZoneInfo) -> str:
    """The sheet column (as a key) that caused the validator's error on field `name`."""
    if name in FIELD_KEYS:
        return FIELD_KEYS[name]
    if name == "service_seconds":
        return "service_seconds" if "service_seconds" in draft.sources else "service_minutes"
    if name == "address":
        if "address" in layout.columns:
            return "address"
        used = [part for part in SHOPIFY_ADDRESS_PARTS if part in draft.sources]
        present = [part for part in SHOPIFY_ADDRESS_PARTS if part in layout.columns]
        return (used or present or ["address"])[0]
    if name == "location":
        return "lng" if message.startswith("lng") else "lat"
    if name == "time_windows":
        return _window_error_key(draft, message, tz)
    if name == "pickup.location" and message.startswith("lng"):
        return "pickup_lng"
    if name.startswith("pickup."):
        return PICKUP_KEYS.get(name, "pickup_address")
    return ""


def _window_error_key(draft: OrderDraft, message: str, tz: ZoneInfo) -> str:
    windows = draft.raw["time_windows"]
    on = validation.date_parse(draft.raw["delivery_date"])  # valid: windows are checked after it
    for window, number in zip(windows, draft.windows, strict=True):
        for end in ("start", "end"):
            try:
                validation.moment_parse(window[end], on=on, tz=tz)
            except ValueError:
                return window_key(number, end)
    # The validator's messages are in the active language: matched in it, not in English.
    for index, number in enumerate(draft.windows, start=1):
        where = _("window %(number)s") % {"number": index}
        if message == _("%(where)s: end must be after start.") % {"where": where}:
            return window_key(number, "end")
        if message.startswith(f"{where}:"):
            return window_key(number, "start")
    # Overlapping windows: the second window is the one to move.
    return window_key(draft.windows[min(1, len(draft.windows) - 1)], "start")


def draft_problems(
    draft: OrderDraft, layout: Layout, fields: dict[str, list[str]], tz: ZoneInfo
) -> list[dict]:
    """The validator's errors on one order, each placed on the row and column that caused it."""
    problems = []
    for name, messages in fields.items():
        key = _error_key(draft, layout, name, messages[0], tz)
        row, line, column = draft.sources.get(key) or (
            draft.row,
            draft.line,
            layout.name(key) if key else None,
        )
        problems.extend(problem(row, line, column, message) for message in messages)
    return problems
