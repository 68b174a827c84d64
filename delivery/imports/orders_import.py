"""Creating orders in bulk: the CSV import (all or nothing, or with `partial` the good rows, and
a report of every bad cell) and the JSON batch. Every order is validated by
`validation.order_input_parse`, exactly as the API validates one, and written through
`services.orders_create_many`."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from delivery import validation
from delivery.imports.csv_read import sheet_read
from delivery.imports.drafts import draft_problems, order_draft, problem
from delivery.models import LocationStatus, Order
from delivery.services import orders_create_many, orders_existing_external_ids
from tenants.actors import Actor
from tenants.errors import ApplicationError

MAX_BULK_ORDERS = 1000


class ImportRejected(ApplicationError):
    """Some rows are bad and the caller wanted all or nothing: nothing was written."""

    def __init__(self, *, rows: list[dict], warnings: list[dict]) -> None:
        bad_rows = len({item["row"] for item in rows})
        message = ngettext(
            "%(count)s row of the file has errors; nothing was imported. Fix it, "
            "or send ?partial=true to import the other rows.",
            "%(count)s rows of the file have errors; nothing was imported. Fix them, "
            "or send ?partial=true to import the other rows.",
            bad_rows,
        ) % {"count": bad_rows}
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
    # Rows imported without coordinates: {row, line, column, message}, as errors are.
    unlocated: list[dict] = field(default_factory=list)


def _unlocated(orders: list[Order], drafts: list) -> list[dict]:
    """The imported rows that have no location yet, and what happens to them."""
    found = []
    for order, draft in zip(orders, drafts, strict=True):
        if order.location_status == LocationStatus.PENDING:
            what = _("no coordinates; the address is being looked up")
        elif order.location_status == LocationStatus.NEEDS_LOCATION:
            what = _("no coordinates and no address lookup; place it on the map")
        else:
            continue
        found.append(
            problem(
                draft.row,
                draft.line,
                None,
                _("Row %(row)s (%(name)s, %(address)s): %(what)s.")
                % {
                    "row": draft.row,
                    "name": order.recipient_name,
                    "address": order.address,
                    "what": what,
                },
            )
        )
    return found


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
                _("Duplicate external_id %(external_id)s: also on %(other)s.")
                % {"external_id": repr(external_id), "other": label(first_seen[external_id])}
            )
        else:
            first_seen[external_id] = position
    for external_id in sorted(orders_existing_external_ids(first_seen)):
        found.setdefault(first_seen[external_id], []).append(
            _("An order with external_id %(external_id)s already exists.")
            % {"external_id": repr(external_id)}
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
    good = [
        (data, draft)
        for data, draft in zip(inputs, drafts, strict=True)
        if data and not draft.problems
    ]
    created = (
        orders_create_many(inputs=[data for data, _ in good], actor=actor, source="import")
        if good
        else []
    )
    return ImportResult(
        created=created,
        failed=len(drafts) - len(good),
        errors=errors,
        warnings=layout.warnings,
        unlocated=_unlocated(created, [draft for _, draft in good]),
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
