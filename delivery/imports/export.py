"""The orders as a CSV file, streamed in chunks; text cells a spreadsheet would run as a
formula are written with a leading '."""

import csv
import io
from collections.abc import Iterator
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.db.models import Func, IntegerField, Max, QuerySet

from delivery.imports.columns import cell_is_formula, pickup_window_key, window_key
from delivery.models import Order

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
    "pickup_address",
    "pickup_lat",
    "pickup_lng",
    "pickup_time_windows",
    "pickup_service_seconds",
    "id",
    "status",
    "location_status",
    "driver_id",
    "route_id",
    "sequence",
    "eta",
]

EXPORT_CHUNK_ROWS = 500


def export_header(window_count: int, pickup_window_count: int = 1) -> list[str]:
    windows = [
        window_key(number, end) for number in range(1, window_count + 1) for end in ("start", "end")
    ]
    pickup_windows = [
        pickup_window_key(number, end)
        for number in range(1, pickup_window_count + 1)
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
        "pickup_address",
        "pickup_lat",
        "pickup_lng",
        *pickup_windows,
        "pickup_service_seconds",
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
    return "'" + value if cell_is_formula(value) else value


def _moment_cell(value: str, *, on: date, tz: ZoneInfo) -> str:
    """HH:MM when that reads back as the same instant on the delivery date in the business's
    zone (not across midnight, not in the hour the clocks repeat); else ISO 8601."""
    moment = datetime.fromisoformat(value).astimezone(tz)
    clock = moment.timetz().replace(tzinfo=None, fold=0)
    if moment.date() == on and datetime.combine(on, clock, tz).timestamp() == moment.timestamp():
        return clock.strftime("%H:%M:%S" if clock.second else "%H:%M")
    return moment.isoformat()


def _windows_cells(windows: list[dict], *, count: int, on: date, tz: ZoneInfo) -> list[str]:
    cells: list[str] = []
    for window in (windows or [])[:count]:
        cells += [_moment_cell(window[end], on=on, tz=tz) for end in ("start", "end")]
    return cells + [""] * (2 * count - len(cells))


def export_row(
    values: tuple, *, window_count: int, tz: ZoneInfo, pickup_window_count: int = 1
) -> list:
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
        pickup_address,
        pickup_lat,
        pickup_lng,
        pickup_time_windows,
        pickup_service_seconds,
        order_id,
        order_status,
        location_status,
        driver_id,
        route_id,
        sequence,
        eta,
    ) = values
    windows = _windows_cells(time_windows, count=window_count, on=delivery_date, tz=tz)
    # An order has a pickup when it has a pickup place (the API requires its location).
    has_pickup = pickup_lat is not None
    pickup_windows = _windows_cells(
        pickup_time_windows if has_pickup else [],
        count=pickup_window_count,
        on=delivery_date,
        tz=tz,
    )
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
        _text_cell(pickup_address),
        "" if pickup_lat is None else repr(pickup_lat),
        "" if pickup_lng is None else repr(pickup_lng),
        *pickup_windows,
        pickup_service_seconds if has_pickup else "",
        order_id,
        order_status,
        location_status,
        driver_id or "",
        route_id or "",
        "" if sequence is None else sequence,
        eta.astimezone(tz).isoformat() if eta else "",
    ]


def _most_windows(orders: QuerySet[Order], field: str) -> int:
    most = orders.order_by().aggregate(
        most=Max(Func(field, function="jsonb_array_length", output_field=IntegerField()))
    )["most"]
    return most or 0


def export_window_count(orders: QuerySet[Order]) -> int:
    """At least two window columns; more when some order has more windows."""
    return max(2, _most_windows(orders, "time_windows"))


def export_pickup_window_count(orders: QuerySet[Order]) -> int:
    """One pickup window column pair; more when some order's pickup has more windows."""
    return max(1, _most_windows(orders, "pickup_time_windows"))


def orders_export_csv(orders: QuerySet[Order], *, tz: ZoneInfo) -> Iterator[bytes]:
    """The orders as CSV, produced in chunks: a big export never sits in memory whole."""
    window_count = export_window_count(orders)
    pickup_window_count = export_pickup_window_count(orders)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(export_header(window_count, pickup_window_count))
    rows = orders.values_list(*EXPORT_FIELDS).iterator(chunk_size=2000)
    for count, values in enumerate(rows, start=1):
        writer.writerow(
            export_row(
                values, window_count=window_count, tz=tz, pickup_window_count=pickup_window_count
            )
        )
        if count % EXPORT_CHUNK_ROWS == 0:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()
