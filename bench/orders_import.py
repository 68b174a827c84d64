"""CSV import speed: 10,000 orders through `POST /api/v1/orders/import` vs. a bare bulk_create.

Our path is the whole request as a client sees it (multipart upload, authentication, rate limit,
CSV reading, `order_input_parse` on every row, one duplicate query, the orders and their
"created" audit events). The baseline is `Order.objects.bulk_create` of the same orders, already
built as model objects: the least any import of these rows must cost. The goal is 3× baseline.
A breakdown of our path, timed function by function, shows where the time goes.
"""

import csv
import io
import time
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test import Client
from django_tenants.utils import schema_context

from bench.report import summary, write
from delivery import imports, validation
from delivery.models import Order, OrderEvent
from delivery.services import orders_create_many, orders_existing_external_ids
from delivery.services.orders import _order_from_input
from tenants.actors import system_actor
from tenants.services import tenant_create, tenant_delete

ROWS = 10_000
ROUNDS = 3
GOAL = 3.0
HEADER = [
    "external_id",
    "recipient_name",
    "phone",
    "email",
    "address",
    "lat",
    "lng",
    "delivery_date",
    "window_start",
    "window_end",
    "service_minutes",
    "weight_kg",
    "items",
    "skills",
    "priority",
    "notes",
]


def orders_csv(rows: int) -> bytes:
    """A realistic file: every phone, e-mail, address and external id distinct."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    day = date(2026, 11, 27)
    for number in range(rows):
        start = 8 + number % 8
        writer.writerow(
            [
                f"SHOP-{number:06d}",
                f"Recipient {number}",
                f"+31 6 {10_000_000 + number}",
                f"recipient{number}@example.test",
                f"Keizersgracht {number % 900 + 1}, {1000 + number % 99} AB Amsterdam",
                f"{52.30 + (number % 1000) / 10_000:.5f}",
                f"{4.80 + (number % 997) / 10_000:.5f}",
                (day + timedelta(days=number % 3)).isoformat(),
                f"{start:02d}:00",
                f"{start + 2:02d}:00",
                str(3 + number % 5),
                f"{1 + number % 7}.5",
                str(1 + number % 4),
                "fridge" if number % 10 == 0 else "",
                str(number % 50),
                "Leave at the back door" if number % 3 == 0 else "",
            ]
        )
    return buffer.getvalue().encode()


def _clear() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {Order._meta.db_table}, {OrderEvent._meta.db_table} CASCADE")


def _import_once(client: Client, content: bytes) -> float:
    upload = SimpleUploadedFile("orders.csv", content, content_type="text/csv")
    started = time.perf_counter()
    response = client.post("/api/v1/orders/import", {"file": upload})
    elapsed = time.perf_counter() - started
    assert response.status_code == 201, response.content[:500]
    assert response.json()["created"] == ROWS
    return elapsed


def _bulk_create_once(inputs: list[validation.OrderInput]) -> float:
    orders = [_order_from_input(data, source="import") for data in inputs]
    started = time.perf_counter()
    with transaction.atomic():
        Order.objects.bulk_create(orders, batch_size=2000)
    return time.perf_counter() - started


def _breakdown(content: bytes, tz: ZoneInfo) -> dict[str, float]:
    """Our path's steps, called directly (no HTTP), one round."""
    timings = {}
    started = time.perf_counter()
    sheet = imports.sheet_read(content, has_default_date=False)
    drafts = [imports.order_draft(sheet.layout, order, default_date=None) for order in sheet.orders]
    timings["read and map the CSV"] = time.perf_counter() - started
    started = time.perf_counter()
    inputs = [validation.order_input_parse(d.raw, tz=tz, phone_region=None) for d in drafts]
    timings["validate every row (order_input_parse)"] = time.perf_counter() - started
    started = time.perf_counter()
    orders_existing_external_ids(data.external_id for data in inputs)
    timings["duplicate check (one query)"] = time.perf_counter() - started
    started = time.perf_counter()
    orders_create_many(inputs=inputs, actor=system_actor("bench"), source="import")
    timings["orders_create_many (orders + events)"] = time.perf_counter() - started
    return timings


def run():
    provisioned = tenant_create(
        slug="bench-import",
        name="Bench import",
        owner_email="owner@bench-import.test",
        owner_password="a-long-bench-password",
        time_zone="Europe/Amsterdam",
        with_api_key=True,
    )
    try:
        content = orders_csv(ROWS)
        client = Client(
            HTTP_HOST=provisioned.domain.domain, HTTP_AUTHORIZATION=f"Bearer {provisioned.api_key}"
        )
        tz = ZoneInfo("Europe/Amsterdam")
        with schema_context(provisioned.tenant.schema_name):
            sheet = imports.sheet_read(content, has_default_date=False)
            inputs = [
                validation.order_input_parse(
                    imports.order_draft(sheet.layout, order, default_date=None).raw,
                    tz=tz,
                    phone_region=None,
                )
                for order in sheet.orders
            ]
            ours, baseline = [], []
            for _ in range(ROUNDS):
                _clear()
                baseline.append(_bulk_create_once(inputs))
                _clear()
                connection.set_schema_to_public()  # as a fresh request finds it
                ours.append(_import_once(client, content))
                connection.set_tenant(provisioned.tenant)
            _clear()
            steps = _breakdown(content, tz)
            _clear()
    finally:
        tenant_delete(tenant=provisioned.tenant)

    ours_stats, baseline_stats = summary(ours), summary(baseline)
    ratio = ours_stats["median"] / baseline_stats["median"]
    rows = "\n".join(
        f"| {label} | {stats['median']:.2f} | {stats['min']:.2f} | {stats['max']:.2f} |"
        for label, stats in (
            ("`POST /api/v1/orders/import`, whole request (our path)", ours_stats),
            ("baseline: `Order.objects.bulk_create` of the same orders", baseline_stats),
        )
    )
    step_rows = "\n".join(f"| {label} | {seconds:.2f} |" for label, seconds in steps.items())
    body = (
        f"{ROWS:,} orders ({len(content) / 1024 / 1024:.1f} MB of CSV), {ROUNDS} rounds each, "
        "seconds.\n\n"
        "| path | median | min | max |\n|---|---|---|---|\n"
        f"{rows}\n\n"
        f"**Ratio (median, import / bulk_create): {ratio:.2f}** (goal: at most {GOAL:.0f}; "
        f"{'met' if ratio <= GOAL else 'NOT met'}).\n\n"
        "Where our path spends its time (one round, functions called directly):\n\n"
        "| step | seconds |\n|---|---|\n"
        f"{step_rows}\n"
    )
    return write("orders_import", "Importing 10,000 orders from CSV", body)
