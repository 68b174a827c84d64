"""The driver's phone in real Chromium: sign in on a phone-sized screen, start the route, lose the
network, deliver a stop with a photo and a finger signature, reload in the dead spot, and see the
outbox drain in order once the network is back."""

import json
import struct
import time as clock
import zlib
from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.db import connections
from django.utils import timezone
from playwright.sync_api import expect
from websockets.sync.client import connect

from delivery.models import Order, ProofFile
from delivery.services import driver_save
from routing.models import Route
from routing.tests.driver_routes import pickup_route_for_day, route_for_day
from tenants.accounts.models import Role
from tenants.selectors import tenant_time_zone
from tests.browser.dispatcher import sign_in, sign_in_form_submit
from tests.fixtures.browser import off_loop, page_url
from tests.realtime import session_cookie
from tracking.models import Position

pytestmark = pytest.mark.browser

DRAIN_TIMEOUT_MS = 30_000


@pytest.fixture(autouse=True)
def _connections_closed():
    """The test's own ORM queries run between Playwright's calls, which switch greenlets: close
    the connections they opened, or dropping the test database finds them still there."""
    yield
    connections.close_all()


@contextmanager
def database(world):
    """The test's own queries in `world`'s schema, on a connection closed right after: made
    between Playwright's calls (which switch greenlets), it would otherwise outlive the test."""
    try:
        with world.use():
            yield
    finally:
        connections.close_all()


def png(width: int = 24, height: int = 16) -> bytes:
    """A small real PNG (an orange rectangle), made without an imaging library."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + b"\xff\x88\x00" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def wait_for(condition, timeout_s: float = 20.0):
    deadline = clock.monotonic() + timeout_s
    while True:
        value = condition()
        if value or clock.monotonic() > deadline:
            return value
        clock.sleep(0.2)


def driver_with_route(world):
    def make():
        with world.use():
            driver = driver_save(driver=None, fields={}, user=world.users[Role.DRIVER])
            today = timezone.localdate(timezone.now(), tenant_time_zone())
            route = route_for_day(driver, day=today, tz=tenant_time_zone(), count=2)
            # Windows open since an hour ago, whatever the time of the run: delivering now is
            # not early, so no question comes first (test_driver_early.py asks it).
            opened = timezone.now() - timedelta(hours=1)
            windows = [
                {"start": opened.isoformat(), "end": (opened + timedelta(hours=4)).isoformat()}
            ]
            Order.objects.filter(route_id=route.pk).update(time_windows=windows)
            return route, list(Order.objects.filter(route_id=route.pk).order_by("sequence"))

    return off_loop(make)


def route_started_from_phone(page, world, route):
    page.get_by_role("button", name="Start route").click()
    expect(page.get_by_role("button", name="Start route")).to_be_hidden()  # optimistic
    # (Playwright hands over events only while it is called: wait through it, not time.sleep)
    for _ in range(100):
        with database(world):
            if Route.objects.get(pk=route.pk).status == "started":
                break
        page.wait_for_timeout(200)
    expect(page.locator("#waiting")).to_be_hidden(timeout=DRAIN_TIMEOUT_MS)
    with database(world):
        assert Route.objects.get(pk=route.pk).status == "started"


def phone_signed_in(browser_context, asgi_server, world):
    context = browser_context(phone=True)
    # The map background is the only outside request a page makes: here it simply fails.
    context.route("https://tile.openstreetmap.org/**", lambda route: route.abort())
    page = context.new_page()
    sign_in_form_submit(page, asgi_server, world, Role.DRIVER)
    page.wait_for_url(page_url(asgi_server, world.host, "/driver/"))
    # The service worker has cached the page, its data and its files, and controls the page
    # (`ready` resolves once it is active; it claims the page a moment later, in `activate`).
    page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    return context, page


def deliver_first_stop_offline(page, context, world, route, orders, shoot):
    # start the route while online
    expect(page.get_by_role("button", name="Start route")).to_be_visible()
    shoot(page, "route-dispatched")
    route_started_from_phone(page, world, route)

    # the van enters a dead spot
    context.set_offline(True)
    expect(page.locator("#network")).to_have_text("Offline")
    card = page.get_by_role("region", name="Current stop")
    expect(card).to_contain_text("Time window")
    expect(card).to_contain_text("Ring twice at door 1")
    expect(page.get_by_role("link", name="Call")).to_have_attribute("href", "tel:+31612345671")
    expect(page.get_by_role("link", name="SMS")).to_have_attribute("href", "sms:+31612345671")
    first = orders[0]
    expect(page.get_by_role("link", name="Waze")).to_have_attribute(
        "href", f"https://waze.com/ul?ll={first.lat}%2C{first.lng}&navigate=yes"
    )
    page.get_by_role("button", name="Delivered", exact=True).click()

    # a photo from the camera, a finger signature, the recipient's name
    page.get_by_label("Photo").set_input_files(
        files=[{"name": "doorstep.png", "mimeType": "image/png", "buffer": png()}]
    )
    expect(page.locator(".previews img")).to_have_count(1)
    box = page.locator("#signature").bounding_box()
    page.mouse.move(box["x"] + 20, box["y"] + 120)
    page.mouse.down()
    for step in range(1, 12):
        page.mouse.move(box["x"] + 20 + step * 25, box["y"] + 120 - (step % 3) * 30, steps=3)
    page.mouse.up()
    page.get_by_label("Recipient name").fill("Ada at the door")
    shoot(page, "proof-filled-offline")
    page.get_by_role("button", name="Confirm delivery").click()

    # then the actions wait on the phone and the next stop is shown (the proof's photo and
    # signature are encoded and stored in IndexedDB first: seconds on a loaded machine)
    expect(page.locator("#waiting")).to_have_text("2 actions waiting", timeout=20_000)
    expect(page.get_by_role("heading", name="Recipient 2")).to_be_visible(timeout=20_000)
    shoot(page, "offline-two-actions-waiting")
    with database(world):
        assert Order.objects.get(pk=first.pk).status == "out_for_delivery"
        assert ProofFile.objects.filter(order=first).count() == 0

    # a reload in the dead spot still shows the route, with the waiting actions
    page.reload()
    expect(page.locator("#network")).to_have_text("Offline")
    expect(page.locator("#waiting")).to_have_text("2 actions waiting")
    expect(page.get_by_role("heading", name="Recipient 2")).to_be_visible()
    page.get_by_role("button", name="List").click()
    expect(page.locator(".stops li")).to_have_count(2)
    expect(page.locator(".stops li").first).to_contain_text("Delivered")
    shoot(page, "offline-reloaded-list")
    # the map degrades without its background: the numbered stops are still there
    page.get_by_role("button", name="Map").click()
    expect(page.locator(".leaflet-marker-icon.pin")).to_have_count(2)
    expect(page.locator(".leaflet-marker-icon.pin.status-delivered")).to_have_text("1")
    shoot(page, "offline-map")
    page.get_by_role("button", name="Stop").click()

    # back online: the outbox drains in order
    context.set_offline(False)
    expect(page.locator("#waiting")).to_be_hidden(timeout=DRAIN_TIMEOUT_MS)
    expect(page.locator("#network")).to_have_text("Online")
    shoot(page, "online-drained")
    return first


def test_a_driver_delivers_a_stop_offline_and_the_outbox_drains_online(
    asgi_server, committed_tenant, committed_db, browser_context, shoot
):
    # given a driver with a dispatched route of two stops today
    world = committed_tenant("drive-offline")
    route, orders = driver_with_route(world)
    context, page = phone_signed_in(browser_context, asgi_server, world)
    assert page.evaluate("() => navigator.serviceWorker.controller !== null")

    # when they deliver the first stop in a dead spot and come back online
    first = deliver_first_stop_offline(page, context, world, route, orders, shoot)

    # then the order is delivered with its photo and signature, exactly once
    with database(world):
        order = Order.objects.get(pk=first.pk)
        assert order.status == "delivered"
        proofs = list(ProofFile.objects.filter(order=order).order_by("kind"))
        assert [(p.kind, p.content_type, p.recipient_name) for p in proofs] == [
            ("photo", "image/png", "Ada at the door"),
            ("signature", "image/png", "Ada at the door"),
        ]
        assert proofs[0].size_bytes == len(png())
        attempt = order.attempts.get()
        assert {p.attempt_id for p in proofs} == {attempt.pk}
        assert Order.objects.get(pk=orders[1].pk).status == "out_for_delivery"
        delivered_events = order.events.filter(to_status="delivered")
        assert [(e.actor_user_id, e.reason) for e in delivered_events] == [
            (world.users[Role.DRIVER].pk, "")
        ]


def test_a_conflict_is_shown_to_the_driver_not_dropped(
    asgi_server, committed_tenant, committed_db, browser_context, shoot
):
    # given a started route, and a phone that goes offline
    world = committed_tenant("drive-conflict")
    route, orders = driver_with_route(world)
    context, page = phone_signed_in(browser_context, asgi_server, world)
    route_started_from_phone(page, world, route)
    context.set_offline(True)
    expect(page.locator("#network")).to_have_text("Offline")

    # when the driver fails the first stop offline, while the dispatcher marks it delivered
    page.get_by_role("button", name="Not delivered").click()
    page.get_by_label("Recipient not home").check()
    page.get_by_label("Note").fill("Nobody answered")
    page.get_by_role("button", name="Confirm not delivered").click()
    expect(page.locator("#waiting")).to_have_text("1 action waiting")

    def dispatcher_delivers():
        from delivery.services import order_transition
        from delivery.tests.factories import TEST_ACTOR

        with world.use():
            order_transition(order_id=orders[0].pk, to="delivered", actor=TEST_ACTOR)

    off_loop(dispatcher_delivers)
    context.set_offline(False)

    # then the refusal is on the screen, and the stop shows the truth
    problems = page.get_by_role("alert")
    expect(problems.first).to_contain_text("Not delivered to Recipient 1", timeout=DRAIN_TIMEOUT_MS)
    expect(page.locator("#waiting")).to_be_hidden()
    shoot(page, "conflict-shown")
    with database(world):
        assert Order.objects.get(pk=orders[0].pk).status == "delivered"
    page.get_by_role("button", name="OK").click()
    expect(page.locator(".problem")).to_have_count(0)


def test_the_dispatcher_hears_the_offline_delivery_when_the_phone_is_back(
    asgi_server, committed_tenant, committed_db, browser_context, shoot
):
    world = committed_tenant("drive-live")
    route, orders = driver_with_route(world)
    cookie = session_cookie(world, Role.DISPATCHER)
    connections.close_all()
    with connect(
        f"ws://{world.host}:{asgi_server.port}/ws/dispatch/",
        address=("127.0.0.1", asgi_server.port),
        proxy=None,
        additional_headers={"Cookie": cookie},
        open_timeout=10,
        close_timeout=5,
    ) as dispatcher:
        assert json.loads(dispatcher.recv(timeout=10))["type"] == "hello"
        # the dispatcher's Live page, open on a laptop
        desk = browser_context(viewport={"width": 1280, "height": 900}).new_page()
        sign_in(desk, asgi_server, world, role=Role.DISPATCHER, then="/live/")
        progress = desk.locator(f'article[data-route-id="{route.pk}"] [data-progress]')
        expect(progress).to_have_text("0 / 2 stops done")
        context, page = phone_signed_in(browser_context, asgi_server, world)
        first = deliver_first_stop_offline(page, context, world, route, orders, shoot)
        # the phone is back online: the dispatcher's page follows without a reload
        expect(progress).to_have_text("1 / 2 stops done", timeout=DRAIN_TIMEOUT_MS)
        shoot(desk, "dispatcher-live-updated")

        def delivered_message():
            while True:
                try:
                    message = json.loads(dispatcher.recv(timeout=1))
                except TimeoutError:
                    return None
                if (
                    message["type"] == "order.updated"
                    and message["data"]["id"] == str(first.pk)
                    and message["data"]["status"] == "delivered"
                ):
                    return message

        message = wait_for(delivered_message, timeout_s=15)
    assert message is not None, "no order.updated for the delivered order"
    assert message["data"]["route"] == str(route.pk)


LOSE_FIRST_ANSWERS = """
(() => {
  // A dead spot that swallows the answer: the request reaches the server, the reply is lost.
  const realFetch = window.fetch.bind(window);
  const lost = new Set();
  window.__answers = [];
  window.fetch = async (url, options) => {
    const response = await realFetch(url, options);
    const path = String(url);
    if (options && options.method === "POST" && /\\/(proofs|transition)$/.test(path)) {
      if (!lost.has(path)) {
        lost.add(path);
        throw new TypeError("the answer was lost");
      }
      window.__answers.push([path, response.status, response.headers.get("Idempotent-Replayed")]);
    }
    return response;
  };
})();
"""


def test_a_retry_after_a_lost_answer_never_doubles_an_action(
    asgi_server, committed_tenant, committed_db, browser_context, shoot
):
    # given a started route on a phone whose first answers to the proof upload and to the
    # delivered transition are lost on the way back
    world = committed_tenant("drive-retry")
    route, orders = driver_with_route(world)
    context, page = phone_signed_in(browser_context, asgi_server, world)
    page.add_init_script(LOSE_FIRST_ANSWERS)
    page.reload()
    route_started_from_phone(page, world, route)

    # when the driver delivers with a photo and a signature
    page.get_by_role("button", name="Delivered", exact=True).click()
    page.get_by_label("Photo").set_input_files(
        files=[{"name": "doorstep.png", "mimeType": "image/png", "buffer": png()}]
    )
    box = page.locator("#signature").bounding_box()
    page.mouse.move(box["x"] + 30, box["y"] + 100)
    page.mouse.down()
    page.mouse.move(box["x"] + 200, box["y"] + 60, steps=8)
    page.mouse.up()
    page.get_by_role("button", name="Confirm delivery").click()
    expect(page.get_by_role("heading", name="Recipient 2")).to_be_visible()

    # then each action is retried with its key and the server replays its first answer
    expect(page.locator("#waiting")).to_be_hidden(timeout=DRAIN_TIMEOUT_MS)
    first = orders[0]
    assert page.evaluate("window.__answers") == [
        [f"/api/v1/orders/{first.pk}/proofs", 201, "true"],
        [f"/api/v1/orders/{first.pk}/transition", 200, "true"],
    ]
    shoot(page, "retried")
    with database(world):
        order = Order.objects.get(pk=first.pk)
        assert order.status == "delivered"
        assert sorted(ProofFile.objects.filter(order=order).values_list("kind", flat=True)) == [
            "photo",
            "signature",
        ]
        assert order.events.filter(to_status="delivered").count() == 1
        assert order.attempts.count() == 1


def test_positions_taken_in_a_dead_spot_wait_in_the_outbox_and_go_out_in_a_batch(
    asgi_server, committed_tenant, committed_db, browser_context, shoot
):
    # given a phone allowed to share its location, on a started route
    world = committed_tenant("drive-gps")
    route, orders = driver_with_route(world)
    context, page = phone_signed_in(browser_context, asgi_server, world)
    context.grant_permissions(["geolocation"])
    batches = []
    context.on(
        "requestfinished",  # sent and answered, whatever the answer
        lambda request: (
            batches.append((request.headers.get("idempotency-key"), request.post_data_json))
            if request.url.endswith("/api/v1/positions")
            else None
        ),
    )
    route_started_from_phone(page, world, route)

    # when a position is taken in a dead spot
    context.set_offline(True)
    expect(page.locator("#network")).to_have_text("Offline")
    context.set_geolocation({"latitude": 52.3702, "longitude": 4.8952, "accuracy": 12})

    # then it waits on the phone, and goes to POST /api/v1/positions once back online
    expect(page.locator("#waiting")).to_have_text("1 position waiting")
    shoot(page, "position-waiting")
    assert batches == []
    context.set_offline(False)
    # (Playwright hands over events only while it is called: wait through it, not time.sleep)
    for _ in range(75):
        if batches:
            break
        page.wait_for_timeout(200)
    key, body = batches[0]
    assert len(key) == 36
    [position] = body["positions"]
    recorded_at = position.pop("recorded_at")
    assert recorded_at.endswith("Z")
    assert position == {
        "lat": 52.3702,
        "lng": 4.8952,
        "accuracy": 12,
        "heading": None,
        "speed": None,
    }


def test_a_driver_collects_a_pickup_then_delivers_it(
    asgi_server, committed_tenant, committed_db, browser_context, shoot
):
    # given a route whose order is collected at a shop first
    world = committed_tenant("drive-pickup")

    def make():
        with world.use():
            driver = driver_save(driver=None, fields={}, user=world.users[Role.DRIVER])
            today = timezone.localdate(timezone.now(), tenant_time_zone())
            route = pickup_route_for_day(driver, day=today, tz=tenant_time_zone())
            return route, route.stops.get(kind="pickup")

    route, pickup = off_loop(make)
    context, page = phone_signed_in(browser_context, asgi_server, world)
    route_started_from_phone(page, world, route)

    # when the driver confirms the pickup
    card = page.get_by_role("region", name="Current stop")
    expect(card.get_by_role("heading", name="Pickup")).to_be_visible()
    expect(card).to_contain_text("Flower market, Singel 630, Amsterdam")
    expect(page.get_by_role("link", name="Waze")).to_have_attribute(
        "href", "https://waze.com/ul?ll=52.3667%2C4.8913&navigate=yes"
    )
    shoot(page, "pickup")
    page.get_by_role("button", name="Picked up").click()

    # then the delivery of the same order is next, and the pickup is recorded
    expect(card.get_by_role("heading", name="Recipient 1")).to_be_visible()
    expect(page.locator("#waiting")).to_be_hidden(timeout=DRAIN_TIMEOUT_MS)
    shoot(page, "delivery-after-pickup")
    with database(world):
        pickup.refresh_from_db()
        assert pickup.picked_up_at is not None


def test_positions_go_live_over_the_driver_socket_and_are_stored(
    asgi_server, committed_tenant, committed_db, browser_context, shoot
):
    # given a phone allowed to share its location, on a started route, online
    world = committed_tenant("drive-live-gps")
    route, orders = driver_with_route(world)
    context, page = phone_signed_in(browser_context, asgi_server, world)
    context.grant_permissions(["geolocation"])
    route_started_from_phone(page, world, route)

    # when the phone reports where it is
    context.set_geolocation({"latitude": 52.3702, "longitude": 4.8952, "accuracy": 12})

    # then the position is stored for this driver (sent on /ws/driver/, not queued)
    def stored():
        with database(world):
            return list(Position.objects.values_list("driver_id", "lat", "lng", "accuracy"))

    rows = []
    for _ in range(75):  # Playwright hands over events only while it is called
        rows = stored()
        if rows:
            break
        page.wait_for_timeout(200)
    assert rows == [(route.driver_id, 52.3702, 4.8952, 12.0)]
    expect(page.locator("#waiting")).to_be_hidden()
    shoot(page, "position-live")


def test_a_long_unbroken_name_wraps_on_the_phone_instead_of_widening_the_page(
    asgi_server, committed_tenant, committed_db, browser_context, shoot
):
    # given a first stop whose recipient and address are long words without a space
    world = committed_tenant("drive-long-name")
    route, orders = driver_with_route(world)
    with database(world):
        Order.objects.filter(pk=orders[0].pk).update(
            recipient_name='=HYPERLINK("http://evil.example/' + "x" * 60 + '")',
            address="Flat-7-" + "Gloucester-Road-" * 4 + "Bristol",
        )

    # when the driver opens their route on a phone
    _, page = phone_signed_in(browser_context, asgi_server, world)
    expect(page.get_by_text("Stop 1 of 2")).to_be_visible()
    shoot(page, "driver-long-name")

    # then nothing sticks out, on the stop nor in the list: the page is as wide as the screen
    width = "() => [document.documentElement.scrollWidth, window.innerWidth]"
    assert page.evaluate(width) == [390, 390]
    page.get_by_role("button", name="List").click()
    expect(page.locator(".stops li")).to_have_count(2)
    shoot(page, "driver-long-name-list")
    assert page.evaluate(width) == [390, 390]
