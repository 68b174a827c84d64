"""The Plan page end to end in Chromium: a dispatcher plans a day on the live server (the job runs
on the real Celery worker, progress comes over /ws/dispatch/), sees the routes on the map and in
the lists, drags a stop to the other route and sees the recomputed times and the broken
capacity, then dispatches every route."""

import re
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone
from playwright.sync_api import expect

from delivery.models import Order, OrderStatus
from delivery.tests.factories import make_depot, make_driver, make_order, make_vehicle
from routing.models import OptimizationJob, Route, Stop
from routing.selectors import WEEKDAYS
from routing.tests.days import DAY, DEPOT, NORTH, SOUTH, TZ, WINDOWS, window
from tenants.models import Tenant
from tests.browser.dispatcher import local_only, sign_in

PLAN_SECONDS = 60_000  # ms: the worker solves for up to 5 s; the first run also imports VROOM


def planning_world(world):
    """Two drivers (Anna, Bert) on shift on DAY with a van of 4 items each; ten orders of one
    item: four north, four south and two near the depot; two of the ten cannot fit."""
    with world.use():
        depot = make_depot(lat=DEPOT[0], lng=DEPOT[1])
        drivers = []
        for name in ("Anna Noord", "Bert Zuid"):
            van = make_vehicle(
                name=f"Van {name[0]}", capacity_weight_kg=500, capacity_items=4, depot=depot
            )
            driver = make_driver(
                email=f"{name.split()[0].lower()}@example.test",
                shifts={"wed": {"start": "08:00", "end": "17:00"}},
                default_vehicle=van,
                depot=depot,
            )
            driver.user.full_name = name
            driver.user.save(update_fields=["full_name"])
            drivers.append(driver)
        for side, places in (("N", NORTH), ("S", SOUTH)):
            for number, place in enumerate(places, start=1):
                make_order(
                    external_id=f"{side}-{number}",
                    delivery_date=DAY,
                    location=place,
                    time_windows=[window(*WINDOWS[number - 1])],
                    weight_kg=10,
                    items=1,
                )
        for number in (1, 2):
            make_order(
                external_id=f"X-{number}",
                delivery_date=DAY,
                location=(52.3738 + 0.002 * number, 4.90),
                weight_kg=10,
                items=1,
            )
    return drivers


def arrival_times(route) -> list[str]:
    return route.locator("time[data-arrival]").all_inner_texts()


def stored_arrivals(world, route_id) -> list[str]:
    with world.use():
        return [
            stop.planned_arrival.astimezone(TZ).strftime("%H:%M")
            for stop in Stop.objects.filter(route_id=route_id).order_by("sequence")
        ]


def test_dispatcher_plans_edits_and_dispatches_a_day(
    asgi_server,
    celery_worker,
    committed_tenant,
    committed_db,
    browser_context,
    shoot,
):
    # given
    world = committed_tenant("planpage")
    planning_world(world)
    # Tall enough that both routes' lists are in view: a native drag does not scroll the page.
    context = browser_context(viewport={"width": 1366, "height": 2200})
    refused = local_only(context, asgi_server, world.host)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, asgi_server, world, then=f"/plan/?date={DAY.isoformat()}")
    expect(page.get_by_role("heading", name="Plan deliveries")).to_be_visible()
    drivers = page.locator('#plan-driver-list input[name="drivers"]')
    expect(drivers).to_have_count(2)
    assert [drivers.nth(i).is_checked() for i in range(2)] == [True, True]
    expect(page.locator("#routes-summary")).to_have_text("No routes for this day yet.")
    expect(page.locator("#unassigned-list li")).to_have_count(10)
    shoot(page, "before-planning")

    # when: Plan
    page.get_by_role("button", name="Plan", exact=True).click()

    # then: progress, then the routes
    expect(page.locator("#plan-progress")).to_be_visible()
    expect(page.get_by_role("button", name="Plan", exact=True)).to_be_disabled()
    expect(page.locator("#plan-progress")).to_have_attribute(
        "data-status", "succeeded", timeout=PLAN_SECONDS
    )
    expect(page.locator("#plan-progress-bar")).to_have_attribute("value", "100")
    routes = page.locator("article.route")
    expect(routes).to_have_count(2)
    expect(page.locator("#plan-message")).to_have_text(
        "Planned 2 routes; 2 orders could not be placed (see below)."
    )
    expect(page.locator("#plan-map .stop-marker")).to_have_count(8)
    expect(page.locator("#plan-map .depot-marker")).to_have_count(1)
    expect(page.locator("#plan-map path.route-line")).to_have_count(2)
    expect(routes.nth(0).locator("h3")).to_have_text("Anna Noord")
    expect(routes.nth(1).locator("h3")).to_have_text("Bert Zuid")
    for index in range(2):
        expect(routes.nth(index).locator("li.stop")).to_have_count(4)
        expect(routes.nth(index).locator(".route-head .badge")).to_have_text("planned")
    unassigned = page.locator("#unassigned-list li")
    expect(unassigned).to_have_count(2)
    with world.use():
        job = OptimizationJob.objects.get()
        planned = {
            route.driver.user.full_name: route
            for route in Route.objects.select_related("driver__user")
        }
        assert job.status == "succeeded"
        reasons = {item["label"]: item["reason"] for item in job.unassigned}
    assert len(reasons) == 2  # ten items, two vans of four: the solver chooses which two
    for label, reason in reasons.items():
        expect(unassigned.filter(has_text=label).locator(".reason")).to_have_text(reason)
    anna, bert = planned["Anna Noord"], planned["Bert Zuid"]
    assert arrival_times(routes.nth(0)) == stored_arrivals(world, anna.pk)
    assert arrival_times(routes.nth(1)) == stored_arrivals(world, bert.pk)
    assert page.locator("#plan-map.map-degraded").count() == 1  # tiles refused: plain map
    shoot(page, "planned")

    # when: drag Anna's first stop onto Bert's first stop
    moved = routes.nth(0).locator("li.stop").nth(0)
    moved_id = moved.get_attribute("data-stop-id")
    bert_before = arrival_times(routes.nth(1))
    moved.drag_to(
        routes.nth(1).locator("li.stop").nth(0),
        source_position={"x": 14, "y": 14},
        target_position={"x": 14, "y": 4},
    )

    # then: Bert's route has it first, times are recomputed, the fifth item breaks capacity
    expect(routes.nth(1).locator("li.stop")).to_have_count(5)
    expect(routes.nth(0).locator("li.stop")).to_have_count(3)
    expect(routes.nth(1).locator("li.stop").nth(0)).to_have_attribute("data-stop-id", moved_id)
    expect(routes.nth(1).locator(".violations")).to_contain_text(
        "5 items on board exceeds the vehicle's 4 items"
    )
    assert arrival_times(routes.nth(1)) == stored_arrivals(world, bert.pk)
    assert arrival_times(routes.nth(1))[1:] != bert_before
    assert arrival_times(routes.nth(0)) == stored_arrivals(world, anna.pk)
    with world.use():
        bert.refresh_from_db()
        assert Stop.objects.get(pk=moved_id).route_id == bert.pk
        assert [v["kind"] for v in bert.violations].count("over_capacity") >= 1
    expect(page.locator("#plan-map .stop-marker")).to_have_count(8)
    shoot(page, "stop-moved")

    # when: the keyboard way moves it back (the route select of the first stop)
    first = routes.nth(1).locator("li.stop").nth(0)
    first.locator("select[data-move-to]").select_option(label="Anna Noord")

    # then
    expect(routes.nth(1).locator("li.stop")).to_have_count(4)
    expect(routes.nth(0).locator("li.stop").last).to_have_attribute("data-stop-id", moved_id)
    expect(routes.nth(1).locator(".violations")).to_have_count(0)

    # when: the ↑ button, by keyboard, moves it one place up
    routes.nth(0).get_by_role("button", name=re.compile(r" up$")).last.focus()
    page.keyboard.press("Enter")

    # then: it is third of four, and the focus stayed on its ↑ button
    expect(routes.nth(0).locator("li.stop").nth(2)).to_have_attribute("data-stop-id", moved_id)
    expect(page.locator(f'li[data-stop-id="{moved_id}"] [data-move="up"]')).to_be_focused()
    assert arrival_times(routes.nth(0)) == stored_arrivals(world, anna.pk)

    # when: dispatch all planned routes
    page.get_by_role("button", name="Dispatch all planned routes").click()

    # then
    expect(page.locator("#plan-message")).to_have_text("Dispatched 2 routes to the drivers.")
    expect(page.locator("article.route .route-head .badge")).to_have_text(
        ["dispatched", "dispatched"]
    )
    expect(page.get_by_role("button", name="Dispatch all planned routes")).to_be_hidden()
    with world.use():
        assert sorted(Route.objects.values_list("status", flat=True)) == [
            "dispatched",
            "dispatched",
        ]
    shoot(page, "dispatched")
    assert all(not url.startswith(f"http://{world.host}") for url in refused)
    assert errors == []


def test_a_bad_date_shows_the_reason_in_the_page(asgi_server, committed_tenant, browser_context):
    world = committed_tenant("plandate")
    context = browser_context()
    local_only(context, asgi_server, world.host)
    page = context.new_page()
    sign_in(page, asgi_server, world, then="/plan/?date=2026-02-30")

    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("“2026-02-30” is not a date: use YYYY-MM-DD")
    expect(page.get_by_label("Delivery date")).to_have_attribute("aria-invalid", "true")
    assert re.search(r"/plan/\?date=2026-02-30$", page.url)


def late_morning_zone() -> ZoneInfo:
    """A time zone where it is about 11:00 now: a day under way with its afternoon still ahead,
    whenever the test runs (in Amsterdam at 23:50 no urgent order fits before the shifts end)."""
    hours_ahead_of_utc = 11 - timezone.now().astimezone(UTC).hour  # -12 … +11
    # Etc/GMT-N is N hours ahead of UTC (POSIX signs).
    return ZoneInfo(f"Etc/GMT{-hours_ahead_of_utc:+d}") if hours_ahead_of_utc else ZoneInfo("UTC")


def started_day(world):
    """Today, late morning in the business's zone: Anna is out with three stops (the first
    delivered), Bert has no route yet, and an urgent order came in."""
    zone = late_morning_zone()
    Tenant.objects.filter(pk=world.tenant.pk).update(time_zone=zone.key)
    today = timezone.now().astimezone(zone).date()
    weekday = WEEKDAYS[today.weekday()]
    start = datetime.combine(today, time(0, 30), tzinfo=zone)
    with world.use():
        depot = make_depot(lat=DEPOT[0], lng=DEPOT[1])
        drivers = []
        for name in ("Anna Noord", "Bert Zuid"):
            van = make_vehicle(name=f"Van {name[0]}", capacity_items=10, depot=depot)
            driver = make_driver(
                email=f"{name.split()[0].lower()}@example.test",
                shifts={weekday: {"start": "00:00", "end": "23:59"}},
                default_vehicle=van,
                depot=depot,
            )
            driver.user.full_name = name
            driver.user.save(update_fields=["full_name"])
            drivers.append(driver)
        anna = drivers[0]
        route = Route.objects.create(
            delivery_date=today,
            driver=anna,
            vehicle=anna.default_vehicle,
            status=Route.Status.STARTED,
            start_lat=DEPOT[0],
            start_lng=DEPOT[1],
            planned_start=start,
            planned_end=start + timedelta(hours=2),
            dispatched_at=timezone.now(),
            started_at=timezone.now(),
        )
        stops = []
        for sequence, place in enumerate(NORTH[:3], start=1):
            order = make_order(
                external_id=f"N-{sequence}", delivery_date=today, location=place, items=1
            )
            arrival = start + timedelta(minutes=20 * sequence)
            stops.append(
                Stop.objects.create(
                    route=route,
                    order=order,
                    sequence=sequence,
                    planned_arrival=arrival,
                    planned_departure=arrival + timedelta(minutes=5),
                    load_after={"items": 3 - sequence},
                    locked=sequence == 1,
                )
            )
            status = OrderStatus.DELIVERED if sequence == 1 else OrderStatus.OUT_FOR_DELIVERY
            Order.objects.filter(pk=order.pk).update(
                status=status, driver=anna, route_id=route.pk, sequence=sequence
            )
        urgent = make_order(external_id="URGENT", delivery_date=today, location=SOUTH[0], items=1)
    return today, route, stops, urgent


def test_a_day_under_way_is_replanned_mid_day(
    asgi_server,
    celery_worker,
    committed_tenant,
    committed_db,
    browser_context,
    shoot,
):
    # given
    world = committed_tenant("replanpage")
    today, route, stops, urgent = started_day(world)
    context = browser_context(viewport={"width": 1366, "height": 1600})
    local_only(context, asgi_server, world.host)
    page = context.new_page()
    sign_in(page, asgi_server, world, then="/plan/")
    expect(page.get_by_label("Re-plan mid-day, including routes under way")).to_be_checked()
    expect(page.locator("#unassigned-list li")).to_have_text(
        [re.compile(r"^Ada Recipient URGENT ")]
    )
    expect(page.locator(f'article[data-route-id="{route.pk}"] .route-head .badge')).to_have_text(
        "started"
    )

    # when
    page.get_by_role("button", name="Plan", exact=True).click()

    # then
    expect(page.locator("#plan-progress")).to_have_attribute(
        "data-status", "succeeded", timeout=PLAN_SECONDS
    )
    expect(page.locator("#unassigned-list li")).to_have_text(
        ["Every order of the day is on a route."]
    )
    anna = page.locator(f'article[data-route-id="{route.pk}"]')
    expect(anna.locator(".route-head .badge")).to_have_text("started")
    with world.use():
        job = OptimizationJob.objects.get()
        assert (job.status, job.params["mode"]) == ("succeeded", "replan")
        kept = list(Stop.objects.filter(route=route).order_by("sequence"))
        urgent_stop = Stop.objects.get(order=urgent)
    # the delivered and the current stop stay first; the van keeps its remaining stop
    assert [s.pk for s in kept[:2]] == [stops[0].pk, stops[1].pk]
    assert stops[2].order_id in {s.order_id for s in kept}
    expect(anna.locator("li.stop")).to_have_count(len(kept))
    expect(anna.locator(f'li[data-stop-id="{stops[0].pk}"] .stop-status')).to_have_text("delivered")
    expect(anna.locator(f'li[data-stop-id="{stops[1].pk}"] .stop-status')).to_have_text("on board")
    expect(page.locator(f'li.stop[data-stop-id="{urgent_stop.pk}"]')).to_be_visible()
    # locked stops of a route under way offer no move controls
    expect(anna.locator(f'li[data-stop-id="{stops[0].pk}"] button')).to_have_count(0)
    shoot(page, "replanned")

    # and on a phone the page stacks map and lists without sideways scrolling
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shoot(page, "phone")
