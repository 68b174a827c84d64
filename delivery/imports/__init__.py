"""Orders in bulk, by topic: `csv_read` (the file), `columns` (what its columns mean),
`drafts` (a row as the API's input, errors back on their cells), `orders_import` (the CSV
import and the JSON batch) and `export` (the CSV export). The public names are re-exported
here so callers import them from `delivery.imports`."""

from delivery.imports.columns import NO_DATE_MESSAGE, Layout, column_normalise, layout_read
from delivery.imports.csv_read import (
    MAX_IMPORT_BYTES,
    MAX_IMPORT_ROWS,
    Sheet,
    SheetOrder,
    SheetRow,
    csv_delimiter,
    csv_text,
    sheet_read,
)
from delivery.imports.drafts import OrderDraft, draft_problems, order_draft
from delivery.imports.export import (
    export_header,
    export_row,
    export_window_count,
    orders_export_csv,
)
from delivery.imports.orders_import import (
    MAX_BULK_ORDERS,
    ImportRejected,
    ImportResult,
    orders_bulk_create,
    orders_import_csv,
)

__all__ = [
    "MAX_BULK_ORDERS",
    "MAX_IMPORT_BYTES",
    "MAX_IMPORT_ROWS",
    "NO_DATE_MESSAGE",
    "ImportRejected",
    "ImportResult",
    "Layout",
    "OrderDraft",
    "Sheet",
    "SheetOrder",
    "SheetRow",
    "column_normalise",
    "csv_delimiter",
    "csv_text",
    "draft_problems",
    "export_header",
    "export_row",
    "export_window_count",
    "layout_read",
    "order_draft",
    "orders_bulk_create",
    "orders_export_csv",
    "orders_import_csv",
    "sheet_read",
]
