"""A new business finds its places by address in real Chromium, against the local fake geocoder
(Photon's JSON, on a port of its own; the live server is pointed at it): the depot through the
suggestion box with the keyboard, an order through a suggestion whose pin is then dragged to
the right door, and an order whose address nobody knows by dropping the pin on the map. There
are no map tiles (tests never fetch them): the map is a plain grid and the pin still works.
Screenshots under test-artifacts/."""

import os

import pytest
from playwright.sync_api import expect

from delivery.models import Depot, Order
from tenants.models import Tenant
from tests.browser.dispatcher import local_only, sign_in
from tests.fixtures.browser import page_url
from tests.fixtures.geocoder import fake_geocoder_start
from tests.fixtures.live import _asgi_server_start, _stop

DAY = "2026-12-10"
WAIT_MS = 30_000


@pytest.fixture
def geocoding_server(django_db_setup, tmp_path, monkeypatch):
    """The live web server with its geocoder pointed at a local fake Photon."""
    fake, http = fake_geocoder_start()
    monkeypatch.setenv("TEST_GEOCODER", "photon")
    monkeypatch.setenv("GEOCODER_URL", fake.url)
    monkeypatch.setenv("GEOCODER_MIN_INTERVAL_SECONDS", "0.2")
    live = _asgi_server_start(tmp_path / "uvicorn.log")
    try:
        yield live, fake
    finally:
        _stop(live.process)
        http.shutdown()
        http.server_close()


def _coordinates(page, group: str) -> tuple[float, float]:
    lat = page.locator(f'input[data-place-lat="{group}"]').input_value()
    lng = page.locator(f'input[data-place-lng="{group}"]').input_value()
    return float(lat), float(lng)


def _drag(page, locator, dx: int, dy: int) -> None:
    box = locator.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + dx / 2, y + dy / 2, steps=5)
    page.mouse.move(x + dx, y + dy, steps=5)
    page.mouse.up()


def test_a_new_business_finds_its_depot_and_orders_by_address_and_corrects_a_pin(
    geocoding_server, committed_db, committed_tenant, browser_context, shoot
):
    server, fake = geocoding_server
    world = committed_tenant(f"bristol-{os.getpid()}")
    context = browser_context()
    context.set_default_timeout(WAIT_MS)
    refused = local_only(context, server, world.host)
    page = context.new_page()
    Tenant.objects.filter(pk=world.tenant.pk).update(country="GB")
    sign_in(page, server, world, role="owner", then="/settings/depots/new/")

    # before any depot the pin map opens on the business's country (Great Britain, zoom 6):
    # a click in its middle lands near the country's centre
    blank = page.locator("#place-depot-0-map")
    box = blank.bounding_box()
    blank.click(position={"x": box["width"] / 2, "y": box["height"] / 2})
    first = _coordinates(page, "depot")
    assert abs(first[0] - 54.4) < 0.1 and abs(first[1] + 2.9) < 0.1

    # the depot: typed, then chosen from the suggestions with the keyboard
    page.get_by_label("Name").fill("Bakehouse")
    address = page.get_by_role("combobox", name="Address")
    address.press_sequentially("Park Str", delay=40)
    option = page.get_by_role("option", name="41 Park Street, BS1 5NH Bristol, United Kingdom")
    expect(option).to_be_visible()
    shoot(page, "depot-suggestions")
    address.press("ArrowDown")
    expect(option).to_have_attribute("aria-selected", "true")
    address.press("Enter")
    expect(address).to_have_value("41 Park Street, BS1 5NH Bristol, United Kingdom")
    assert _coordinates(page, "depot") == (51.4543, -2.6021)
    expect(page.locator(".place-map.map-degraded .place-pin")).to_have_count(1)
    shoot(page, "depot-placed")
    page.get_by_role("button", name="Save depot").click()
    page.wait_for_url(page_url(server, world.host, "/settings/depots/"))
    with world.use():
        depot = Depot.objects.get()
    assert (depot.address, depot.lat, depot.lng) == (
        "41 Park Street, BS1 5NH Bristol, United Kingdom",
        51.4543,
        -2.6021,
    )

    # an order: a suggestion chosen with the mouse, then its pin dragged to the right door
    page.goto(page_url(server, world.host, "/orders/new/"))
    page.get_by_label("Recipient", exact=True).fill("Ada Baker")
    address = page.get_by_role("combobox", name="Address", exact=True)
    address.press_sequentially("Gloucester Road", delay=40)
    page.get_by_role("option", name="20 Gloucester Road, BS7 8AE Bristol, United Kingdom").click()
    assert _coordinates(page, "delivery") == (51.4691, -2.5907)
    pin = page.locator("#place-delivery-0-map .place-pin")
    shoot(page, "order-suggested")
    _drag(page, pin, 60, -40)
    moved = _coordinates(page, "delivery")
    assert moved != (51.4691, -2.5907)
    assert abs(moved[0] - 51.4691) < 0.01 and abs(moved[1] + 2.5907) < 0.01
    assert moved[0] > 51.4691 and moved[1] > -2.5907  # up and to the right: north-east
    expect(page.get_by_role("status").filter(has_text="Pin moved to")).to_be_visible()
    shoot(page, "order-pin-dragged")
    page.get_by_label("Delivery date").fill(DAY)
    page.get_by_role("button", name="Create order").click()
    page.wait_for_url("**/orders/*-*/")

    # an order nobody's geocoder knows: the pin dropped on the map (it opens at the depot)
    page.goto(page_url(server, world.host, "/orders/new/"))
    page.get_by_label("Recipient", exact=True).fill("Bo Cooper")
    address = page.get_by_role("combobox", name="Address", exact=True)
    address.press_sequentially("Nowhere Lane 99", delay=40)
    expect(
        page.get_by_text("No place found; check the address or place the pin on the map.")
    ).to_be_visible()
    blank = page.locator("#place-delivery-0-map")
    box = blank.bounding_box()
    blank.click(position={"x": box["width"] / 2 + 30, "y": box["height"] / 2 - 20})
    dropped = _coordinates(page, "delivery")
    assert abs(dropped[0] - 51.4543) < 0.05 and abs(dropped[1] + 2.6021) < 0.05
    shoot(page, "order-pin-dropped")
    page.get_by_label("Delivery date").fill(DAY)
    page.get_by_role("button", name="Create order").click()
    page.wait_for_url("**/orders/*-*/")

    with world.use():
        orders = {
            order.recipient_name: (order.lat, order.lng, order.location_status)
            for order in Order.objects.all()
        }
    assert orders == {
        "Ada Baker": (moved[0], moved[1], "provided"),
        "Bo Cooper": (dropped[0], dropped[1], "provided"),
    }
    # the geocoder was asked as the user typed (debounced), and nothing left our machine
    assert "Park Str" in fake.queries and "Nowhere Lane 99" in fake.queries
    assert len(fake.queries) < 12
    assert refused == []
