"""`/api/v1/orders/`: create, validate, read, filter, paginate, change, permissions, audit trail."""

import json
import uuid
from datetime import UTC, date, datetime
from unittest.mock import ANY
from urllib.parse import urlencode

import pytest

from delivery.models import Order, OrderEvent, OrderStatus
from delivery.services import driver_save, order_transition
from delivery.tests.factories import TEST_ACTOR, make_driver, make_order
from delivery.tests.test_lifecycle import ON_SHIFT
from tenants.accounts.models import ApiKey, Role
from tenants.queueing import AfterCommitSend
from tests.api import error, iso, send

ORDERS = "/api/v1/orders/"
DAY = date(2026, 11, 27)


TRACKING_HOST = "alpha.localhost"


def order_json(order: Order) -> dict:
    """The exact representation of an order, written out field by field."""
    return {
        "id": str(order.pk),
        "external_id": order.external_id,
        "recipient": {
            "name": order.recipient_name,
            "phone": order.recipient_phone,
            "email": order.recipient_email,
            "language": order.recipient_language,
        },
        "address": order.address,
        "location": {"lat": order.lat, "lng": order.lng} if order.lat is not None else None,
        "location_status": order.location_status,
        "location_note": order.location_note,
        "delivery_date": order.delivery_date.isoformat(),
        "time_windows": order.time_windows,
        "service_seconds": order.service_seconds,
        "load": {
            "weight_kg": float(order.weight_kg),
            "volume_l": float(order.volume_l),
            "items": order.items,
        },
        "skills": order.skills,
        "priority": order.priority,
        "notes": order.notes,
        "delivery_instructions": order.delivery_instructions,
        "pickup": None,
        "status": order.status,
        "driver": str(order.driver_id) if order.driver_id else None,
        "route": str(order.route_id) if order.route_id else None,
        "sequence": order.sequence,
        "eta": iso(order.eta),
        "tracking_url": f"http://{TRACKING_HOST}/t/{order.tracking_token}/",
        "source": order.source,
        "created_at": iso(order.created_at),
        "updated_at": iso(order.updated_at),
    }


def snapshot(world) -> list[tuple]:
    """Every order and event of the business, to prove a refused request changed nothing."""
    with world.use():
        orders = list(Order.objects.order_by("id").values_list())
        events = list(OrderEvent.objects.order_by("id").values_list())
    return [*orders, *events]


def ids(response) -> list[str]:
    return [order["id"] for order in response.json()["results"]]


FULL_BODY = {
    "external_id": "SO-1001",
    "recipient": {"name": "Ada Lovelace", "phone": "+31 6 12345678", "email": "Ada@Example.test"},
    "address": "Oudegracht 100, 3511 AX Utrecht",
    "location": {"lat": 52.0907, "lng": 5.1214},
    "delivery_date": "2026-11-27",
    "time_windows": [{"start": "13:00", "end": "17:00"}, {"start": "09:00", "end": "12:00"}],
    "service_seconds": 180,
    "load": {"weight_kg": 12.5, "volume_l": 30, "items": 4},
    "skills": ["Fridge", "fridge "],
    "priority": 50,
    "notes": "Ring twice",
}


@pytest.fixture
def own_driver(tenant_a):
    """The driver profile of tenant A's user with role driver."""
    with tenant_a.use():
        # On shift every day from a place of their own: a manual assignment puts the order on
        # their route of its day (routing.assignment), which needs both.
        return driver_save(
            driver=None,
            fields={"phone": "+31612345678", **ON_SHIFT},
            user=tenant_a.users["driver"],
        )


# --- create ----------------------------------------------------------------------------------


def test_create_an_order(tenant_a):
    response = send(tenant_a.api(), "post", ORDERS, FULL_BODY)

    assert response.status_code == 201
    with tenant_a.use():
        order = Order.objects.get()
        key = ApiKey.objects.get(name="Admin key")
        events = list(order.events.values_list("kind", "to_status", "actor_kind", "actor_label"))
    body = response.json()
    assert body == {
        "id": str(order.pk),
        "external_id": "SO-1001",
        "recipient": {
            "name": "Ada Lovelace",
            "phone": "+31612345678",
            "email": "ada@example.test",
            "language": "",
        },
        "address": "Oudegracht 100, 3511 AX Utrecht",
        "location": {"lat": 52.0907, "lng": 5.1214},
        "location_status": "provided",
        "location_note": "",
        "delivery_date": "2026-11-27",
        "time_windows": [
            {"start": "2026-11-27T09:00:00+01:00", "end": "2026-11-27T12:00:00+01:00"},
            {"start": "2026-11-27T13:00:00+01:00", "end": "2026-11-27T17:00:00+01:00"},
        ],
        "service_seconds": 180,
        "load": {"weight_kg": 12.5, "volume_l": 30.0, "items": 4},
        "skills": ["fridge"],
        "priority": 50,
        "notes": "Ring twice",
        "delivery_instructions": "",
        "pickup": None,
        "status": "unassigned",
        "driver": None,
        "route": None,
        "sequence": None,
        "eta": None,
        "tracking_url": f"http://alpha.localhost/t/{order.tracking_token}/",
        "source": "api",
        "created_at": iso(order.created_at),
        "updated_at": iso(order.updated_at),
    }
    assert events == [("created", "unassigned", "api_key", f"API key Admin key ({key.prefix})")]


def test_without_coordinates_nor_geocoder_an_order_needs_a_location(tenant_a, settings):
    settings.GEOCODER = ""

    response = send(
        tenant_a.api(key=tenant_a.dispatcher_key),
        "post",
        ORDERS,
        {
            "recipient": {"name": "Bo"},
            "address": "Neude 11, Utrecht",
            "delivery_date": "2026-11-27",
        },
    )

    assert response.status_code == 201
    body = response.json()
    assert body["location"] is None
    assert body["location_status"] == "needs_location"
    assert body["location_note"] == "No coordinates given and no geocoder configured."
    assert body["time_windows"] == []
    assert body["load"] == {"weight_kg": 0.0, "volume_l": 0.0, "items": 0}
    assert (body["service_seconds"], body["priority"], body["skills"]) == (300, 0, [])
    assert body["external_id"] is None
    assert body["recipient"] == {"name": "Bo", "phone": "", "email": "", "language": ""}


def test_with_a_geocoder_the_address_is_looked_up_after_commit(
    tenant_a, settings, django_capture_on_commit_callbacks
):
    settings.GEOCODER = "nominatim"

    with django_capture_on_commit_callbacks() as callbacks:
        response = send(
            tenant_a.api(),
            "post",
            ORDERS,
            {
                "recipient": {"name": "Bo"},
                "address": "Neude 11, Utrecht",
                "delivery_date": "2026-11-27",
            },
        )

    assert response.status_code == 201
    assert (response.json()["location"], response.json()["location_status"]) == (None, "pending")
    # the geocoding task, queued only once the order is committed (next to the outbox's dispatch)
    queued = [(c.task.name, c.args) for c in callbacks if isinstance(c, AfterCommitSend)]
    assert queued == [
        ("notifications.tasks.events_dispatch_task", [[ANY]]),
        ("delivery.tasks.orders_geocode", [[response.json()["id"]]]),
    ]
    assert len(callbacks) == 2


def test_validation_errors_name_every_field_and_create_nothing(tenant_a):
    before = snapshot(tenant_a)

    response = send(
        tenant_a.api(),
        "post",
        ORDERS,
        {
            "recipient": {"name": "Bo", "phone": "+31 6 123"},
            "address": "Neude 11",
            "delivery_date": "2026-11-27",
            "time_windows": [{"start": "10:00", "end": "09:00"}],
            "location": {"lat": 0, "lng": 0},
            "load": {"items": -1},
        },
    )

    assert response.status_code == 400
    assert response.json() == error(
        "validation_error",
        "recipient.phone: Not a valid phone number. (and 3 more fields)",
        {
            "recipient.phone": ["Not a valid phone number."],
            "location": ["(0, 0) is in the ocean, not a delivery address."],
            "load.items": ["Must be between 0 and 1000000."],
            "time_windows": ["window 1: end must be after start."],
        },
    )
    assert snapshot(tenant_a) == before


def test_required_fields(tenant_a):
    response = send(tenant_a.api(), "post", ORDERS, {})

    assert response.status_code == 400
    assert response.json() == error(
        "validation_error",
        "delivery_date: This field is required (YYYY-MM-DD). (and 2 more fields)",
        {
            "delivery_date": ["This field is required (YYYY-MM-DD)."],
            "recipient.name": ["This field is required."],
            "address": ["This field is required."],
        },
    )


def test_bodies_that_are_not_an_order(tenant_a):
    a_list = send(tenant_a.api(), "post", ORDERS, [FULL_BODY])
    not_json = tenant_a.api().post(ORDERS, data="{oops", content_type="application/json")

    assert a_list.status_code == 400
    assert a_list.json() == error(
        "validation_error",
        "Each order must be a JSON object.",
        {"non_field_errors": ["Each order must be a JSON object."]},
    )
    assert not_json.status_code == 400
    assert not_json.json()["error"]["code"] == "parse_error"
    with tenant_a.use():
        assert not Order.objects.exists()


def test_a_duplicate_external_id_is_refused_on_that_field(tenant_a):
    with tenant_a.use():
        make_order(external_id="SO-1001")
    before = snapshot(tenant_a)

    response = send(tenant_a.api(), "post", ORDERS, FULL_BODY)

    assert response.status_code == 400
    message = "An order with external_id 'SO-1001' already exists."
    assert response.json() == error("validation_error", message, {"external_id": [message]})
    assert snapshot(tenant_a) == before


def test_the_same_external_id_in_another_business_is_fine(tenant_a, tenant_b):
    with tenant_b.use():
        make_order(external_id="SO-1001")

    response = send(tenant_a.api(), "post", ORDERS, FULL_BODY)

    assert response.status_code == 201


# --- read ------------------------------------------------------------------------------------


def test_get_an_order(tenant_a):
    with tenant_a.use():
        order = make_order(external_id="SO-7", skills=["fridge"], priority=9)
        order.refresh_from_db()

    response = tenant_a.api().get(f"{ORDERS}{order.pk}/")

    assert response.status_code == 200
    assert response.json() == order_json(order)


def test_a_missing_order_is_404(tenant_a, tenant_b):
    with tenant_b.use():
        elsewhere = make_order()

    for path in (f"{ORDERS}{uuid.uuid4()}/", f"{ORDERS}{elsewhere.pk}/", f"{ORDERS}not-a-uuid/"):
        response = tenant_a.api().get(path)
        assert response.status_code == 404, path
        assert response.json() == error("not_found", "Not found.")


@pytest.fixture
def four_orders(tenant_a):
    """Four orders on two days in four states, two drivers, one route; created oldest first."""
    with tenant_a.use():
        first = make_driver("first.driver@example.test")
        second = make_driver("second.driver@example.test")
        waiting = make_order(external_id="A-1")
        assigned = make_order(external_id="A-2")
        order_transition(order_id=assigned.pk, to="assigned", actor=TEST_ACTOR, driver=first)
        on_the_way = make_order(external_id="B-1", delivery_date=date(2026, 11, 28))
        order_transition(order_id=on_the_way.pk, to="assigned", actor=TEST_ACTOR, driver=second)
        order_transition(order_id=on_the_way.pk, to="out_for_delivery", actor=TEST_ACTOR)
        cancelled = make_order(external_id="B-2", delivery_date=date(2026, 11, 28))
        order_transition(order_id=cancelled.pk, to="cancelled", actor=TEST_ACTOR)
        route = uuid.uuid4()
        Order.objects.filter(pk=assigned.pk).update(route_id=route, sequence=1)
        old = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
        recent = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
        Order.objects.filter(pk__in=[waiting.pk, assigned.pk]).update(updated_at=old)
        Order.objects.filter(pk__in=[on_the_way.pk, cancelled.pk]).update(updated_at=recent)
    return {
        "waiting": str(waiting.pk),
        "assigned": str(assigned.pk),
        "on_the_way": str(on_the_way.pk),
        "cancelled": str(cancelled.pk),
        "first_driver": str(first.pk),
        "second_driver": str(second.pk),
        "route": str(route),
    }


def test_list_newest_first(tenant_a, four_orders):
    response = tenant_a.api().get(ORDERS)

    assert response.status_code == 200
    assert ids(response) == [
        four_orders["cancelled"],
        four_orders["on_the_way"],
        four_orders["assigned"],
        four_orders["waiting"],
    ]
    assert response.json()["next"] is None
    with tenant_a.use():
        newest = Order.objects.get(pk=four_orders["cancelled"])
    assert response.json()["results"][0] == order_json(newest)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"status": "unassigned"}, ["waiting"]),
        ({"status": "assigned,out_for_delivery"}, ["on_the_way", "assigned"]),
        ({"status": " cancelled , unassigned ,"}, ["cancelled", "waiting"]),
        ({"status": "delivered"}, []),
        ({"date": "2026-11-27"}, ["assigned", "waiting"]),
        ({"date": "2026-11-28"}, ["cancelled", "on_the_way"]),
        ({"date": "2026-11-29"}, []),
        ({"route": "route"}, ["assigned"]),
        ({"route": str(uuid.UUID(int=1))}, []),
        ({"driver": "first_driver"}, ["assigned"]),
        ({"driver": "second_driver"}, ["on_the_way"]),
        ({"external_id": "B-1"}, ["on_the_way"]),
        ({"external_id": "b-1"}, []),
        ({"updated_since": "2026-11-25T10:00:00+01:00"}, ["cancelled", "on_the_way"]),
        ({"updated_since": "2026-11-25T11:00:00+01:00"}, ["cancelled", "on_the_way"]),
        ({"updated_since": "2026-11-25T11:00:01+01:00"}, []),
        (
            {"updated_since": "2026-11-20T05:00:00-05:00"},
            ["cancelled", "on_the_way", "assigned", "waiting"],
        ),
        (
            {"updated_since": "2026-11-20T10:00:00Z"},
            ["cancelled", "on_the_way", "assigned", "waiting"],
        ),
        (
            {"status": "unassigned,assigned", "date": "2026-11-27", "driver": "first_driver"},
            ["assigned"],
        ),
    ],
)
def test_list_filters(tenant_a, four_orders, query, expected):
    query = {name: four_orders.get(value, value) for name, value in query.items()}

    response = tenant_a.api().get(f"{ORDERS}?{urlencode(query)}")

    assert response.status_code == 200
    assert ids(response) == [four_orders[name] for name in expected]


@pytest.mark.parametrize(
    ("query", "fields"),
    [
        (
            "status=lost,unassigned",
            {
                "status": [
                    "Unknown status lost; use unassigned, assigned, out_for_delivery, "
                    "delivered, failed, cancelled."
                ]
            },
        ),
        (
            "date=2026-13-01",
            {"date": ["Date has wrong format. Use one of these formats instead: YYYY-MM-DD."]},
        ),
        (
            "date=27-11-2026",
            {"date": ["Date has wrong format. Use one of these formats instead: YYYY-MM-DD."]},
        ),
        ("route=abc", {"route": ["Must be a valid UUID."]}),
        ("driver=42", {"driver": ["Must be a valid UUID."]}),
        (
            "external_id=" + "x" * 101,
            {"external_id": ["Ensure this field has no more than 100 characters."]},
        ),
        (
            "updated_since=yesterday",
            {
                "updated_since": [
                    "Datetime has wrong format. Use one of these formats instead: "
                    "YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."
                ]
            },
        ),
        (
            "updated_since=2026-11-25T10:00:00",
            {"updated_since": ["Give the offset, e.g. 2026-11-26T08:00:00+01:00."]},
        ),
        # an unescaped "+" is a space in a query string: the offset is lost, and that is said
        (
            "updated_since=2026-11-25T10:00:00+01:00",
            {
                "updated_since": [
                    "Datetime has wrong format. Use one of these formats instead: "
                    "YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."
                ]
            },
        ),
        ("limit=0", {"limit": ["Must be an integer between 1 and 500."]}),
        ("limit=501", {"limit": ["Must be an integer between 1 and 500."]}),
        ("limit=ten", {"limit": ["Must be an integer between 1 and 500."]}),
        ("cursor=garbage", {"cursor": ["Invalid cursor: use the 'next' URL of a previous page."]}),
    ],
)
def test_bad_filters_are_400(tenant_a, query, fields):
    response = tenant_a.api().get(f"{ORDERS}?{query}")

    assert response.status_code == 400
    name, messages = next(iter(fields.items()))
    assert response.json() == error("validation_error", f"{name}: {messages[0]}", fields)


def test_cursor_pagination_walks_every_order_once(tenant_a):
    with tenant_a.use():
        created = [str(make_order(external_id=f"P-{number}").pk) for number in range(7)]
    client = tenant_a.api()

    pages = []
    url = f"{ORDERS}?limit=3"
    while url:
        response = client.get(url)
        assert response.status_code == 200
        pages.append(ids(response))
        url = response.json()["next"]

    assert [len(page) for page in pages] == [3, 3, 1]
    assert [order_id for page in pages for order_id in page] == created[::-1]


def test_next_links_keep_the_filters(tenant_a):
    with tenant_a.use():
        kept = [str(make_order(external_id=f"K-{n}").pk) for n in range(3)]
        make_order(external_id="other-day", delivery_date=date(2026, 12, 1))
    client = tenant_a.api()

    first = client.get(f"{ORDERS}?date=2026-11-27&limit=2")
    second = client.get(first.json()["next"])

    assert first.json()["next"].startswith("http://alpha.localhost/api/v1/orders/?cursor=")
    assert ids(first) + ids(second) == kept[::-1]
    assert second.json()["next"] is None


def test_the_order_list_costs_the_same_queries_for_5_or_200_orders(
    tenant_a, django_assert_num_queries
):
    with tenant_a.use():
        driver = make_driver()
        for number in range(200):
            order = make_order(external_id=f"Q-{number}", skills=["fridge"])
            if number % 2:
                order_transition(order_id=order.pk, to="assigned", actor=TEST_ACTOR, driver=driver)
    client = tenant_a.api()
    client.get(f"{ORDERS}?limit=1")  # warm up: the key's last use is recorded once

    # search_path to public, the host's business, search_path to it, the key, the page
    with django_assert_num_queries(5):
        small = client.get(f"{ORDERS}?limit=5")
    with django_assert_num_queries(5):
        large = client.get(f"{ORDERS}?limit=200")

    assert (len(ids(small)), len(ids(large))) == (5, 200)


# --- change ----------------------------------------------------------------------------------


def test_put_replaces_the_order(tenant_a):
    with tenant_a.use():
        order = make_order(external_id="SO-1", notes="old", priority=5)

    response = send(
        tenant_a.api(key=tenant_a.dispatcher_key), "put", f"{ORDERS}{order.pk}/", FULL_BODY
    )

    assert response.status_code == 200
    with tenant_a.use():
        order.refresh_from_db()
        event = order.events.get(kind="updated")
    assert response.json() == order_json(order)
    assert (order.external_id, order.notes, order.priority) == ("SO-1001", "Ring twice", 50)
    assert (order.lat, order.lng, order.location_status) == (52.0907, 5.1214, "provided")
    assert (event.actor_kind, event.note) == (
        "api_key",
        "Changed: address, external_id, items, lat, lng, location_note, location_status, notes, "
        "priority, recipient_email, recipient_name, recipient_phone, service_seconds, skills, "
        "time_windows, volume_l, weight_kg",
    )


def test_patch_changes_only_what_is_sent(tenant_a):
    with tenant_a.use():
        order = make_order(
            recipient_name="Ada", recipient_phone="+31612345678", notes="old", items=3
        )

    response = send(
        tenant_a.browser("dispatcher"),
        "patch",
        f"{ORDERS}{order.pk}/",
        {"notes": "Back door", "recipient": {"phone": "+31 6 87654321"}, "load": {"items": 5}},
    )

    assert response.status_code == 200
    body = response.json()
    assert body["recipient"] == {
        "name": "Ada",
        "phone": "+31687654321",
        "email": "",
        "language": "",
    }
    assert (body["notes"], body["load"]["items"], body["address"]) == (
        "Back door",
        5,
        "Prinsengracht 263, Amsterdam",
    )
    with tenant_a.use():
        event = order.events.get(kind="updated")
    assert (event.actor_label, event.note) == (
        "dispatcher@alpha.test",
        "Changed: items, notes, recipient_phone",
    )


def test_a_patch_that_changes_nothing_writes_no_event(tenant_a):
    with tenant_a.use():
        order = make_order(notes="same")
    before = snapshot(tenant_a)

    response = send(tenant_a.api(), "patch", f"{ORDERS}{order.pk}/", {"notes": "same"})

    assert response.status_code == 200
    assert snapshot(tenant_a) == before


def test_invalid_changes_change_nothing(tenant_a):
    with tenant_a.use():
        order = make_order()
        make_order(external_id="TAKEN")
    before = snapshot(tenant_a)
    client = tenant_a.api()

    bad_patch = send(client, "patch", f"{ORDERS}{order.pk}/", {"priority": 101, "colour": "red"})
    taken = send(client, "patch", f"{ORDERS}{order.pk}/", {"external_id": "TAKEN"})
    bad_put = send(client, "put", f"{ORDERS}{order.pk}/", {"address": "Neude 1"})

    assert bad_patch.status_code == taken.status_code == bad_put.status_code == 400
    assert bad_patch.json()["error"]["fields"] == {
        "colour": ["Unknown field."],
        "priority": ["Must be between 0 and 100."],
    }
    message = "An order with external_id 'TAKEN' already exists."
    assert taken.json() == error("validation_error", message, {"external_id": [message]})
    assert bad_put.json()["error"]["fields"] == {
        "delivery_date": ["This field is required (YYYY-MM-DD)."],
        "recipient.name": ["This field is required."],
    }
    assert snapshot(tenant_a) == before


@pytest.mark.parametrize(
    ("steps", "shown"),
    [
        (["assigned", "out_for_delivery"], "out for delivery"),
        (["assigned", "out_for_delivery", "delivered"], "delivered"),
        (["cancelled"], "cancelled"),
    ],
)
def test_an_order_on_its_way_or_done_is_locked(tenant_a, steps, shown):
    with tenant_a.use():
        driver = make_driver()
        order = make_order()
        for step in steps:
            order_transition(order_id=order.pk, to=step, actor=TEST_ACTOR, driver=driver)
    before = snapshot(tenant_a)

    put = send(tenant_a.api(), "put", f"{ORDERS}{order.pk}/", FULL_BODY)
    patch = send(tenant_a.api(), "patch", f"{ORDERS}{order.pk}/", {"notes": "Too late"})

    for response in (put, patch):
        assert response.status_code == 409
        assert response.json() == error(
            "order_locked", f"An order that is {shown} cannot be edited."
        )
    assert snapshot(tenant_a) == before


@pytest.mark.parametrize("steps", [[], ["assigned"], ["assigned", "out_for_delivery", "failed"]])
def test_orders_not_yet_on_their_way_can_be_edited(tenant_a, steps):
    with tenant_a.use():
        driver = make_driver()
        order = make_order()
        for step in steps:
            order_transition(
                order_id=order.pk, to=step, actor=TEST_ACTOR, driver=driver, reason="not_home"
            )

    response = send(tenant_a.api(), "patch", f"{ORDERS}{order.pk}/", {"notes": "Side door"})

    assert response.status_code == 200
    assert response.json()["notes"] == "Side door"


# --- who may do what -------------------------------------------------------------------------


def test_a_driver_sees_only_the_orders_assigned_to_them(tenant_a, own_driver):
    with tenant_a.use():
        other = make_driver()
        mine = make_order(external_id="MINE")
        order_transition(order_id=mine.pk, to="assigned", actor=TEST_ACTOR, driver=own_driver)
        theirs = make_order(external_id="THEIRS")
        order_transition(order_id=theirs.pk, to="assigned", actor=TEST_ACTOR, driver=other)
        nobodys = make_order(external_id="NOBODY")
    client = tenant_a.browser(Role.DRIVER)

    listing = client.get(ORDERS)
    filtered = client.get(f"{ORDERS}?driver={other.pk}")
    own = client.get(f"{ORDERS}{mine.pk}/")
    own_events = client.get(f"{ORDERS}{mine.pk}/events")

    assert ids(listing) == [str(mine.pk)]
    assert ids(filtered) == []
    assert own.status_code == own_events.status_code == 200
    for order in (theirs, nobodys):
        for path in (f"{ORDERS}{order.pk}/", f"{ORDERS}{order.pk}/events"):
            response = client.get(path)
            assert response.status_code == 404
            assert response.json() == error("not_found", "Not found.")


def test_a_driver_without_a_driver_profile_sees_no_orders(tenant_a):
    with tenant_a.use():
        make_order()

    response = tenant_a.browser(Role.DRIVER).get(ORDERS)

    assert response.status_code == 200
    assert response.json() == {"results": [], "next": None}


def test_a_driver_cannot_create_or_edit_orders(tenant_a, own_driver):
    with tenant_a.use():
        mine = make_order()
        order_transition(order_id=mine.pk, to="assigned", actor=TEST_ACTOR, driver=own_driver)
    before = snapshot(tenant_a)
    client = tenant_a.browser(Role.DRIVER)

    responses = [
        send(client, "post", ORDERS, FULL_BODY),
        send(client, "put", f"{ORDERS}{mine.pk}/", FULL_BODY),
        send(client, "patch", f"{ORDERS}{mine.pk}/", {"notes": "Mine now"}),
        send(client, "delete", f"{ORDERS}{mine.pk}/"),
    ]

    for response in responses:
        assert response.status_code == 403
        assert response.json() == error(
            "permission_denied", "Only an owner, admin or dispatcher may do this."
        )
    assert snapshot(tenant_a) == before


@pytest.mark.parametrize("role", [Role.OWNER, Role.ADMIN, Role.DISPATCHER])
def test_operations_roles_create_orders_in_the_dashboard(tenant_a, role):
    response = send(tenant_a.browser(role), "post", ORDERS, FULL_BODY)

    assert response.status_code == 201
    with tenant_a.use():
        event = OrderEvent.objects.get()
    assert (event.actor_kind, event.actor_label, event.actor_user_id) == (
        "user",
        f"{role}@alpha.test",
        tenant_a.users[role].pk,
    )


def test_without_credentials_nothing_is_shown(tenant_a):
    with tenant_a.use():
        order = make_order()

    listing = tenant_a.anonymous().get(ORDERS)
    detail = tenant_a.anonymous().get(f"{ORDERS}{order.pk}/")
    create = send(tenant_a.anonymous(), "post", ORDERS, FULL_BODY)

    for response in (listing, detail, create):
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "not_authenticated"
    with tenant_a.use():
        assert Order.objects.count() == 1


def test_orders_cannot_be_deleted(tenant_a):
    with tenant_a.use():
        order = make_order()

    response = tenant_a.api().delete(f"{ORDERS}{order.pk}/")

    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"
    with tenant_a.use():
        assert Order.objects.filter(pk=order.pk).exists()


# --- the audit trail -------------------------------------------------------------------------


def test_the_events_of_an_order_tell_who_did_what_where_and_why(tenant_a, own_driver):
    # given an order created by an integrator, assigned by a dispatcher, failed by its driver
    created = send(tenant_a.api(), "post", ORDERS, FULL_BODY)
    order_id = created.json()["id"]
    assigned = send(
        tenant_a.browser(Role.DISPATCHER),
        "post",
        f"{ORDERS}{order_id}/transition",
        {"to": "assigned", "driver": str(own_driver.pk), "note": "Van 2 today"},
    )
    driver = tenant_a.browser(Role.DRIVER)
    started = send(driver, "post", f"{ORDERS}{order_id}/transition", {"to": "out_for_delivery"})
    failed = send(
        driver,
        "post",
        f"{ORDERS}{order_id}/transition",
        {
            "to": "failed",
            "reason": "not_home",
            "note": "Nobody answered",
            "location": {"lat": 52.0906, "lng": 5.1215},
        },
    )
    assert [r.status_code for r in (created, assigned, started, failed)] == [201, 200, 200, 200]

    # when the trail is read
    response = tenant_a.api(key=tenant_a.dispatcher_key).get(f"{ORDERS}{order_id}/events")

    # then every change is there, oldest first, with its actor, reason and place
    with tenant_a.use():
        events = list(OrderEvent.objects.filter(order_id=order_id).order_by("id"))
        key = ApiKey.objects.get(name="Admin key")
    assert response.status_code == 200
    dispatcher, driver_user = tenant_a.users[Role.DISPATCHER], tenant_a.users[Role.DRIVER]
    admin_key = {"kind": "api_key", "label": f"API key Admin key ({key.prefix})", "user": None}
    by_dispatcher = {"kind": "user", "label": "dispatcher@alpha.test", "user": str(dispatcher.pk)}
    by_driver = {"kind": "user", "label": "driver@alpha.test", "user": str(driver_user.pk)}
    expected = [
        ("created", "", "unassigned", "", "", admin_key, None),
        ("status_changed", "unassigned", "assigned", "", "Van 2 today", by_dispatcher, None),
        ("status_changed", "assigned", "out_for_delivery", "", "", by_driver, None),
        (
            "status_changed",
            "out_for_delivery",
            "failed",
            "not_home",
            "Nobody answered",
            by_driver,
            {"lat": 52.0906, "lng": 5.1215},
        ),
    ]
    assert response.json() == {
        "results": [
            {
                "id": event.pk,
                "kind": kind,
                "from_status": from_status,
                "to_status": to_status,
                "reason": reason,
                "note": note,
                "actor": actor,
                "location": location,
                "occurred_at": iso(event.occurred_at),
            }
            for event, (kind, from_status, to_status, reason, note, actor, location) in zip(
                events, expected, strict=True
            )
        ]
    }
    assert json.loads(failed.content)["status"] == OrderStatus.FAILED


def test_patching_the_date_keeps_the_preferred_hours(tenant_a):
    with tenant_a.use():
        order = make_order(
            time_windows=[
                {"start": "2026-11-27T09:00:00+01:00", "end": "2026-11-27T11:00:00+01:00"}
            ]
        )

    response = send(
        tenant_a.api(), "patch", f"/api/v1/orders/{order.pk}/", {"delivery_date": "2026-11-30"}
    )

    assert response.status_code == 200, response.content
    assert response.json()["time_windows"] == [
        {"start": "2026-11-30T09:00:00+01:00", "end": "2026-11-30T11:00:00+01:00"}
    ]


def test_patching_the_address_drops_the_old_coordinates(tenant_a, settings):
    settings.GEOCODER = ""
    with tenant_a.use():
        order = make_order()

    response = send(
        tenant_a.api(), "patch", f"/api/v1/orders/{order.pk}/", {"address": "Oudegracht 1, Utrecht"}
    )

    body = response.json()
    assert (body["address"], body["location"], body["location_status"]) == (
        "Oudegracht 1, Utrecht",
        None,
        "needs_location",
    )


def test_a_transition_location_of_zero_zero_is_refused(tenant_a):
    with tenant_a.use():
        order = make_order()

    response = send(
        tenant_a.api(),
        "post",
        f"/api/v1/orders/{order.pk}/transition",
        {"to": "cancelled", "location": {"lat": 0, "lng": 0}},
    )

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "location": ["(0, 0) is in the ocean, not a delivery address."]
    }
    with tenant_a.use():
        assert Order.objects.get(pk=order.pk).status == OrderStatus.UNASSIGNED


def test_an_order_with_a_pickup_moves_to_another_day_with_both_windows(tenant_a):
    """PATCH of delivery_date alone: delivery and pickup windows keep their clock times."""
    # given: collected 09:30-10:30 and delivered 14:00-16:00 on 27 November (Amsterdam time)
    with tenant_a.use():
        order = make_order(
            delivery_date=DAY,
            time_windows=[
                {"start": "2026-11-27T14:00:00+01:00", "end": "2026-11-27T16:00:00+01:00"}
            ],
            pickup_location=(52.09, 5.12),
            pickup_time_windows=[
                {"start": "2026-11-27T09:30:00+01:00", "end": "2026-11-27T10:30:00+01:00"}
            ],
        )

    # when
    moved = send(tenant_a.api(), "patch", f"{ORDERS}{order.pk}", {"delivery_date": "2026-12-02"})

    # then
    assert moved.status_code == 200, moved.json()
    body = moved.json()
    assert (body["delivery_date"], body["time_windows"], body["pickup"]["time_windows"]) == (
        "2026-12-02",
        [{"start": "2026-12-02T14:00:00+01:00", "end": "2026-12-02T16:00:00+01:00"}],
        [{"start": "2026-12-02T09:30:00+01:00", "end": "2026-12-02T10:30:00+01:00"}],
    )
    with tenant_a.use():
        order.refresh_from_db()
        assert (order.delivery_date, order.pickup_time_windows[0]["start"]) == (
            date(2026, 12, 2),
            "2026-12-02T09:30:00+01:00",
        )
        assert OrderEvent.objects.filter(order=order, kind=OrderEvent.Kind.UPDATED).count() == 1


def test_moving_an_order_to_another_day_and_a_bad_field_writes_nothing(tenant_a):
    with tenant_a.use():
        order = make_order(delivery_date=DAY)

    refused = send(
        tenant_a.api(),
        "patch",
        f"{ORDERS}{order.pk}",
        {"delivery_date": "2026-12-02", "priority": 1000},
    )

    assert refused.status_code == 400
    with tenant_a.use():
        order.refresh_from_db()
        assert (order.delivery_date, order.priority) == (DAY, 0)
