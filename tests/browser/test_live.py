"""The Live page in Chromium: a driver's marker moves when `driver.position` reaches the tenant's
dispatch group, and a route's list is re-fetched on `route.updated` and on `resync`."""

import re
from datetime import datetime, time, timedelta

from django.utils import timezone
from playwright.sync_api import expect

from delivery.models import Order, OrderStatus
from delivery.tests.factories import make_depot, make_driver, make_order, make_vehicle
from routing.models import Route, Stop
from routing.realtime import dispatchers_notify
from routing.tests.days import DEPOT, TZ
from tenants.channel_layer import RESYNC
from tests.browser.dispatcher import local_only, sign_in
from tests.fixtures.browser import off_loop, page_url


def route_under_way(world, *, days_ago: int = 0):
    """Today (or `days_ago`): Anna's van is out with three stops, none done yet."""
    today = timezone.now().astimezone(TZ).date() - timedelta(days=days_ago)
    start = datetime.combine(today, time(8), tzinfo=TZ)
    with world.use():
        depot = make_depot(lat=DEPOT[0], lng=DEPOT[1])
        van = make_vehicle(name="Van A", capacity_items=10, depot=depot)
        driver = make_driver(
            email="anna@example.test",
            shifts={"mon": {"start": "08:00", "end": "17:00"}},
            default_vehicle=van,
            depot=depot,
        )
        driver.user.full_name = "Anna Noord"
        driver.user.save(update_fields=["full_name"])
        route = Route.objects.create(
            delivery_date=today,
            driver=driver,
            vehicle=van,
            status=Route.Status.STARTED,
            start_lat=DEPOT[0],
            start_lng=DEPOT[1],
            planned_start=start,
            planned_end=start + timedelta(hours=3),
            started_at=timezone.now(),
        )
        orders = []
        for sequence in (1, 2, 3):
            order = make_order(
                external_id=f"L-{sequence}",
                delivery_date=today,
                location=(52.38 + 0.01 * sequence, 4.89),
                items=1,
            )
            arrival = start + timedelta(minutes=30 * sequence)
            Stop.objects.create(
                route=route,
                order=order,
                sequence=sequence,
                planned_arrival=arrival,
                planned_departure=arrival + timedelta(minutes=5),
                load_after={"items": 3 - sequence},
            )
            Order.objects.filter(pk=order.pk).update(
                status=OrderStatus.OUT_FOR_DELIVERY,
                driver=driver,
                route_id=route.pk,
                sequence=sequence,
            )
            orders.append(order)
    return driver, route, orders


def notify(world, message: dict) -> None:
    off_loop(dispatchers_notify, tenant_id=world.tenant.pk, message=message)


def position(world, driver, route, lat: float, lng: float) -> None:
    notify(
        world,
        {
            "type": "driver.position",
            "data": {
                "driver": str(driver.pk),
                "route": str(route.pk),
                "lat": lat,
                "lng": lng,
                "accuracy": 8.0,
                "heading": 0.0,
                "speed": 9.5,
                "recorded_at": timezone.now().isoformat(),
            },
        },
    )


def marker_at(page, driver) -> list[float] | None:
    return page.evaluate("id => window.DeliveryLive.markerAt(id)", str(driver.pk))


def live_page_open(asgi_server, world, browser_context):
    """The Live page signed in on `world`, desktop sized, only our server reachable; with the
    list its script errors are collected in."""
    context = browser_context(viewport={"width": 1280, "height": 900})
    local_only(context, asgi_server, world.host)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, asgi_server, world, then="/live/")
    return page, errors


def first_stop_delivered(world, route, driver, orders):
    """The route's first stop is delivered and the route says so (as the phone's API call does)."""
    with world.use():
        Order.objects.filter(pk=orders[0].pk).update(status=OrderStatus.DELIVERED)
    notify(
        world,
        {
            "type": "route.updated",
            "data": {
                "id": str(route.pk),
                "status": "started",
                "driver": str(driver.pk),
                "delivery_date": route.delivery_date.isoformat(),
                "stops_done": 1,
                "stops_total": 3,
                "updated_at": timezone.now().isoformat(),
            },
        },
    )


def test_live_page_moves_drivers_and_refreshes_routes(
    asgi_server, committed_tenant, committed_db, browser_context, shoot
):
    # given
    world = committed_tenant("livepage")
    driver, route, orders = route_under_way(world)
    page, errors = live_page_open(asgi_server, world, browser_context)
    card = page.locator(f'article.route[data-route-id="{route.pk}"]')
    expect(card.locator("h3")).to_have_text("Anna Noord")
    expect(card.locator("[data-progress]")).to_have_text("0 / 3 stops done")
    expect(card.locator(".next-stops li")).to_have_count(3)
    expect(card.locator(".last-seen")).to_have_text("no position yet")
    expect(page.locator("#live-map .stop-marker")).to_have_count(3)
    expect(page.locator("#live-connection")).to_have_attribute("data-state", "open")
    assert marker_at(page, driver) is None
    shoot(page, "opened")

    # when: the driver's phone reports a position
    position(world, driver, route, 52.3801, 4.8902)

    # then: a marker appears there, labelled with how long ago it was seen
    expect(page.locator("#live-map .driver-marker")).to_have_count(1)
    page.wait_for_function(
        "id => { const at = window.DeliveryLive.markerAt(id); "
        "return at && at[0] === 52.3801 && at[1] === 4.8902; }",
        arg=str(driver.pk),
    )
    expect(card.locator(".last-seen")).to_have_text(re.compile(r"^last seen [0-9]+ s ago$"))

    # when: the next position
    position(world, driver, route, 52.3905, 4.8950)

    # then: the same marker glides there
    page.wait_for_function(
        "id => { const at = window.DeliveryLive.markerAt(id); "
        "return at && at[0] === 52.3905 && at[1] === 4.8950; }",
        arg=str(driver.pk),
    )
    expect(page.locator("#live-map .driver-marker")).to_have_count(1)
    expect(card.locator(".last-seen")).to_contain_text("last seen")
    shoot(page, "driver-moved")

    # when: the first stop is delivered and the route says so
    first_stop_delivered(world, route, driver, orders)

    # then: the route is re-fetched: one done, the next stops start at L-2
    expect(card.locator("[data-progress]")).to_have_text("1 / 3 stops done")
    expect(card.locator(".next-stops li")).to_have_count(2)
    expect(card.locator(".next-stops li").first).to_contain_text("L-2")
    expect(page.locator("#live-map .stop-marker.done")).to_have_count(1)
    shoot(page, "route-refreshed")

    # when: an arrival suggestion comes in
    notify(
        world,
        {
            "type": "stop.arrived",
            "data": {"driver": str(driver.pk), "route": str(route.pk), "order": str(orders[1].pk)},
        },
    )

    # then
    expect(page.locator("#arrival-list li")).to_have_text(
        ["Anna Noord seems to have arrived at stop 2 (L-2)"]
    )
    assert errors == []


def test_live_page_re_reads_its_routes_when_told_to_resync(
    asgi_server, committed_tenant, committed_db, browser_context, shoot
):
    # given the Live page open on a route under way
    world = committed_tenant("liveresync")
    driver, route, orders = route_under_way(world)
    page, errors = live_page_open(asgi_server, world, browser_context)
    card = page.locator(f'article.route[data-route-id="{route.pk}"]')
    expect(card.locator("[data-progress]")).to_have_text("0 / 3 stops done")
    expect(page.locator("#live-connection")).to_have_attribute("data-state", "open")

    # when a stop is delivered while the channel layer's Redis is away (its push is lost), and
    # the socket, back in its group, is told to resync (the message the layer sends)
    with world.use():
        Order.objects.filter(pk=orders[0].pk).update(status=OrderStatus.DELIVERED)
    notify(world, RESYNC["message"])

    # then the page re-reads its routes
    expect(card.locator("[data-progress]")).to_have_text("1 / 3 stops done")
    expect(card.locator(".next-stops li").first).to_contain_text("L-2")
    shoot(page, "resynced")
    assert errors == []


def test_live_page_keeps_yesterday_s_round_under_way_past_midnight_as_it_updates(
    asgi_server, committed_tenant, committed_db, browser_context, shoot
):
    # given Anna's round of yesterday, still under way after midnight
    world = committed_tenant("livemidnight")
    driver, route, orders = route_under_way(world, days_ago=1)
    page, errors = live_page_open(asgi_server, world, browser_context)
    card = page.locator(f'article.route[data-route-id="{route.pk}"]')
    expect(card.locator("[data-progress]")).to_have_text("0 / 3 stops done")
    expect(page.locator("#live-connection")).to_have_attribute("data-state", "open")

    # when she delivers a stop and the route says so
    first_stop_delivered(world, route, driver, orders)

    # then the re-read route stays on the page, one stop done
    expect(card.locator("[data-progress]")).to_have_text("1 / 3 stops done")
    expect(page.locator("article.route")).to_have_count(1)
    shoot(page, "yesterday-under-way")
    assert errors == []


def test_live_page_sends_drivers_to_their_own_page(asgi_server, committed_tenant, browser_context):
    world = committed_tenant("livedriver")
    context = browser_context(phone=True)
    local_only(context, asgi_server, world.host)
    page = context.new_page()

    sign_in(page, asgi_server, world, role="driver", then="/driver/")
    page.goto(page_url(asgi_server, world.host, "/live/"))

    assert page.url == page_url(asgi_server, world.host, "/driver/")


def test_a_burst_of_order_pushes_reads_the_route_once_or_twice_not_per_push(
    asgi_server, committed_tenant, committed_db, browser_context, shoot
):
    # given the Live page open on a route under way
    world = committed_tenant("liveburst")
    driver, route, orders = route_under_way(world)
    page, _errors = live_page_open(asgi_server, world, browser_context)
    card = page.locator(f'article.route[data-route-id="{route.pk}"]')
    expect(card.locator("[data-progress]")).to_have_text("0 / 3 stops done")
    expect(page.locator("#live-connection")).to_have_attribute("data-state", "open")
    reads: list[int] = []
    route_url = page_url(asgi_server, world.host, f"/api/v1/routes/{route.pk}")
    page.on(
        "response", lambda response: response.url == route_url and reads.append(response.status)
    )

    # when the first stop is delivered and every stop's ETA moves: 30 pushes in a burst (a
    # demo route of 26 stops sent 24 in a second and ran into the 20/s rate limit)
    with world.use():
        Order.objects.filter(pk=orders[0].pk).update(status=OrderStatus.DELIVERED)
    for number in range(30):
        order = orders[number % 3]
        notify(
            world,
            {
                "type": "order.updated",
                "data": {"id": str(order.pk), "status": "out_for_delivery", "route": str(route.pk)},
            },
        )

    # then the card shows the delivery, read once (or once more for pushes that came during
    # the first read: how many arrived meanwhile depends on timing), never refused
    expect(card.locator("[data-progress]")).to_have_text("1 / 3 stops done")
    page.wait_for_timeout(1000)  # any read the burst would still cause has started by now
    shoot(page, "after-burst")
    assert reads in ([200], [200, 200])


def test_live_page_never_leaves_an_eta_the_clock_passed(
    asgi_server, committed_tenant, committed_db, browser_context, shoot
):
    # given a route under way whose first stop is expected in two minutes (its live ETA)
    world = committed_tenant("liveeta")
    driver, route, orders = route_under_way(world)
    soon = timezone.now() + timedelta(minutes=2)
    with world.use():
        for number, stop in enumerate(route.stops.order_by("sequence")):
            Stop.objects.filter(pk=stop.pk).update(eta=soon + timedelta(minutes=30 * number))
    context = browser_context(viewport={"width": 1280, "height": 900})
    local_only(context, asgi_server, world.host)
    page = context.new_page()
    page.clock.install()  # the page's own clock, which the test moves on
    sign_in(page, asgi_server, world, then="/live/")
    first = page.locator(f'article.route[data-route-id="{route.pk}"] .next-stops li').first
    expect(first).to_contain_text("L-1")
    shown = first.locator(".eta time").inner_text()
    expect(first.locator("[data-running-late]")).to_have_count(0)

    # when the van falls behind and sends nothing: its ETA passes on the server and the page
    with world.use():
        Stop.objects.filter(route=route, sequence=1).update(
            eta=timezone.now() - timedelta(minutes=20)
        )
    page.clock.fast_forward("05:00")

    # then the page reads the route again: the stop is expected now, running late
    expect(first.locator("[data-running-late]")).to_have_text("running late")
    expect(first.locator(".eta time")).not_to_have_text(shown)
    shoot(page, "running-late")
