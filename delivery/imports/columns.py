"""What the columns of an orders CSV mean: our own column names, the Shopify orders export's,
and the columns that are known but ignored. `layout_read` maps a header row to them."""

import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from tenants.errors import ApplicationError

MAX_WINDOWS = 10

SHOPIFY_ADDRESS_PARTS = (
    "shipping_address1",
    "shipping_address2",
    "shipping_city",
    "shipping_zip",
    "shipping_province",
    "shipping_country",
)


def window_key(number: int, end: str) -> str:
    return f"window_{end}" if number == 1 else f"window{number}_{end}"


def pickup_window_key(number: int, end: str) -> str:
    return f"pickup_{window_key(number, end)}"


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
        (f"window{number} {end}", window_key(number, end))
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
    *(
        (f"pickup window{number} {end}", pickup_window_key(number, end))
        for number in range(2, MAX_WINDOWS + 1)
        for end in ("start", "end")
    ),
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

# Cells that a spreadsheet would run as a formula are written with a leading ' on export
# (OWASP "CSV Injection"): a formula start, a DDE-style `|`/`;` start, leading blanks before
# one, or a formula start right after a separator some spreadsheet splits a cell on.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", ";", "|")
_FORMULA_AFTER_SEPARATOR = re.compile(r"[,;|\t\r\n]\s*[\"']?[=+\-@]")


def cell_is_formula(value: str) -> bool:
    """Whether a spreadsheet might run (part of) this text as a formula."""
    return value.lstrip(" ").startswith(FORMULA_STARTS) or bool(
        _FORMULA_AFTER_SEPARATOR.search(value)
    )


def column_normalise(name: str) -> str:
    """ "Shipping  Address1 ", "external_id" and "External-ID" → "shipping address1", … ."""
    return " ".join(name.replace("_", " ").replace("-", " ").split()).lower()


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
        message = ngettext(
            "%(count)s column without a name ignored.",
            "%(count)s columns without a name ignored.",
            unnamed,
        ) % {"count": unnamed}
        warnings.append({"column": "", "message": message})
    for index, name in enumerate(normalised):
        if not name:
            continue
        if name in ALIAS_KEYS:
            if name in seen:
                raise file_error(
                    _("The column %(column)s appears twice.") % {"column": repr(header[index])}
                )
            seen[name] = index
            columns.setdefault(ALIAS_KEYS[name], []).append(index)
        elif name not in EXPORT_ONLY_COLUMNS and name not in SHOPIFY_IGNORED_COLUMNS:
            warnings.append(
                {"column": header[index], "message": _("Unknown column; it is ignored.")}
            )
    for indexes in columns.values():
        indexes.sort(key=lambda index: ALIAS_PRIORITY[normalised[index]])
    missing = []
    if "recipient_name" not in columns:
        missing.append("recipient_name")
    if "address" not in columns and not any(part in columns for part in SHOPIFY_ADDRESS_PARTS):
        missing.append("address")
    if not columns:
        raise file_error(
            _(
                "No known column in the first line: is this a CSV of orders with a header row? "
                "See the documented import columns."
            )
        )
    if missing:
        raise file_error(_("Missing column(s): %(columns)s.") % {"columns": ", ".join(missing)})
    if "delivery_date" not in columns and not has_default_date:
        raise file_error(NO_DATE_MESSAGE)
    shopify = bool(SHOPIFY_MARKERS & set(normalised))
    return Layout(header=header, columns=columns, shopify=shopify, warnings=warnings)


# The API's words (kept English: the import page recognises it and says it on its own date
# field).
NO_DATE_MESSAGE = "No delivery_date column: add one, or give ?date=YYYY-MM-DD for every row."


def file_error(message: str) -> ApplicationError:
    return ApplicationError("validation_error", message, fields={"file": [message]})


def too_large(message: str) -> ApplicationError:
    return ApplicationError("payload_too_large", message)
