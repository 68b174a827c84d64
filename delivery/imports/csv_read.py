"""Reading an uploaded CSV file: size limits, text encoding, delimiter, and the rows of each
order (Shopify's line items grouped by the order's name)."""

import csv
import io
from dataclasses import dataclass

from django.utils.translation import gettext as _

from delivery.imports.columns import Layout, file_error, layout_read, too_large

MAX_IMPORT_BYTES = 10 * 1024 * 1024

MAX_IMPORT_ROWS = 20_000


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
        raise file_error(_("The file is empty."))
    if b"\x00" in content:
        raise file_error(_("This is not a CSV file: it contains binary data."))
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise file_error(
            _("The file is not UTF-8 text (byte %(byte)s): save it as “CSV UTF-8”.")
            % {"byte": error.start + 1}
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
        raise too_large(
            _("The file is larger than %(size)s MB.") % {"size": MAX_IMPORT_BYTES // (1024 * 1024)}
        )
    text = csv_text(content)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=csv_delimiter(text))
    try:
        header = next(reader, None)
        while header is not None and not any(cell.strip() for cell in header):
            header = next(reader, None)  # blank lines before the header
        if header is None:
            raise file_error(_("The file is empty."))
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
                raise too_large(
                    _("At most %(count)s rows per file; split it.") % {"count": MAX_IMPORT_ROWS}
                )
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
        message = _("Line %(line)s: not valid CSV (%(error)s).") % {
            "line": reader.line_num,
            "error": error,
        }
        raise file_error(message) from None
    if not orders:
        raise file_error(_("The file has a header but no orders."))
    return Sheet(layout=layout, orders=orders)
