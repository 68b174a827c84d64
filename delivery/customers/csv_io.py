"""Customers in and out as CSV. On import, a row that has the external id, a phone number or
the e-mail address of a known customer (or of an earlier row) is that customer: it is merged,
not duplicated, and the answer says which rows matched whom and on what."""

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.db import transaction

from delivery.customers.models import Customer, CustomerPlace
from delivery.customers.selectors import customer_matching
from delivery.customers.services import customer_create
from delivery.customers.validation import (
    CustomerInput,
    customer_input_parse,
    weekdays_parse,
)
from delivery.imports.columns import column_normalise, file_error, too_large
from delivery.imports.csv_read import csv_delimiter, csv_text
from delivery.validation import FieldErrors

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 20000
COLUMNS = (
    "external_id",
    "name",
    "phones",
    "email",
    "language",
    "tags",
    "notify_sms",
    "notify_email",
    "notes",
    "place_label",
    "address",
    "lat",
    "lng",
    "instructions",
    "access_notes",
    "window_start",
    "window_end",
    "weekdays",
)
ALIASES = {"phone": "phones", "place": "place_label", "id": "id"}
TRUE, FALSE = {"1", "true", "yes", "y"}, {"0", "false", "no", "n"}


@dataclass
class CustomerImportResult:
    created: int = 0
    merged: int = 0
    failed: int = 0
    # {"row", "customer", "matched_on"}: rows that were found to be a known customer.
    duplicates: list[dict] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _flag(value: str, name: str) -> bool:
    lowered = value.strip().lower()
    if lowered in TRUE or lowered == "":
        return True
    if lowered in FALSE:
        return False
    raise FieldErrors({name: ["Use yes or no."]})


def _raw(cells: dict[str, str]) -> dict:
    """A row in the API's input shape."""
    place: dict = {"address": cells.get("address", "")}
    for name in ("instructions", "access_notes"):
        if cells.get(name):
            place[name] = cells[name]
    if cells.get("place_label"):
        place["label"] = cells["place_label"]
    if cells.get("lat") or cells.get("lng"):
        place["location"] = {
            "lat": cells.get("lat", "").replace(",", "."),
            "lng": cells.get("lng", "").replace(",", "."),
        }
    if cells.get("window_start") or cells.get("window_end"):
        place["time_windows"] = [
            {"start": cells.get("window_start", ""), "end": cells.get("window_end", "")}
        ]
    if cells.get("weekdays"):
        place["weekdays"] = cells["weekdays"]
    raw: dict = {
        "name": cells.get("name", ""),
        "external_id": cells.get("external_id") or None,
        "phones": cells.get("phones", ""),
        "email": cells.get("email", ""),
        "language": cells.get("language", ""),
        "tags": cells.get("tags", "").replace(";", ","),
        "notes": cells.get("notes", ""),
        "notifications": {
            "sms": _flag(cells.get("notify_sms", ""), "notify_sms"),
            "email": _flag(cells.get("notify_email", ""), "notify_email"),
        },
    }
    if place["address"]:
        raw["places"] = [place]
    return raw


def _rows(content: bytes, warnings: list[str]) -> Iterator[tuple[int, dict[str, str]]]:
    if len(content) > MAX_BYTES:
        raise too_large(f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB.")
    text = csv_text(content)
    reader = csv.reader(io.StringIO(text), delimiter=csv_delimiter(text))
    header = next((row for row in reader if any(cell.strip() for cell in row)), None)
    if header is None:
        raise file_error("The file is empty.")
    names = []
    for cell in header:
        name = column_normalise(cell).replace(" ", "_")
        name = ALIASES.get(name, name)
        if name not in COLUMNS:
            if name != "id":
                warnings.append(f"Unknown column {cell.strip()!r} ignored.")
            name = ""
        names.append(name)
    if "name" not in names:
        raise file_error("The file needs a name column.")
    for number, row in enumerate(reader, start=1):
        if number > MAX_ROWS:
            raise too_large(f"The file has more than {MAX_ROWS} rows.")
        if not any(cell.strip() for cell in row):
            continue
        cells = {
            name: cell.strip().lstrip("'") for name, cell in zip(names, row, strict=False) if name
        }
        yield number, cells


def _merge(customer: Customer, data: CustomerInput) -> None:
    """A known customer gets what the row adds: phones, e-mail, tags, a new place."""
    changed = []
    phones = customer.phones + [phone for phone in data.phones if phone not in customer.phones]
    if phones != customer.phones:
        customer.phones = phones[:5]
        changed.append("phones")
    for name in ("email", "language", "external_id", "notes"):
        if not getattr(customer, name) and getattr(data, name):
            setattr(customer, name, getattr(data, name))
            changed.append(name)
    tags = sorted(set(customer.tags) | set(data.tags))
    if tags != customer.tags:
        customer.tags = tags
        changed.append("tags")
    if changed:
        customer.save(update_fields=[*changed, "updated_at"])
    known = {place.address.strip().lower() for place in customer.places.all()}
    for place in data.places or []:
        if place.address.strip().lower() not in known:
            CustomerPlace.objects.create(
                customer=customer,
                label=place.label,
                address=place.address,
                lat=place.location[0] if place.location else None,
                lng=place.location[1] if place.location else None,
                instructions=place.instructions,
                access_notes=place.access_notes,
                time_windows=place.time_windows,
                weekdays=place.weekdays,
                position=len(known),
            )
            known.add(place.address.strip().lower())


def customers_import_csv(*, content: bytes, phone_region: str | None) -> CustomerImportResult:
    """Import customers: good rows are written (one transaction), bad rows reported."""
    result = CustomerImportResult()
    with transaction.atomic():
        for number, cells in _rows(content, result.warnings):
            try:
                data = customer_input_parse(_raw(cells), phone_region=phone_region)
            except FieldErrors as errors:
                result.failed += 1
                for name, messages in errors.fields.items():
                    for message in messages:
                        result.errors.append({"row": number, "field": name, "message": message})
                continue
            customer, matched_on = customer_matching(
                external_id=data.external_id, phones=data.phones, email=data.email
            )
            if customer is None:
                customer_create(data=data)
                result.created += 1
                continue
            _merge(customer, data)
            result.merged += 1
            result.duplicates.append(
                {"row": number, "customer": str(customer.pk), "matched_on": matched_on}
            )
    return result


def customer_csv_row(customer: Customer, place: CustomerPlace | None) -> list[str]:
    window = (place.time_windows or [{}])[0] if place else {}
    return [
        customer.external_id or "",
        customer.name,
        "; ".join(customer.phones),
        customer.email,
        customer.language,
        "; ".join(customer.tags),
        "yes" if customer.notify_sms else "no",
        "yes" if customer.notify_email else "no",
        customer.notes,
        place.label if place else "",
        place.address if place else "",
        "" if not place or place.lat is None else repr(place.lat),
        "" if not place or place.lng is None else repr(place.lng),
        place.instructions if place else "",
        place.access_notes if place else "",
        window.get("start", ""),
        window.get("end", ""),
        ",".join(place.weekdays) if place else "",
    ]


def customers_export_csv(customers: Iterable[Customer]) -> Iterator[str]:
    """One line per place (a customer without places gets one line); re-imports as is: the
    rows of one customer share its phones and e-mail, so they merge back into one."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush() -> str:
        value = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return value

    writer.writerow(["id", *COLUMNS])
    yield flush()
    for customer in customers:
        places = list(customer.places.all()) or [None]
        for place in places:
            writer.writerow([str(customer.pk), *customer_csv_row(customer, place)])
        yield flush()


__all__ = ["customers_export_csv", "customers_import_csv", "weekdays_parse"]
