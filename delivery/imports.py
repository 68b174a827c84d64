"""Orders in bulk: the JSON batch, the CSV import (our columns and Shopify's orders export) and
the CSV export. Reading and mapping a sheet are pure functions; every row is validated by
`validation.order_input_parse`, exactly as the API validates one order, and written through
`services.orders_create_many`."""

import csv
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from django.db.models import Func, IntegerField, Max, QuerySet

from delivery import validation
from delivery.models import Order
from delivery.services import orders_create_many, orders_existing_external_ids
from tenants.actors import Actor
from tenants.errors import ApplicationError

MAX_BULK_ORDERS = 1000
MAX_IMPORT_BYTES = 10 * 1024 * 1024
MAX_IMPORT_ROWS = 20_000
MAX_WINDOWS = 10

# --- columns ------------------------------------------------------------------------------------

SHOPIFY_ADDRESS_PARTS = (
    "shipping_address1",
    "shipping_address2",
    "shipping_city",
    "shipping_zip",
    "shipping_province",
    "shipping_country",
)


def _window_key(number: int, end: str) -> str:
    return f"window_{end}" if number == 1 else f"window{number}_{end}"


# (normalised header, key) in priority order: when a file has two columns for one key (Shopify's
# "Shipping Phone" and "Phone"), the first non-empty cell in this order wins.
ALIASES: list[tuple[str, str]] = [
    ("external id", "external_id"),
    ("name", "external_id"),  # Shopify: the order's name, e.g. #1001
    ("recipient name", "recipient_name"),
    ("shipping name", "recipient_name"),
    ("shipping phone", "phone"),  # preferred over Shopify's order-level "Phone"
    ("phone", "phone"),
    ("recipient phone", "phone"),
    ("email", "email"),
    ("recipient email", "email"),
    ("address", "address"),
    ("shipping address1", "shipping_address1"),
    ("shipping street", "shipping_address1"),
    ("shipping address2", "shipping_address2"),
    ("shipping city", "shipping_city"),
    ("shipping zip", "shipping_zip"),
    ("shipping province", "shipping_province"),
    ("shipping country", "shipping_country"),
    ("lat", "lat"),
    ("latitude", "lat"),
    ("lng", "lng"),
    ("lon", "lng"),
    ("longitude", "lng"),
    ("delivery date", "delivery_date"),
    ("window start", "window_start"),
    ("window end", "window_end"),
    *(
        (f"window{number} {end}", _window_key(number, end))
        for number in range(1, MAX_WINDOWS + 1)
        for end in ("start", "end")
    ),
    ("service seconds", "service_seconds"),
    ("service minutes", "service_minutes"),
    ("weight kg", "weight_kg"),
    ("volume l", "volume_l"),
    ("items", "items"),
    ("lineitem quantity", "items"),
    ("skills", "skills"),
    ("priority", "priority"),
    ("notes", "notes"),
    # Pickup-and-delivery: where the driver collects the goods first.
    ("pickup address", "pickup_address"),
    ("pickup lat", "pickup_lat"),
    ("pickup lng", "pickup_lng"),
    ("pickup window start", "pickup_window_start"),
    ("pickup window end", "pickup_window_end"),
    ("pickup service seconds", "pickup_service_seconds"),
]
ALIAS_PRIORITY = {name: index for index, (name, _) in enumerate(ALIASES)}
ALIAS_KEYS = dict(ALIASES)

# Columns of our own export that describe the order's state here, not input: ignored on import.
EXPORT_ONLY_COLUMNS = {
    "id",
    "status",
    "location status",
    "location note",
    "driver",
    "route",
    "sequence",
    "eta",
    "tracking url",
    "source",
    "created at",
    "updated at",
}
# The rest of a Shopify orders export: known, not needed for a delivery, ignored without a warning.
SHOPIFY_IGNORED_COLUMNS = {
    "financial status",
    "paid at",
    "fulfillment status",
    "fulfilled at",
    "accepts marketing",
    "currency",
    "subtotal",
    "shipping",
    "taxes",
    "total",
    "discount code",
    "discount amount",
    "shipping method",
    "created at",
    "lineitem name",
    "lineitem price",
    "lineitem compare at price",
    "lineitem sku",
    "lineitem requires shipping",
    "lineitem taxable",
    "lineitem fulfillment status",
    "lineitem discount",
    "billing name",
    "billing street",
    "billing address1",
    "billing address2",
    "billing company",
    "billing city",
    "billing zip",
    "billing province",
    "billing country",
    "billing phone",
    "billing province name",
    "shipping company",
    "shipping province name",
    "note attributes",
    "cancelled at",
    "payment method",
    "payment reference",
    "payment references",
    "payment id",
    "payment terms name",
    "next payment due at",
    "refunded amount",
    "vendor",
    "outstanding balance",
    "employee",
    "location",
    "device id",
    "tags",
    "risk level",
    "receipt number",
    "duties",
    *(f"tax {number} {part}" for number in range(1, 6) for part in ("name", "value")),
}
SHOPIFY_MARKERS = {"lineitem quantity", "shipping name", "shipping address1"}

# Our documented column name for each key, used when the file has no such column.
DISPLAY_NAMES = {key: key for _, key in ALIASES}
DISPLAY_NAMES.update({part: part for part in SHOPIFY_ADDRESS_PARTS})

NUMERIC_KEYS = {"lat", "lng", "weight_kg", "volume_l", "service_minutes", "service_seconds"}
# Cells that a spreadsheet would run as a formula are written with a leading ' on export.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
DECIMAL_COMMA = re.compile(r"-?\d+,\d+")
SKILL_SEPARATORS = re.compile(r"[,;]")


def column_normalise(name: str) -> str:
    """ "Shipping  Address1 ", "external_id" and "External-ID" → "shipping address1", … ."""
    return " ".join(name.replace("_", " ").replace("-", " ").split()).lower()


def problem(row: int, line: int, column: str | None, message: str) -> dict:
    return {"row": row, "line": line, "column": column, "message": message}


@dataclass
class Layout:
    """What each column of a sheet means."""

    header: list[str]
    columns: dict[str, list[int]]  # key → indexes of the columns that give it, by priority
    shopify: bool
    warnings: list[dict] = field(default_factory=list)

    def name(self, key: str) -> str:
        indexes = self.columns.get(key)
        return self.header[indexes[0]] if indexes else DISPLAY_NAMES.get(key, key)


def layout_read(header: list[str], *, has_default_date: bool) -> Layout:
    header = [name.strip() for name in header]
    normalised = [column_normalise(name) for name in header]
    columns: dict[str, list[int]] = {}
    warnings = []
    seen: dict[str, int] = {}
    unnamed = normalised.count("")
    if unnamed:
        message = f"{unnamed} column{'s' if unnamed > 1 else ''} without a name ignored."
        warnings.append({"column": "", "message": message})
    for index, name in enumerate(normalised):
        if not name:
            continue
        if name in ALIAS_KEYS:
            if name in seen:
                raise _file_error(f"The column {header[index]!r} appears twice.")
            seen[name] = index
            columns.setdefault(ALIAS_KEYS[name], []).append(index)
        elif name not in EXPORT_ONLY_COLUMNS and name not in SHOPIFY_IGNORED_COLUMNS:
            warnings.append({"column": header[index], "message": "Unknown column; it is ignored."})
    for indexes in columns.values():
        indexes.sort(key=lambda index: ALIAS_PRIORITY[normalised[index]])
    missing = []
    if "recipient_name" not in columns:
        missing.append("recipient_name")
    if "address" not in columns and not any(part in columns for part in SHOPIFY_ADDRESS_PARTS):
        missing.append("address")
    if not columns:
        raise _file_error(
            "No known column in the first line: is this a CSV of orders with a header row? "
            "See the documented import columns."
        )
    if missing:
        raise _file_error(f"Missing column(s): {', '.join(missing)}.")
    if "delivery_date" not in columns and not has_default_date:
        raise _file_error(
            "No delivery_date column: add one, or give ?date=YYYY-MM-DD for every row."
        )
    shopify = bool(SHOPIFY_MARKERS & set(normalised))
    return Layout(header=header, columns=columns, shopify=shopify, warnings=warnings)


def _file_error(message: str) -> ApplicationError:
    return ApplicationError("validation_error", message, fields={"file": [message]})


def _too_large(message: str) -> ApplicationError:
    return ApplicationError("payload_too_large", message)


# --- reading a sheet ----------------------------------------------------------------------------


@dataclass(slots=True)
class SheetRow:
    number: int  # 1-based data row: the first row after the header is 1
    line: int  # the line of the file where the row starts: the header is line 1
    cells: list[str]


@dataclass(slots=True)
class SheetOrder:
    """One order: one row, or the rows of one Shopify order (one per line item)."""

    rows: list[SheetRow]


@dataclass
class Sheet:
    layout: Layout
    orders: list[SheetOrder]


def csv_text(content: bytes) -> str:
    """UTF-8 text of an upload, with or without a byte order mark."""
    if not content.strip():
        raise _file_error("The file is empty.")
    if b"\x00" in content:
        raise _file_error("This is not a CSV file: it contains binary data.")
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise _file_error(
            f"The file is not UTF-8 text (byte {error.start + 1}): save it as “CSV UTF-8”."
        ) from None


def csv_delimiter(text: str) -> str:
    """Comma, semicolon (spreadsheets in much of Europe) or tab: whichever the header uses most."""
    header = next((line for line in io.StringIO(text) if line.strip()), "")
    counts = {delimiter: header.count(delimiter) for delimiter in (",", ";", "\t")}
    best = max(counts, key=lambda delimiter: counts[delimiter])
    return best if counts[best] else ","


def sheet_read(content: bytes, *, has_default_date: bool) -> Sheet:
    """The orders of a CSV file, mapped to our columns; Shopify's rows grouped by order name."""
    if len(content) > MAX_IMPORT_BYTES:
        raise _too_large(f"The file is larger than {MAX_IMPORT_BYTES // (1024 * 1024)} MB.")
    text = csv_text(content)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=csv_delimiter(text))
    try:
        header = next(reader, None)
        while header is not None and not any(cell.strip() for cell in header):
            header = next(reader, None)  # blank lines before the header
        if header is None:
            raise _file_error("The file is empty.")
        layout = layout_read(header, has_default_date=has_default_date)
        orders: list[SheetOrder] = []
        groups: dict[str, SheetOrder] = {}
        group_by = layout.columns.get("external_id", []) if layout.shopify else []
        number = rows = 0
        last_line = reader.line_num
        for cells in reader:
            number += 1
            line, last_line = last_line + 1, reader.line_num
            if not any(cell.strip() for cell in cells):
                continue  # an empty row is no order; it keeps its number
            rows += 1
            if rows > MAX_IMPORT_ROWS:
                raise _too_large(f"At most {MAX_IMPORT_ROWS} rows per file; split it.")
            row = SheetRow(number=number, line=line, cells=cells)
            name = next(
                (cells[i].strip() for i in group_by if i < len(cells) and cells[i].strip()), ""
            )
            if name and name in groups:
                groups[name].rows.append(row)
                continue
            order = SheetOrder(rows=[row])
            orders.append(order)
            if name:
                groups[name] = order
    except csv.Error as error:
        message = f"Line {reader.line_num}: not valid CSV ({error})."
        raise _file_error(message) from None
    if not orders:
        raise _file_error("The file has a header but no orders.")
    return Sheet(layout=layout, orders=orders)


# --- a sheet's order in the API's JSON shape ------------------------------------------------------


def _cell_clean(value: str, key: str) -> str:
    value = value.strip()
    if value[:1] == "'" and (key == "phone" or value[1:2] in FORMULA_STARTS):
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
        missing_half(missing, f"Give both lat and lng; {missing} is empty.")
    windows = []
    for number in range(1, MAX_WINDOWS + 1):
        start_key, end_key = _window_key(number, "start"), _window_key(number, "end")
        if start_key not in layout.columns and end_key not in layout.columns:
            continue
        start, end = cells.get(start_key), cells.get(end_key)
        if start and end:
            windows.append({"start": start, "end": end})
            draft.windows.append(number)
        elif start or end:
            empty = end_key if start else start_key
            missing_half(
                empty, f"Give both ends of the time window; {layout.name(empty)} is empty."
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
    """The pickup columns as the API's `pickup` object; None when the row has no pickup."""
    keys = ("pickup_address", "pickup_lat", "pickup_lng", "pickup_window_start")
    values = {key: cells.get(key) for key in (*keys, "pickup_window_end", "pickup_service_seconds")}
    if not any(values.values()):
        return None
    start, end = values["pickup_window_start"], values["pickup_window_end"]
    if bool(start) != bool(end):
        empty = "pickup_window_end" if start else "pickup_window_start"
        missing_half(empty, "Give both ends of the pickup window.")
    lat, lng = values["pickup_lat"], values["pickup_lng"]
    return {
        "address": values["pickup_address"],
        "location": {"lat": lat, "lng": lng} if lat or lng else None,
        "time_windows": [{"start": start, "end": end}] if start and end else [],
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
WINDOW_NUMBER = re.compile(r"window (\d+):")


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
                return _window_key(number, end)
    match = WINDOW_NUMBER.match(message)
    if match and int(match.group(1)) <= len(draft.windows):
        end = "end" if "end must be after" in message else "start"
        return _window_key(draft.windows[int(match.group(1)) - 1], end)
    # Overlapping windows: the second window is the one to move.
    return _window_key(draft.windows[min(1, len(draft.windows) - 1)], "start")


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


# --- importing ------------------------------------------------------------------------------------


class ImportRejected(ApplicationError):
    """Some rows are bad and the caller wanted all or nothing: nothing was written."""

    def __init__(self, *, rows: list[dict], warnings: list[dict]) -> None:
        bad_rows = len({item["row"] for item in rows})
        message = (
            f"{bad_rows} row{'s' if bad_rows != 1 else ''} of the file "
            f"{'have' if bad_rows != 1 else 'has'} errors; nothing was imported. Fix "
            f"{'them' if bad_rows != 1 else 'it'}, or send ?partial=true to import the other rows."
        )
        fields: dict[str, list[str]] = {}
        for item in rows:
            where = f"rows.{item['row']}" + (f".{item['column']}" if item["column"] else "")
            fields.setdefault(where, []).append(item["message"])
        super().__init__("validation_error", message, fields=fields)
        self.rows = rows
        self.warnings = warnings


@dataclass
class ImportResult:
    created: list[Order]
    failed: int
    errors: list[dict]
    warnings: list[dict]


def _external_id_problems(
    external_ids: list[str | None], *, label: Callable[[int], str]
) -> dict[int, list[str]]:
    """Per position: a repeated external id, or one that an order here already has."""
    found: dict[int, list[str]] = {}
    first_seen: dict[str, int] = {}
    for position, external_id in enumerate(external_ids):
        if not external_id:
            continue
        if external_id in first_seen:
            found.setdefault(position, []).append(
                f"Duplicate external_id {external_id!r}: also on {label(first_seen[external_id])}."
            )
        else:
            first_seen[external_id] = position
    for external_id in sorted(orders_existing_external_ids(first_seen)):
        found.setdefault(first_seen[external_id], []).append(
            f"An order with external_id {external_id!r} already exists."
        )
    return found


def _raw_external_id(raw) -> str | None:
    value = raw.get("external_id") if isinstance(raw, dict) else None
    return (value.strip() or None) if isinstance(value, str) else None


def orders_import_csv(
    *,
    content: bytes,
    actor: Actor,
    tz: ZoneInfo,
    phone_region: str | None,
    default_date: date | None = None,
    partial: bool = False,
) -> ImportResult:
    """Create the orders of a CSV file: all of them, or with `partial` the good ones."""
    sheet = sheet_read(content, has_default_date=default_date is not None)
    layout = sheet.layout
    drafts = [order_draft(layout, order, default_date=default_date) for order in sheet.orders]
    inputs: list[validation.OrderInput | None] = []
    for draft in drafts:
        try:
            inputs.append(validation.order_input_parse(draft.raw, tz=tz, phone_region=phone_region))
        except validation.FieldErrors as errors:
            inputs.append(None)
            draft.problems.extend(draft_problems(draft, layout, errors.fields, tz))
    duplicates = _external_id_problems(
        [
            data.external_id if data else _raw_external_id(draft.raw)
            for data, draft in zip(inputs, drafts, strict=True)
        ],
        label=lambda position: f"row {drafts[position].row}",
    )
    for position, messages in duplicates.items():
        draft = drafts[position]
        row, line, column = draft.sources.get("external_id") or (
            draft.row,
            draft.line,
            layout.name("external_id"),
        )
        draft.problems.extend(problem(row, line, column, message) for message in messages)
    errors = sorted(
        (item for draft in drafts for item in draft.problems), key=lambda item: item["row"]
    )
    if errors and not partial:
        raise ImportRejected(rows=errors, warnings=layout.warnings)
    good = [data for data, draft in zip(inputs, drafts, strict=True) if data and not draft.problems]
    created = orders_create_many(inputs=good, actor=actor, source="import") if good else []
    return ImportResult(
        created=created,
        failed=len(drafts) - len(good),
        errors=errors,
        warnings=layout.warnings,
    )


def orders_bulk_create(
    *, body, actor: Actor, tz: ZoneInfo, phone_region: str | None
) -> list[Order]:
    """Create up to MAX_BULK_ORDERS orders from `{"orders": [...]}`: all of them or none."""
    if not isinstance(body, dict) or "orders" not in body:
        message = 'Send {"orders": [<order>, …]}.'
        raise ApplicationError("validation_error", message, fields={"orders": [message]})
    unknown = sorted(set(body) - {"orders"})
    if unknown:
        raise ApplicationError(
            "validation_error",
            f"Unknown field(s): {', '.join(unknown)}.",
            fields={name: ["Unknown field."] for name in unknown},
        )
    raw_orders = body["orders"]
    if not isinstance(raw_orders, list) or not raw_orders:
        message = "Must be a list of 1 to 1000 orders."
        raise ApplicationError("validation_error", message, fields={"orders": [message]})
    if len(raw_orders) > MAX_BULK_ORDERS:
        message = (
            f"At most {MAX_BULK_ORDERS} orders per request, got {len(raw_orders)}: split the batch."
        )
        raise ApplicationError(
            "payload_too_large",
            message,
            fields={"orders": [message]},
        )
    inputs: list[validation.OrderInput | None] = []
    problems: dict[int, dict[str, list[str]]] = {}
    for index, raw in enumerate(raw_orders):
        try:
            inputs.append(validation.order_input_parse(raw, tz=tz, phone_region=phone_region))
        except validation.FieldErrors as errors:
            inputs.append(None)
            problems[index] = dict(errors.fields)
    duplicates = _external_id_problems(
        [
            data.external_id if data else _raw_external_id(raw)
            for data, raw in zip(inputs, raw_orders, strict=True)
        ],
        label=lambda position: f"orders.{position}",
    )
    for index, messages in duplicates.items():
        problems.setdefault(index, {}).setdefault("external_id", []).extend(messages)
    if problems:
        fields = {
            f"orders.{index}.{name}": messages
            for index in sorted(problems)
            for name, messages in problems[index].items()
        }
        count = len(problems)
        raise ApplicationError(
            "validation_error",
            f"{count} of {len(raw_orders)} orders {'have' if count != 1 else 'has'} errors; "
            "nothing was created.",
            fields=fields,
        )
    return orders_create_many(inputs=inputs, actor=actor, source="bulk")


# --- exporting ------------------------------------------------------------------------------------

EXPORT_FIELDS = [
    "external_id",
    "recipient_name",
    "recipient_phone",
    "recipient_email",
    "address",
    "lat",
    "lng",
    "delivery_date",
    "time_windows",
    "service_seconds",
    "weight_kg",
    "volume_l",
    "items",
    "skills",
    "priority",
    "notes",
    "id",
    "status",
    "location_status",
    "driver_id",
    "route_id",
    "sequence",
    "eta",
]
EXPORT_CHUNK_ROWS = 500


def export_header(window_count: int) -> list[str]:
    windows = [
        _window_key(number, end)
        for number in range(1, window_count + 1)
        for end in ("start", "end")
    ]
    return [
        "external_id",
        "recipient_name",
        "phone",
        "email",
        "address",
        "lat",
        "lng",
        "delivery_date",
        *windows,
        "service_seconds",
        "weight_kg",
        "volume_l",
        "items",
        "skills",
        "priority",
        "notes",
        "id",
        "status",
        "location_status",
        "driver",
        "route",
        "sequence",
        "eta",
    ]


def _text_cell(value: str | None) -> str:
    if not value:
        return ""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _moment_cell(value: str, *, on: date, tz: ZoneInfo) -> str:
    """HH:MM when that reads back as the same instant on the delivery date in the business's
    zone (not across midnight, not in the hour the clocks repeat); else ISO 8601."""
    moment = datetime.fromisoformat(value).astimezone(tz)
    clock = moment.timetz().replace(tzinfo=None, fold=0)
    if moment.date() == on and datetime.combine(on, clock, tz).timestamp() == moment.timestamp():
        return clock.strftime("%H:%M:%S" if clock.second else "%H:%M")
    return moment.isoformat()


def export_row(values: tuple, *, window_count: int, tz: ZoneInfo) -> list:
    (
        external_id,
        recipient_name,
        phone,
        email,
        address,
        lat,
        lng,
        delivery_date,
        time_windows,
        service_seconds,
        weight_kg,
        volume_l,
        items,
        skills,
        priority,
        notes,
        order_id,
        order_status,
        location_status,
        driver_id,
        route_id,
        sequence,
        eta,
    ) = values
    windows: list[str] = []
    for window in (time_windows or [])[:window_count]:
        windows += [_moment_cell(window[end], on=delivery_date, tz=tz) for end in ("start", "end")]
    windows += [""] * (2 * window_count - len(windows))
    return [
        _text_cell(external_id),
        _text_cell(recipient_name),
        phone,
        _text_cell(email),
        _text_cell(address),
        "" if lat is None else repr(lat),
        "" if lng is None else repr(lng),
        delivery_date.isoformat(),
        *windows,
        service_seconds,
        weight_kg,
        volume_l,
        items,
        ";".join(skills),
        priority,
        _text_cell(notes),
        order_id,
        order_status,
        location_status,
        driver_id or "",
        route_id or "",
        "" if sequence is None else sequence,
        eta.astimezone(tz).isoformat() if eta else "",
    ]


def export_window_count(orders: QuerySet[Order]) -> int:
    """At least two window columns; more when some order has more windows."""
    most = orders.order_by().aggregate(
        most=Max(Func("time_windows", function="jsonb_array_length", output_field=IntegerField()))
    )["most"]
    return max(2, most or 0)


def orders_export_csv(orders: QuerySet[Order], *, tz: ZoneInfo) -> Iterator[bytes]:
    """The orders as CSV, produced in chunks: a big export never sits in memory whole."""
    window_count = export_window_count(orders)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(export_header(window_count))
    rows = orders.values_list(*EXPORT_FIELDS).iterator(chunk_size=2000)
    for count, values in enumerate(rows, start=1):
        writer.writerow(export_row(values, window_count=window_count, tz=tz))
        if count % EXPORT_CHUNK_ROWS == 0:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()
