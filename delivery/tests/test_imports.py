"""Orders in bulk: POST orders/bulk, POST orders/import (CSV, Shopify's export) and GET
orders/export, against the real database of businesses A and B."""

import csv
import io
import json
from datetime import date
from decimal import Decimal

import pytest
from asgiref.sync import async_to_sync
from django.core.files.uploadedfile import SimpleUploadedFile

from delivery.models import LocationStatus, Order, OrderEvent, OrderStatus
from delivery.services import order_transition, orders_create_many
from delivery.tests.factories import TEST_ACTOR, make_driver, make_order
from delivery.validation import OrderInput
from tenants.accounts.models import Role
from tenants.api.errors import status_for
from tenants.errors import ApplicationError

BULK = "/api/v1/orders/bulk"
IMPORT = "/api/v1/orders/import"
EXPORT = "/api/v1/orders/export"
HEADER = (
    "external_id,recipient_name,phone,email,address,lat,lng,delivery_date,window_start,"
    "window_end,service_minutes,weight_kg,volume_l,items,skills,priority,notes"
)

# What an imported row without coordinates says (no geocoder in the tests).
UNLOCATED = "no coordinates and no address lookup; place it on the map."


def order_body(number: int, **changes) -> dict:
    body = {
        "external_id": f"B-{number}",
        "recipient": {"name": f"Recipient {number}", "phone": "+31612345678"},
        "address": f"Keizersgracht {number}, Amsterdam",
        "location": {"lat": 52.37, "lng": 4.89},
        "delivery_date": "2026-11-27",
    }
    return {**body, **changes}


def post_json(client, path, body, **headers):
    return client.post(path, data=json.dumps(body), content_type="application/json", **headers)


def upload(client, content, query: str = "", name: str = "orders.csv"):
    data = content.encode() if isinstance(content, str) else content
    file = SimpleUploadedFile(name, data, content_type="text/csv")
    return client.post(f"{IMPORT}{query}", {"file": file})


def order_count(world) -> int:
    with world.use():
        return Order.objects.count()


def csv_line(number: int, **changes) -> str:
    cells = {
        "external_id": f"C-{number}",
        "recipient_name": f"Recipient {number}",
        "phone": f"+3161{number:07d}",
        "email": f"r{number}@example.test",
        "address": f"Herengracht {number}, Amsterdam",
        "lat": "52.37",
        "lng": "4.89",
        "delivery_date": "2026-11-27",
        "window_start": "09:00",
        "window_end": "12:00",
        "service_minutes": "5",
        "weight_kg": "1.5",
        "volume_l": "",
        "items": "2",
        "skills": "",
        "priority": "",
        "notes": "",
    }
    cells.update(changes)
    line = io.StringIO()
    csv.writer(line).writerow(cells[name] for name in HEADER.split(","))
    return line.getvalue().removesuffix("\r\n")


def rows_of(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(text, newline="")))


# --- POST orders/bulk ---------------------------------------------------------------------------


def test_bulk_creates_every_order_with_its_created_event(tenant_a):
    # given three valid orders
    body = {"orders": [order_body(1), order_body(2), order_body(3, external_id=None)]}

    # when they are sent in one request
    response = post_json(tenant_a.api(), BULK, body)

    # then all three exist, in the order sent, each with its "created" audit event
    assert response.status_code == 201, response.content
    answer = response.json()
    assert answer["created"] == 3
    assert [order["external_id"] for order in answer["results"]] == ["B-1", "B-2", None]
    assert answer["results"][0]["recipient"] == {
        "name": "Recipient 1",
        "phone": "+31612345678",
        "email": "",
        "language": "",
    }
    assert answer["results"][0]["status"] == "unassigned"
    with tenant_a.use():
        orders = Order.objects.filter(pk__in=[order["id"] for order in answer["results"]])
        assert {order.source for order in orders} == {"bulk"}
        events = OrderEvent.objects.filter(order__in=orders).order_by("id")
        assert [(event.kind, event.to_status, event.actor_kind) for event in events] == [
            ("created", "unassigned", "api_key")
        ] * 3
        assert [str(event.order_id) for event in events] == [
            order["id"] for order in answer["results"]
        ]
        assert events[0].actor_label.startswith("API key Admin key (")


def test_bulk_with_bad_rows_writes_nothing_and_reports_every_row(tenant_a):
    # given a batch whose second and fourth orders are bad
    before = order_count(tenant_a)
    body = {
        "orders": [
            order_body(1),
            order_body(2, recipient={"name": "Bo", "phone": "12"}),
            order_body(3),
            order_body(4, recipient={"name": ""}, delivery_date="27-11-2026", priority=101),
        ]
    }

    # when it is sent
    response = post_json(tenant_a.api(), BULK, body)

    # then nothing is created and each bad field is reported by its row index
    assert response.status_code == 400
    assert response.json() == {
        "error": {
            "code": "validation_error",
            "message": "2 of 4 orders have errors; nothing was created.",
            "fields": {
                "orders.1.recipient.phone": [
                    "Not a phone number. Write it with its country code, e.g. +31 6 12345678."
                ],
                "orders.3.delivery_date": ["Not a date: '27-11-2026'; use YYYY-MM-DD."],
                "orders.3.recipient.name": ["This field is required."],
                "orders.3.priority": ["Must be between 0 and 100."],
            },
        }
    }
    assert order_count(tenant_a) == before


def test_bulk_reports_external_ids_repeated_in_the_batch_or_already_taken(tenant_a):
    # given an order B-1 that exists already
    with tenant_a.use():
        make_order(external_id="B-1")
    before = order_count(tenant_a)

    # when a batch repeats B-1 and uses B-2 twice
    body = {"orders": [order_body(1), order_body(2), order_body(3), order_body(2)]}
    response = post_json(tenant_a.api(), BULK, body)

    # then both problems are reported on the rows concerned, and nothing is created
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "orders.0.external_id": ["An order with external_id 'B-1' already exists."],
        "orders.3.external_id": ["Duplicate external_id 'B-2': also on orders.1."],
    }
    assert order_count(tenant_a) == before


def test_bulk_refuses_more_than_1000_orders_with_413(tenant_a):
    body = {"orders": [order_body(number) for number in range(1001)]}

    response = post_json(tenant_a.api(), BULK, body)

    assert response.status_code == 413
    message = "At most 1000 orders per request, got 1001: split the batch."
    assert response.json() == {
        "error": {"code": "payload_too_large", "message": message, "fields": {"orders": [message]}}
    }
    assert order_count(tenant_a) == 0


def test_bulk_refuses_a_body_that_is_not_a_batch(tenant_a):
    for body, fields in (
        ([order_body(1)], {"orders": ['Send {"orders": [<order>, …]}.']}),
        ({"orders": []}, {"orders": ["Must be a list of 1 to 1000 orders."]}),
        ({"orders": [order_body(1)], "dry_run": True}, {"dry_run": ["Unknown field."]}),
    ):
        response = post_json(tenant_a.api(), BULK, body)

        assert response.status_code == 400
        assert response.json()["error"]["fields"] == fields
    assert order_count(tenant_a) == 0


def test_bulk_is_for_operations_roles_only(tenant_a):
    # given a driver's session and a dispatcher's API key
    body = {"orders": [order_body(1)]}

    # when the driver sends a batch, then it is forbidden and nothing is created
    response = post_json(tenant_a.browser(Role.DRIVER), BULK, body)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert order_count(tenant_a) == 0

    # when the dispatcher's key sends it, then it is created
    response = post_json(tenant_a.api(key=tenant_a.dispatcher_key), BULK, body)
    assert response.status_code == 201
    assert order_count(tenant_a) == 1


def test_bulk_with_an_idempotency_key_creates_once_and_replays(tenant_a):
    body = {"orders": [order_body(1), order_body(2)]}
    client = tenant_a.api()

    first = post_json(client, BULK, body, HTTP_IDEMPOTENCY_KEY="batch-42")
    again = post_json(client, BULK, body, HTTP_IDEMPOTENCY_KEY="batch-42")

    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert order_count(tenant_a) == 2


def test_bulk_from_the_dashboard_records_the_signed_in_user(tenant_a):
    response = post_json(tenant_a.browser(Role.DISPATCHER), BULK, {"orders": [order_body(1)]})

    assert response.status_code == 201
    with tenant_a.use():
        event = OrderEvent.objects.get(order_id=response.json()["results"][0]["id"])
    assert (event.kind, event.actor_kind, event.actor_label) == (
        "created",
        "user",
        "dispatcher@alpha.test",
    )
    assert event.actor_user_id == tenant_a.users[Role.DISPATCHER].pk


def test_orders_created_meanwhile_by_another_request_answer_409_and_write_nothing(tenant_a):
    # given an external id taken after the caller's duplicate check
    values = {"recipient_name": "Bo", "address": "Damrak 1", "delivery_date": date(2026, 11, 27)}
    with tenant_a.use():
        make_order(external_id="RACE-1")
        inputs = [
            OrderInput(external_id="NEW-1", **values),
            OrderInput(external_id="RACE-1", **values),
        ]

        # when both are created
        with pytest.raises(ApplicationError) as raised:
            orders_create_many(inputs=inputs, actor=TEST_ACTOR, source="bulk")

        # then it is a conflict, and neither the orders nor their events were written
        assert (status_for(raised.value.code), raised.value.code) == (409, "conflict")
        assert list(Order.objects.values_list("external_id", flat=True)) == ["RACE-1"]
        assert OrderEvent.objects.count() == 1


def test_orders_created_many_at_once_are_ordinary_saved_objects(tenant_a):
    values = {"recipient_name": "Bo", "address": "Damrak 1", "delivery_date": date(2026, 11, 27)}
    with tenant_a.use():
        orders = orders_create_many(
            inputs=[OrderInput(**values, skills=["fridge"]), OrderInput(**values)],
            actor=TEST_ACTOR,
            source="bulk",
        )
        orders[0].notes = "Changed"
        orders[0].save(update_fields=["notes"])

        stored = Order.objects.get(pk=orders[0].pk)
        assert (stored.notes, stored.skills, stored.created_at) == (
            "Changed",
            ["fridge"],
            orders[0].created_at,
        )
        assert Order.objects.count() == 2


# --- POST orders/import -------------------------------------------------------------------------


def test_import_creates_orders_from_our_columns(tenant_a):
    # given a CSV in our columns, one row with every field and one with the bare minimum
    content = "\n".join(
        [
            HEADER + ",window2_start,window2_end",
            csv_line(
                1,
                skills="Fridge; fragile",
                priority="7",
                notes="Ring twice, then wait",
                volume_l="20",
            )
            + ",14:00,2026-11-27T16:30:00+01:00",
            "C-2,Bo,,,Damrak 1,,,2026-11-28,,,,,,,,,,,",
        ]
    )

    # when it is imported
    response = upload(tenant_a.api(), content)

    # then both orders exist with every value converted to the API's shape
    assert response.status_code == 201, response.content
    assert response.json() == {
        "created": 2,
        "failed": 0,
        "errors": [],
        "warnings": [],
        # rows without coordinates are imported, and said
        "location_warnings": [
            {
                "row": 2,
                "line": 3,
                "column": None,
                "message": f"Row 2 (Bo, Damrak 1): {UNLOCATED}",
            },
        ],
    }
    with tenant_a.use():
        first = Order.objects.get(external_id="C-1")
        second = Order.objects.get(external_id="C-2")
    assert (first.recipient_name, first.recipient_phone, first.recipient_email) == (
        "Recipient 1",
        "+31610000001",
        "r1@example.test",
    )
    assert (first.address, first.lat, first.lng) == ("Herengracht 1, Amsterdam", 52.37, 4.89)
    assert first.location_status == LocationStatus.PROVIDED
    assert first.delivery_date == date(2026, 11, 27)
    assert first.time_windows == [
        {"start": "2026-11-27T09:00:00+01:00", "end": "2026-11-27T12:00:00+01:00"},
        {"start": "2026-11-27T14:00:00+01:00", "end": "2026-11-27T16:30:00+01:00"},
    ]
    assert first.service_seconds == 300
    assert (first.weight_kg, first.volume_l, first.items) == (Decimal("1.5"), Decimal(20), 2)
    assert first.skills == ["fragile", "fridge"]
    assert (first.priority, first.notes, first.source) == (7, "Ring twice, then wait", "import")
    assert (second.recipient_name, second.address, second.delivery_date) == (
        "Bo",
        "Damrak 1",
        date(2026, 11, 28),
    )
    assert (second.time_windows, second.service_seconds, second.lat) == ([], 300, None)
    assert second.location_status == LocationStatus.NEEDS_LOCATION
    with tenant_a.use():
        assert OrderEvent.objects.filter(order__in=[first, second], kind="created").count() == 2


def test_import_reads_a_shopify_orders_export_and_groups_its_line_items(tenant_a):
    # given Shopify's export: order #1001 over two rows (one per line item), #1002 on one row,
    # plus Shopify columns we do not need
    content = (
        "Name,Email,Financial Status,Lineitem quantity,Lineitem name,Shipping Name,"
        "Shipping Address1,Shipping Address2,Shipping City,Shipping Zip,Shipping Province,"
        "Shipping Country,Shipping Phone,Notes,Phone\n"
        "#1001,ada@example.test,paid,2,Sourdough,Ada Lovelace,Prinsengracht 263,2nd floor,"
        "Amsterdam,1016 GV,NH,NL,'+31 6 12345678,Leave at the door,\n"
        "#1001,,,3,Croissant,,,,,,,,,,\n"
        "#1002,bo@example.test,paid,1,Rye,Bo Visser,Damrak 1,,Amsterdam,1012 LG,,NL,,,"
        "+31 20 123 4567\n"
    )

    # when it is imported with a delivery date for every row
    response = upload(tenant_a.api(), content, "?date=2026-11-27")

    # then there is one order per Shopify order, line item quantities summed
    assert response.status_code == 201, response.content
    assert response.json() == {
        "created": 2,
        "failed": 0,
        "errors": [],
        "warnings": [],
        # rows without coordinates are imported, and said
        "location_warnings": [
            {
                "row": 1,
                "line": 2,
                "column": None,
                "message": "Row 1 (Ada Lovelace, Prinsengracht 263, 2nd floor, Amsterdam, "
                f"1016 GV, NH, NL): {UNLOCATED}",
            },
            {
                "row": 3,
                "line": 4,
                "column": None,
                "message": f"Row 3 (Bo Visser, Damrak 1, Amsterdam, 1012 LG, NL): {UNLOCATED}",
            },
        ],
    }
    with tenant_a.use():
        first = Order.objects.get(external_id="#1001")
        second = Order.objects.get(external_id="#1002")
    assert (first.recipient_name, first.recipient_email, first.recipient_phone) == (
        "Ada Lovelace",
        "ada@example.test",
        "+31612345678",
    )
    assert first.address == "Prinsengracht 263, 2nd floor, Amsterdam, 1016 GV, NH, NL"
    assert (first.items, first.notes, first.delivery_date) == (
        5,
        "Leave at the door",
        date(2026, 11, 27),
    )
    assert (second.recipient_phone, second.items) == ("+31201234567", 1)
    assert second.address == "Damrak 1, Amsterdam, 1012 LG, NL"


def test_one_bad_row_among_1000_writes_nothing_and_names_its_row_column_and_reason(tenant_a):
    # given 1,000 rows whose 537th has a phone number that cannot be one
    lines = [HEADER] + [
        csv_line(number, phone="+31 6 1234" if number == 537 else f"+3161{number:07d}")
        for number in range(1, 1001)
    ]

    # when the file is imported
    response = upload(tenant_a.api(), "\n".join(lines) + "\n")

    # then nothing is written, and the report points at row 537 (line 538), column phone
    assert response.status_code == 400
    message = (
        "1 row of the file has errors; nothing was imported. Fix it, or send ?partial=true to "
        "import the other rows."
    )
    assert response.json() == {
        "error": {
            "code": "validation_error",
            "message": message,
            "fields": {"rows.537.phone": ["Not a valid phone number."]},
            "rows": [
                {"row": 537, "line": 538, "column": "phone", "message": "Not a valid phone number."}
            ],
            "warnings": [],
        }
    }
    assert order_count(tenant_a) == 0


def test_errors_point_at_the_column_that_caused_them(tenant_a):
    # given rows whose problems sit in derived fields: minutes, coordinates, windows, lines
    content = "\n".join(
        [
            HEADER + ",window2_start,window2_end",
            csv_line(1, service_minutes="soon") + ",,",
            csv_line(2, lng="") + ",,",
            csv_line(3, window_end="08:00") + ",,",
            csv_line(4) + ",11:00,13:00",
            csv_line(5, window_start="25:00") + ",,",
            csv_line(6, window_end="") + ",,",
            csv_line(7, email="not-an-email", lat="95") + ",,",
        ]
    )

    # when it is imported
    response = upload(tenant_a.api(), content)

    # then every message sits on the CSV column to fix
    assert response.status_code == 400
    assert response.json()["error"]["rows"] == [
        {"row": 1, "line": 2, "column": "service_minutes", "message": "Must be a whole number."},
        {"row": 2, "line": 3, "column": "lng", "message": "Give both lat and lng; lng is empty."},
        {
            "row": 3,
            "line": 4,
            "column": "window_end",
            "message": "window 1: end must be after start.",
        },
        {
            "row": 4,
            "line": 5,
            "column": "window2_start",
            "message": "Time windows must not overlap.",
        },
        {
            "row": 5,
            "line": 6,
            "column": "window_start",
            "message": "Not a time of day: '25:00'; use HH:MM.",
        },
        {
            "row": 6,
            "line": 7,
            "column": "window_end",
            "message": "Give both ends of the time window; window_end is empty.",
        },
        {"row": 7, "line": 8, "column": "email", "message": "Enter a valid e-mail address."},
        {"row": 7, "line": 8, "column": "lat", "message": "lat must be between -90 and 90."},
    ]
    assert order_count(tenant_a) == 0


def test_ten_thousand_rows_import_in_one_request(tenant_a):
    lines = [HEADER] + [csv_line(number) for number in range(1, 10_001)]

    response = upload(tenant_a.api(), "\n".join(lines))

    assert response.status_code == 201, response.content[:300]
    assert response.json()["created"] == 10_000
    with tenant_a.use():
        assert Order.objects.count() == 10_000
        assert OrderEvent.objects.filter(kind="created").count() == 10_000
        assert Order.objects.get(external_id="C-9999").recipient_phone == "+31610009999"


def test_import_reports_repeated_and_existing_external_ids(tenant_a):
    with tenant_a.use():
        make_order(external_id="C-2")
    content = "\n".join([HEADER, csv_line(1), csv_line(2), csv_line(3), csv_line(1)])

    response = upload(tenant_a.api(), content)

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "rows.2.external_id": ["An order with external_id 'C-2' already exists."],
        "rows.4.external_id": ["Duplicate external_id 'C-1': also on row 1."],
    }
    assert order_count(tenant_a) == 1


def test_partial_import_creates_the_good_rows_and_reports_the_bad(tenant_a):
    # given three rows, the second without a recipient name
    content = "\n".join([HEADER, csv_line(1), csv_line(2, recipient_name=""), csv_line(3)])

    # when it is imported with ?partial=true
    response = upload(tenant_a.api(), content, "?partial=true")

    # then the good rows are created and the bad one reported
    assert response.status_code == 201
    assert response.json() == {
        "created": 2,
        "failed": 1,
        "errors": [
            {
                "row": 2,
                "line": 3,
                "column": "recipient_name",
                "message": "This field is required.",
            }
        ],
        "warnings": [],
        "location_warnings": [],
    }
    with tenant_a.use():
        assert sorted(Order.objects.values_list("external_id", flat=True)) == ["C-1", "C-3"]


def test_partial_import_of_only_bad_rows_answers_200_and_creates_nothing(tenant_a):
    content = "\n".join([HEADER, csv_line(1, address="")])

    response = upload(tenant_a.api(), content, "?partial=true")

    assert response.status_code == 200
    assert response.json()["created"] == 0
    assert response.json()["failed"] == 1
    assert order_count(tenant_a) == 0


def test_import_reads_a_bom_semicolons_decimal_commas_and_any_column_case(tenant_a):
    # given what a European spreadsheet saves: BOM, ";" separators, decimal commas, odd headers
    content = (
        "\ufeff External_ID ;Recipient Name;ADDRESS;Lat;Lng;Delivery Date;Weight KG;Skills;"
        "Colour;\r\n"
        "S-1;Ada;Damrak 1, Amsterdam;52,37;4,89;2026-11-27;2,5;fridge, fragile;blue;\r\n"
    )

    # when it is imported
    response = upload(tenant_a.api(), content.encode("utf-8"))

    # then the row is read right, and unknown or unnamed columns are warnings, not errors
    assert response.status_code == 201, response.content
    assert response.json() == {
        "created": 1,
        "failed": 0,
        "errors": [],
        "warnings": [
            {"column": "", "message": "1 column without a name ignored."},
            {"column": "Colour", "message": "Unknown column; it is ignored."},
        ],
        "location_warnings": [],
    }
    with tenant_a.use():
        order = Order.objects.get(external_id="S-1")
    assert (order.address, order.lat, order.lng) == ("Damrak 1, Amsterdam", 52.37, 4.89)
    assert (order.weight_kg, order.skills) == (Decimal("2.5"), ["fragile", "fridge"])


def test_import_uses_the_date_parameter_only_for_rows_without_a_date(tenant_a):
    content = "\n".join([HEADER, csv_line(1), csv_line(2, delivery_date="")])

    response = upload(tenant_a.api(), content, "?date=2026-12-01")

    assert response.status_code == 201
    with tenant_a.use():
        dates = dict(Order.objects.values_list("external_id", "delivery_date"))
    assert dates == {"C-1": date(2026, 11, 27), "C-2": date(2026, 12, 1)}


def test_import_reads_windows_written_on_a_12_hour_clock(tenant_a):
    # given a spreadsheet as a US business writes its times
    content = "\n".join(
        [HEADER, csv_line(1, window_start="9:30 AM", window_end="2 PM"), csv_line(2)]
    )

    # when it is imported
    response = upload(tenant_a.api(), content)

    # then the windows are those times in the business's zone
    assert response.status_code == 201, response.content
    with tenant_a.use():
        windows = dict(Order.objects.values_list("external_id", "time_windows"))
    assert windows == {
        "C-1": [{"start": "2026-11-27T09:30:00+01:00", "end": "2026-11-27T14:00:00+01:00"}],
        "C-2": [{"start": "2026-11-27T09:00:00+01:00", "end": "2026-11-27T12:00:00+01:00"}],
    }


def test_files_that_are_not_a_csv_of_orders_are_refused_with_400(tenant_a):
    cases = [
        (b"", "The file is empty."),
        (b"\r\n\r\n", "The file is empty."),
        (HEADER.encode() + b"\n", "The file has a header but no orders."),
        (
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
            "This is not a CSV file: it contains binary data.",
        ),
        (
            "recipient_name,address,delivery_date\nJosé,Calle 1,2026-11-27\n".encode("latin-1"),
            "The file is not UTF-8 text (byte 41): save it as “CSV UTF-8”.",
        ),
        (
            b'{"orders": []}',
            "No known column in the first line: is this a CSV of orders with a header row? "
            "See the documented import columns.",
        ),
        (
            b"external_id,address,delivery_date\nX,Damrak 1,2026-11-27\n",
            "Missing column(s): recipient_name.",
        ),
        (
            b"recipient_name,address\nBo,Damrak 1\n",
            "No delivery_date column: add one, or give ?date=YYYY-MM-DD for every row.",
        ),
        (b"recipient_name,address,phone,Phone\nBo,D 1,,\n", "The column 'Phone' appears twice."),
    ]
    for content, message in cases:
        response = upload(tenant_a.api(), content)

        assert response.status_code == 400, (content, response.content)
        assert response.json() == {
            "error": {"code": "validation_error", "message": message, "fields": {"file": [message]}}
        }
    assert order_count(tenant_a) == 0


def test_import_needs_a_multipart_file(tenant_a):
    missing = tenant_a.api().post(IMPORT, {"other": "x"})
    as_json = post_json(tenant_a.api(), IMPORT, {"file": "external_id\n"})

    assert missing.status_code == 400
    assert missing.json()["error"]["fields"] == {
        "file": ["Upload the CSV file in the multipart field `file`."]
    }
    assert as_json.status_code == 415
    assert as_json.json()["error"]["code"] == "unsupported_media_type"


def test_import_refuses_more_than_20000_rows_with_413(tenant_a):
    content = "recipient_name,address,delivery_date\n" + "Bo,Damrak 1,2026-11-27\n" * 20_001

    response = upload(tenant_a.api(), content)

    assert response.status_code == 413
    assert response.json()["error"] == {
        "code": "payload_too_large",
        "message": "At most 20000 rows per file; split it.",
        "fields": {},
    }
    assert order_count(tenant_a) == 0


def test_rows_count_from_the_header_and_lines_count_the_file(tenant_a):
    # given a note over two lines in row 1 and an empty row 2: row 3 starts on line 5
    content = "\n".join(
        [HEADER, csv_line(1, notes="Ring twice\nthen wait"), "", csv_line(3, address="")]
    )

    response = upload(tenant_a.api(), content)

    assert response.status_code == 400
    assert response.json()["error"]["rows"] == [
        {"row": 3, "line": 5, "column": "address", "message": "This field is required."}
    ]


def test_import_with_an_idempotency_key_creates_once_and_replays(tenant_a):
    content = "\n".join([HEADER, csv_line(1), csv_line(2)]).encode()
    client = tenant_a.api()

    first = client.post(
        IMPORT,
        {"file": SimpleUploadedFile("a.csv", content)},
        HTTP_IDEMPOTENCY_KEY="import-7",
    )
    again = client.post(
        IMPORT,
        {"file": SimpleUploadedFile("a.csv", content)},
        HTTP_IDEMPOTENCY_KEY="import-7",
    )

    assert first.status_code == 201, first.content
    assert again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert (
        again.json()
        == first.json()
        == {
            "created": 2,
            "failed": 0,
            "errors": [],
            "warnings": [],
            "location_warnings": [],
        }
    )
    assert order_count(tenant_a) == 2


def test_import_is_for_operations_roles_only(tenant_a):
    content = "\n".join([HEADER, csv_line(1)])

    denied = upload(tenant_a.browser(Role.DRIVER), content)
    allowed = upload(tenant_a.api(key=tenant_a.dispatcher_key), content)

    assert denied.status_code == 403
    assert allowed.status_code == 201
    assert order_count(tenant_a) == 1


# --- GET orders/export --------------------------------------------------------------------------


def test_export_writes_the_import_columns_and_the_orders_state(tenant_a):
    # given an assigned order with every field, and a second one on another day
    with tenant_a.use():
        driver = make_driver()
        order = make_order(
            external_id="E-1",
            recipient_phone="+31612345678",
            recipient_email="ada@example.test",
            time_windows=[
                {"start": "2026-11-27T09:00:00+01:00", "end": "2026-11-27T12:00:00+01:00"}
            ],
            service_seconds=420,
            weight_kg=Decimal("1.250"),
            items=3,
            skills=["fridge", "fragile"],
            priority=5,
            notes="=HYPERLINK(evil)",
        )
        order_transition(
            order_id=order.pk, to=OrderStatus.ASSIGNED, actor=TEST_ACTOR, driver=driver
        )
        make_order(external_id="E-2", delivery_date=date(2026, 11, 28))

    # when the orders of 2026-11-27 are exported
    response = tenant_a.api().get(EXPORT, {"date": "2026-11-27"})

    # then it is a CSV download of that one order, formulas defused
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="orders-alpha-')
    assert rows_of(response) == [
        [
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
            "window2_start",
            "window2_end",
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
            "pickup_window_start",
            "pickup_window_end",
            "pickup_service_seconds",
            "id",
            "status",
            "location_status",
            "driver",
            "route",
            "sequence",
            "eta",
        ],
        [
            "E-1",
            "Ada Recipient",
            "+31612345678",
            "ada@example.test",
            "Prinsengracht 263, Amsterdam",
            "52.3752",
            "4.884",
            "2026-11-27",
            "09:00",
            "12:00",
            "",
            "",
            "420",
            "1.250",
            "0.000",
            "3",
            "fridge;fragile",
            "5",
            "'=HYPERLINK(evil)",
            "",
            "",
            "",
            "",
            "",
            "",
            str(order.pk),
            "assigned",
            "provided",
            str(driver.pk),
            "",
            "",
            "",
        ],
    ]


def test_export_filters_like_the_order_list_and_rejects_bad_filters(tenant_a):
    with tenant_a.use():
        kept = make_order(external_id="F-1")
        cancelled = make_order(external_id="F-2")
        order_transition(order_id=cancelled.pk, to=OrderStatus.CANCELLED, actor=TEST_ACTOR)

    unassigned = tenant_a.api().get(EXPORT, {"status": "unassigned"})
    bad = tenant_a.api().get(EXPORT, {"status": "lost"})

    assert [row[0] for row in rows_of(unassigned)[1:]] == [kept.external_id]
    assert bad.status_code == 400
    assert bad.json()["error"]["fields"] == {
        "status": [
            "Unknown status lost; use unassigned, assigned, out_for_delivery, delivered, "
            "failed, cancelled."
        ]
    }


def test_export_streams_chunk_by_chunk_to_an_asgi_server(tenant_a):
    # given more orders than one chunk holds
    for first in (1, 601):
        body = {"orders": [order_body(number) for number in range(first, first + 600)]}
        assert post_json(tenant_a.api(), BULK, body).status_code == 201
    response = tenant_a.api().get(EXPORT)

    # when an ASGI server reads the response (asynchronously)
    async def read_all():
        return [chunk async for chunk in response]

    chunks = async_to_sync(read_all)()

    # then it comes in several chunks, which together are the whole export
    assert len(chunks) == 3
    rows = list(csv.reader(io.StringIO(b"".join(chunks).decode(), newline="")))
    assert len(rows) == 1201
    assert sorted(row[0] for row in rows[1:]) == sorted(f"B-{n}" for n in range(1, 1201))


def test_export_is_for_operations_roles_only(tenant_a):
    response = tenant_a.browser(Role.DRIVER).get(EXPORT)

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"


def test_export_adds_window_columns_when_an_order_has_more_windows(tenant_a):
    windows = [
        {"start": f"2026-11-27T{hour:02d}:00:00+01:00", "end": f"2026-11-27T{hour:02d}:30:00+01:00"}
        for hour in (8, 10, 12)
    ]
    with tenant_a.use():
        make_order(external_id="W-3", time_windows=windows)

    rows = rows_of(tenant_a.api().get(EXPORT))

    assert rows[0][8:14] == [
        "window_start",
        "window_end",
        "window2_start",
        "window2_end",
        "window3_start",
        "window3_end",
    ]
    assert rows[1][8:14] == ["08:00", "08:30", "10:00", "10:30", "12:00", "12:30"]


def test_an_export_of_one_business_imports_into_another(tenant_a, tenant_b):
    # given orders of A, made through the bulk API
    body = {
        "orders": [
            order_body(
                1,
                recipient={"name": "Ada", "phone": "+31612345678", "email": "ada@example.test"},
                time_windows=[
                    {"start": "09:00", "end": "11:00"},
                    {"start": "15:00", "end": "17:00"},
                ],
                service_seconds=90,
                load={"weight_kg": 2.5, "volume_l": 10, "items": 4},
                skills=["fridge"],
                priority=60,
                notes='Side door, "blue" gate\nsecond line',
            ),
            order_body(2, location=None, external_id=None),
        ]
    }
    assert post_json(tenant_a.api(), BULK, body).status_code == 201

    # when A's export is imported into B
    exported = b"".join(tenant_a.api().get(EXPORT).streaming_content)
    response = upload(tenant_b.api(), exported, name="export.csv")

    # then B has the same orders, as new unassigned orders of its own
    assert response.status_code == 201, response.content
    assert response.json() == {
        "created": 2,
        "failed": 0,
        "errors": [],
        "warnings": [],
        # rows without coordinates are imported, and said
        "location_warnings": [
            {
                "row": 1,
                "line": 2,
                "column": None,
                "message": f"Row 1 (Recipient 2, Keizersgracht 2, Amsterdam): {UNLOCATED}",
            },
        ],
    }
    fields = [
        "external_id",
        "recipient_name",
        "recipient_phone",
        "recipient_email",
        "address",
        "lat",
        "lng",
        "location_status",
        "delivery_date",
        "time_windows",
        "service_seconds",
        "weight_kg",
        "volume_l",
        "items",
        "skills",
        "priority",
        "notes",
        "status",
    ]
    with tenant_a.use():
        in_a = sorted(Order.objects.values_list(*fields), key=str)
        ids_a = set(Order.objects.values_list("id", flat=True))
    with tenant_b.use():
        in_b = sorted(Order.objects.values_list(*fields), key=str)
        ids_b = set(Order.objects.values_list("id", flat=True))
    assert in_b == in_a
    assert ids_a.isdisjoint(ids_b)
    assert len(in_b) == 2


def test_through_the_real_server_imports_and_interleaved_exports_stay_in_their_business(
    asgi_server, committed_tenant
):
    # given two businesses on the running ASGI server, each importing 1,200 orders of its own
    worlds = {"x": committed_tenant("import-x"), "y": committed_tenant("import-y")}
    for prefix, world in worlds.items():
        lines = [HEADER] + [csv_line(n, external_id=f"{prefix}-{n}") for n in range(1, 1201)]
        response = asgi_server.request(
            "POST",
            world.host,
            IMPORT,
            headers={"Authorization": f"Bearer {world.admin_key}"},
            files={"file": ("orders.csv", "\n".join(lines).encode(), "text/csv")},
        )
        assert response.status_code == 201, response.content
        assert response.json()["created"] == 1200

    # when both export at once, their streams read in turns
    streams = {
        prefix: asgi_server.request(
            "GET",
            world.host,
            EXPORT,
            headers={"Authorization": f"Bearer {world.admin_key}"},
            stream=True,
        )
        for prefix, world in worlds.items()
    }
    parts = {
        prefix: stream.iter_content(chunk_size=16 * 1024) for prefix, stream in streams.items()
    }
    received = {prefix: b"" for prefix in parts}
    while parts:
        for prefix in list(parts):
            chunk = next(parts[prefix], None)
            if chunk is None:
                del parts[prefix]
            else:
                received[prefix] += chunk

    # then each export is whole and holds only its own business's orders
    for prefix, content in received.items():
        assert streams[prefix].headers["Content-Type"] == "text/csv; charset=utf-8"
        assert "Content-Length" not in streams[prefix].headers
        rows = list(csv.reader(io.StringIO(content.decode(), newline="")))
        assert sorted(row[0] for row in rows[1:]) == sorted(f"{prefix}-{n}" for n in range(1, 1201))


# --- spreadsheet safety of the export (OWASP CSV injection) ------------------------------------


@pytest.mark.parametrize(
    ("notes", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+31 6", "'+31 6"),
        ("-2 floors", "'-2 floors"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("|cmd", "'|cmd"),
        (";cmd", "';cmd"),
        ("  =1+1", "'  =1+1"),
        ("ring;=cmd|' /C calc'!A0", "'ring;=cmd|' /C calc'!A0"),
        ("ring|=cmd", "'ring|=cmd"),
        ("ring, =1+1", "'ring, =1+1"),
        ("ring\t@SUM(A1)", "'ring\t@SUM(A1)"),
        ('ring;"=1+1"', '\'ring;"=1+1"'),
        ("Ring twice; leave at the door", "Ring twice; leave at the door"),
        ("2-3 boxes, blue door", "2-3 boxes, blue door"),
    ],
)
def test_export_defuses_every_cell_a_spreadsheet_could_run(tenant_a, notes, written):
    with tenant_a.use():
        make_order(external_id="E-1", notes=notes)

    rows = rows_of(tenant_a.api().get(EXPORT, {"date": "2026-11-27"}))

    assert rows[1][rows[0].index("notes")] == written


def test_defused_cells_import_back_as_written(tenant_a):
    # given an export with notes a spreadsheet could run
    with tenant_a.use():
        make_order(external_id="E-1", notes="ring;=cmd")
        make_order(external_id="E-2", notes="|cmd")
    exported = b"".join(tenant_a.api().get(EXPORT, {"date": "2026-11-27"}).streaming_content)
    with tenant_a.use():
        Order.objects.all().delete()

    # when the file is imported again
    response = upload(tenant_a.api(), exported)

    # then the notes are the originals, without the defusing quote
    assert response.status_code == 201, response.json()
    with tenant_a.use():
        notes = dict(Order.objects.values_list("external_id", "notes"))
    assert notes == {"E-1": "ring;=cmd", "E-2": "|cmd"}
