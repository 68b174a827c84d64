"""Geocoding at the HTTP boundary: a real local HTTP server plays Nominatim with recorded
answers (tests/fixtures/geocoder.py); everything of ours (API, task, cache, services) runs for
real."""

import json
import time

import pytest

from delivery.geocoding import GeocodingUnavailable, address_geocode
from delivery.models import Order, OrderEvent
from delivery.tasks import orders_geocode
from tests.fixtures.geocoder import ADDRESS, FOUND

NULL_ISLAND = [{**FOUND[0], "lat": "0.0", "lon": "0.0", "display_name": "Null Island"}]


def create_order(world, address: str = ADDRESS, **fields) -> dict:
    body = {
        "recipient": {"name": "Ada"},
        "address": address,
        "delivery_date": "2026-11-27",
        **fields,
    }
    response = world.api().post(
        "/api/v1/orders/", data=json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 201, response.content
    return response.json()


def located(world, order_id) -> tuple:
    with world.use():
        order = Order.objects.get(pk=order_id)
    return order.lat, order.lng, order.location_status, order.location_note


def test_an_order_without_coordinates_is_geocoded_by_the_task(tenant_a, nominatim):
    # given an order created through the API with an address only
    created = create_order(tenant_a)
    assert (created["location"], created["location_status"]) == (None, "pending")

    # when the geocoding task runs for it
    with tenant_a.use():
        count = orders_geocode([created["id"]])
        event = OrderEvent.objects.get(order_id=created["id"], kind=OrderEvent.Kind.LOCATED)

    # then the order has the geocoder's coordinates, and the audit trail says so
    assert count == 1
    assert nominatim.queries == [ADDRESS]
    assert located(tenant_a, created["id"]) == (52.3752182, 4.8839799, "geocoded", "")
    assert (event.actor_kind, event.actor_label, event.lat, event.lng, event.note) == (
        "system",
        "geocoder",
        52.3752182,
        4.8839799,
        "",
    )
    response = tenant_a.api().get(f"/api/v1/orders/{created['id']}/")
    assert response.json()["location"] == {"lat": 52.3752182, "lng": 4.8839799}
    assert response.json()["location_status"] == "geocoded"


def test_an_address_the_geocoder_does_not_know_needs_a_location(tenant_a, nominatim):
    # given a geocoder that finds nothing
    nominatim.answer = []
    created = create_order(tenant_a, address="Nowhere Lane 99, Atlantis")

    # when the task runs
    with tenant_a.use():
        count = orders_geocode([created["id"]])
        event = OrderEvent.objects.get(order_id=created["id"], kind=OrderEvent.Kind.LOCATED)

    # then the order is flagged for a person to place, with the reason
    note = "The geocoder found no place for “Nowhere Lane 99, Atlantis”."
    assert count == 0
    assert located(tenant_a, created["id"]) == (None, None, "needs_location", note)
    assert (event.note, event.lat, event.lng) == (note, None, None)


def test_a_geocoder_answering_null_island_is_not_believed(tenant_a, nominatim):
    nominatim.answer = NULL_ISLAND
    created = create_order(tenant_a)

    with tenant_a.use():
        orders_geocode([created["id"]])

    assert located(tenant_a, created["id"]) == (
        None,
        None,
        "needs_location",
        f"The geocoder found no place for “{ADDRESS}”.",
    )


def test_a_server_error_is_retryable_and_leaves_the_order_pending(tenant_a, nominatim):
    # given a geocoder answering 500
    nominatim.status = 500
    created = create_order(tenant_a)

    # when the task runs
    with tenant_a.use(), pytest.raises(GeocodingUnavailable):
        orders_geocode([created["id"]])

    # then it failed in the way the task retries, and the order still waits
    assert located(tenant_a, created["id"]) == (None, None, "pending", "")
    assert nominatim.queries == [ADDRESS]


def test_a_rate_limited_geocoder_says_when_to_come_back(tenant_a, nominatim):
    # given a geocoder over its quota, asking for two minutes' rest
    nominatim.status = 429
    nominatim.headers = {"Retry-After": "120"}

    # when an address is looked up
    with tenant_a.use(), pytest.raises(GeocodingUnavailable) as raised:
        address_geocode(ADDRESS)

    # then the task will wait at least that long before retrying
    assert raised.value.retry_after == 120


def test_when_the_retries_run_out_the_order_needs_a_location(tenant_a, nominatim):
    # given a geocoder that stays down
    nominatim.status = 500
    created = create_order(tenant_a)

    # when the task runs with its retries (eagerly: each retry runs at once)
    with tenant_a.use():
        result = orders_geocode.apply(args=[[created["id"]]])

    # then after the last retry the order is flagged rather than left pending forever
    assert result.successful()
    assert len(nominatim.queries) == orders_geocode.max_retries + 1
    assert located(tenant_a, created["id"]) == (
        None,
        None,
        "needs_location",
        "The geocoder was unavailable; place the order on the map.",
    )


def test_the_timeout_is_honoured(tenant_a, nominatim):
    # given a geocoder slower than GEOCODER_TIMEOUT (1 s)
    nominatim.delay_seconds = 3
    created = create_order(tenant_a)

    # when the task runs
    started = time.monotonic()
    with tenant_a.use(), pytest.raises(GeocodingUnavailable):
        orders_geocode([created["id"]])
    elapsed = time.monotonic() - started

    # then it gave up after about a second, to be retried
    assert 1 <= elapsed < 2
    assert located(tenant_a, created["id"])[2] == "pending"


def test_lookups_are_cached_per_business(tenant_a, tenant_b, nominatim):
    # given an address A has looked up once
    first = create_order(tenant_a)
    with tenant_a.use():
        orders_geocode([first["id"]])

    # when A looks up the same address again (spelled differently) and B looks it up
    again = create_order(tenant_a, address="  prinsengracht 263, AMSTERDAM ")
    with tenant_a.use():
        orders_geocode([again["id"]])
    other = create_order(tenant_b)
    with tenant_b.use():
        orders_geocode([other["id"]])

    # then A's second lookup came from A's cache, while B asked the geocoder itself
    assert nominatim.queries == [ADDRESS, ADDRESS]
    assert located(tenant_a, again["id"])[:3] == (52.3752182, 4.8839799, "geocoded")
    assert located(tenant_b, other["id"])[:3] == (52.3752182, 4.8839799, "geocoded")


def test_running_the_task_twice_changes_nothing_more(tenant_a, nominatim):
    created = create_order(tenant_a)
    with tenant_a.use():
        orders_geocode([created["id"]])
        second = orders_geocode([created["id"]])
        events = OrderEvent.objects.filter(order_id=created["id"], kind="located").count()

    assert (second, events, len(nominatim.queries)) == (0, 1, 1)


def test_without_a_geocoder_an_order_needs_a_location(tenant_a, settings):
    # given no geocoder configured
    settings.GEOCODER = ""

    # when an order without coordinates is created
    created = create_order(tenant_a)

    # then it is flagged at once, saying why
    assert (created["location"], created["location_status"], created["location_note"]) == (
        None,
        "needs_location",
        "No coordinates given and no geocoder configured.",
    )


def test_a_geocoder_removed_before_the_task_runs_leaves_a_note(tenant_a, nominatim, settings):
    # given an order waiting for the geocoder, which is then switched off
    created = create_order(tenant_a)
    settings.GEOCODER = ""

    # when the task runs
    with tenant_a.use():
        orders_geocode([created["id"]])

    # then the order is flagged instead of retried for nothing
    assert nominatim.queries == []
    assert located(tenant_a, created["id"]) == (
        None,
        None,
        "needs_location",
        "No geocoder is configured; place the order on the map.",
    )


def test_coordinates_at_zero_zero_are_refused(tenant_a, nominatim):
    response = tenant_a.api().post(
        "/api/v1/orders/",
        data=json.dumps(
            {
                "recipient": {"name": "Ada"},
                "address": ADDRESS,
                "delivery_date": "2026-11-27",
                "location": {"lat": 0, "lng": 0},
            }
        ),
        content_type="application/json",
    )

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "location": ["(0, 0) is in the ocean, not a delivery address."]
    }
    with tenant_a.use():
        assert Order.objects.count() == 0
    assert nominatim.queries == []


def test_given_coordinates_are_never_geocoded(tenant_a, nominatim):
    created = create_order(tenant_a, location={"lat": 52.1, "lng": 4.3})

    with tenant_a.use():
        count = orders_geocode([created["id"]])

    assert (count, nominatim.queries) == (0, [])
    assert located(tenant_a, created["id"]) == (52.1, 4.3, "provided", "")
