"""Pickup-and-delivery orders: the goods are collected at `pickup` first, then delivered."""

from delivery.models import Order
from delivery.tests.test_imports import upload
from tests.api import error, send

ORDERS = "/api/v1/orders/"

BODY = {
    "external_id": "PD-1",
    "recipient": {"name": "Grace Hopper"},
    "address": "Neude 1, Utrecht",
    "location": {"lat": 52.0932, "lng": 5.1189},
    "delivery_date": "2026-11-27",
    "time_windows": [{"start": "14:00", "end": "17:00"}],
    "load": {"weight_kg": 20},
    "pickup": {
        "address": "Bakkerij Bol, Twijnstraat 1, Utrecht",
        "location": {"lat": 52.0840, "lng": 5.1230},
        "time_windows": [{"start": "08:00", "end": "10:00"}],
        "service_seconds": 120,
    },
}


def test_an_order_with_a_pickup_is_stored_and_shown(tenant_a):
    response = send(tenant_a.api(), "post", ORDERS, BODY)

    assert response.status_code == 201
    assert response.json()["pickup"] == {
        "address": "Bakkerij Bol, Twijnstraat 1, Utrecht",
        "location": {"lat": 52.084, "lng": 5.123},
        "time_windows": [
            {"start": "2026-11-27T08:00:00+01:00", "end": "2026-11-27T10:00:00+01:00"}
        ],
        "service_seconds": 120,
    }
    with tenant_a.use():
        order = Order.objects.get()
    assert (order.has_pickup, order.pickup_lat, order.pickup_lng, order.pickup_service_seconds) == (
        True,
        52.084,
        5.123,
        120,
    )


def test_a_pickup_defaults_to_five_minutes_and_no_window(tenant_a):
    body = {**BODY, "pickup": {"location": {"lat": 52.084, "lng": 5.123}}}

    response = send(tenant_a.api(), "post", ORDERS, body)

    assert response.json()["pickup"] == {
        "address": "",
        "location": {"lat": 52.084, "lng": 5.123},
        "time_windows": [],
        "service_seconds": 300,
    }


def test_a_bad_pickup_is_refused_field_by_field_and_nothing_is_written(tenant_a):
    body = {
        **BODY,
        "pickup": {
            "address": "x" * 301,
            "time_windows": [
                {"start": "2026-11-28T08:00:00+01:00", "end": "2026-11-28T09:00:00+01:00"}
            ],
            "service_seconds": -1,
            "door": "back",
        },
    }

    response = send(tenant_a.api(), "post", ORDERS, body)

    assert response.status_code == 400
    assert response.json() == error(
        "validation_error",
        "pickup.door: Unknown field. (and 4 more fields)",
        {
            "pickup.door": ["Unknown field."],
            "pickup.address": ["At most 300 characters."],
            "pickup.location": ["A pickup needs its location (lat and lng)."],
            "pickup.service_seconds": ["Must be between 0 and 86400."],
            "pickup.time_windows": [
                "window 1: must lie within the delivery date 2026-11-27 (Europe/Amsterdam)."
            ],
        },
    )
    with tenant_a.use():
        assert Order.objects.count() == 0


def test_a_pickup_must_be_an_object(tenant_a):
    response = send(tenant_a.api(), "post", ORDERS, {**BODY, "pickup": "Twijnstraat 1"})

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "pickup": ['Must be {"address", "location", "time_windows", "service_seconds"}.']
    }


def test_patch_keeps_the_pickup_and_null_removes_it(tenant_a):
    order_id = send(tenant_a.api(), "post", ORDERS, BODY).json()["id"]

    kept = send(tenant_a.api(), "patch", f"{ORDERS}{order_id}", {"notes": "Side door"})
    removed = send(tenant_a.api(), "patch", f"{ORDERS}{order_id}", {"pickup": None})

    assert kept.json()["pickup"]["location"] == {"lat": 52.084, "lng": 5.123}
    assert removed.json()["pickup"] is None
    with tenant_a.use():
        order = Order.objects.get()
    assert (order.pickup_lat, order.pickup_lng, order.pickup_time_windows) == (None, None, [])


PICKUP_CSV = (
    "external_id,recipient_name,address,lat,lng,delivery_date,pickup_address,pickup_lat,"
    "pickup_lng,pickup_window_start,pickup_window_end,pickup_service_seconds\n"
    "CSV-1,Ada,Neude 1,52.0932,5.1189,2026-11-27,Twijnstraat 1,52.084,5.123,08:00,10:00,90\n"
    "CSV-2,Bob,Neude 2,52.0933,5.1190,2026-11-27,,,,,,\n"
)


def test_a_csv_import_reads_the_pickup_columns(tenant_a):
    response = upload(tenant_a.api(), PICKUP_CSV)

    assert response.status_code == 201, response.content
    with tenant_a.use():
        orders = {
            o.external_id: (o.pickup_address, o.pickup_lat, o.pickup_lng, o.pickup_service_seconds)
            for o in Order.objects.all()
        }
        windows = Order.objects.get(external_id="CSV-1").pickup_time_windows
    assert orders == {
        "CSV-1": ("Twijnstraat 1", 52.084, 5.123, 90),
        "CSV-2": ("", None, None, 0),
    }
    assert windows == [{"start": "2026-11-27T08:00:00+01:00", "end": "2026-11-27T10:00:00+01:00"}]


def test_csv_pickup_errors_point_at_the_pickup_columns(tenant_a):
    content = PICKUP_CSV.replace("52.084,5.123,08:00,10:00", "52.084,,08:00,")

    response = upload(tenant_a.api(), content)

    assert response.status_code == 400
    assert response.json()["error"]["rows"] == [
        {
            "row": 1,
            "line": 2,
            "column": "pickup_window_end",
            "message": "Give both ends of the pickup window.",
        },
        {"row": 1, "line": 2, "column": "pickup_lng", "message": "lng must be a number."},
    ]
