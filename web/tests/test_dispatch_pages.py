"""The Plan and Live pages (`/plan/`, `/live/`): who may open them, the first paint embedded as
JSON exactly as the API would answer, and `?date=` parsing."""

import json
from datetime import date, datetime, time, timedelta
from html import unescape

import pytest
from django.utils import timezone

from delivery.models import Order, OrderStatus
from delivery.tests.factories import make_depot, make_driver, make_order, make_vehicle
from routing.models import OptimizationJob, Route
from routing.selectors import WEEKDAYS
from routing.tests.test_api import add_stops, iso, job_json, route_json
from routing.tests.test_services import TZ, make_route
from tenants.accounts.models import Role
from tenants.models import Tenant

OPERATIONS = [Role.OWNER, Role.ADMIN, Role.DISPATCHER]


def embedded(response, element_id: str) -> dict:
    html = response.content.decode()
    start = html.index(f'<script id="{element_id}" type="application/json">')
    start = html.index(">", start) + 1
    end = html.index("</script>", start)
    return json.loads(unescape(html[start:end]))


def today() -> date:
    return timezone.now().astimezone(TZ).date()


def depot_json(depot) -> dict:
    return {
        "id": str(depot.pk),
        "name": depot.name,
        "address": depot.address,
        "location": {"lat": depot.lat, "lng": depot.lng},
        "opening_hours": depot.opening_hours,
        "is_active": True,
        "created_at": iso(depot.created_at),
        "updated_at": iso(depot.updated_at),
    }


def vehicle_json(vehicle) -> dict:
    return {
        "id": str(vehicle.pk),
        "name": vehicle.name,
        "capacity": {"weight_kg": "500.000", "volume_l": None, "items": 4},
        "skills": [],
        "profile": "van",
        "fuel": "diesel",
        "depot": str(vehicle.depot_id),
        "is_active": True,
        "created_at": iso(vehicle.created_at),
        "updated_at": iso(vehicle.updated_at),
    }


def driver_json(driver) -> dict:
    return {
        "id": str(driver.pk),
        "user": str(driver.user_id),
        "name": driver.user.full_name,
        "email": driver.user.email,
        "phone": "",
        "default_vehicle": str(driver.default_vehicle_id) if driver.default_vehicle_id else None,
        "depot": str(driver.depot_id) if driver.depot_id else None,
        "shifts": driver.shifts,
        "breaks": [],
        "max_stops": None,
        "max_drive_minutes": None,
        "skills": [],
        "start": None,
        "end": None,
        "open_route": False,
        "is_active": True,
        "created_at": iso(driver.created_at),
        "updated_at": iso(driver.updated_at),
    }


def fleet(day: date):
    """A depot, a van, a driver on shift on `day` with it and one off shift that day."""
    depot = make_depot()
    van = make_vehicle(name="Van 1", capacity_weight_kg=500, capacity_items=4, depot=depot)
    weekday = WEEKDAYS[day.weekday()]
    other = WEEKDAYS[(day.weekday() + 1) % 7]
    on = make_driver(
        email="anna@example.test",
        shifts={weekday: {"start": "08:00", "end": "17:00"}},
        default_vehicle=van,
        depot=depot,
    )
    on.user.full_name = "Anna"
    on.user.save(update_fields=["full_name"])
    off = make_driver(email="bert@example.test", shifts={other: {"start": "08:00", "end": "17:00"}})
    off.user.full_name = "Bert"
    off.user.save(update_fields=["full_name"])
    return depot, van, on, off


def routed(route: Route, count: int):
    """`count` stops on `route`, their orders assigned to it as the planner leaves them."""
    stops = add_stops(route, count)
    for stop in stops:
        Order.objects.filter(pk=stop.order_id).update(
            status=OrderStatus.ASSIGNED,
            driver=route.driver,
            route_id=route.pk,
            sequence=stop.sequence,
        )
    return stops


# --- who may open them -----------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/plan/", "/live/"])
def test_anonymous_visitors_are_sent_to_sign_in(tenant_a, path):
    response = tenant_a.anonymous().get(path)

    assert response.status_code == 302
    assert response["Location"] == f"/login/?next={path}"


@pytest.mark.parametrize("path", ["/plan/", "/live/"])
def test_drivers_are_sent_to_their_own_page(tenant_a, path):
    response = tenant_a.browser(Role.DRIVER).get(path)

    assert response.status_code == 302
    assert response["Location"] == "/driver/"


@pytest.mark.parametrize("role", OPERATIONS)
@pytest.mark.parametrize(("path", "script"), [("/plan/", "plan-data"), ("/live/", "live-data")])
def test_operations_roles_open_both_pages(tenant_a, role, path, script):
    module = script.removesuffix("-data") + ".js"  # it imports maps.js and socket.js itself

    response = tenant_a.browser(role).get(path)

    assert response.status_code == 200
    assert embedded(response, script)["date"] == today().isoformat()
    html = response.content.decode()
    assert "/static/leaflet/leaflet.js" in html
    assert f'<script type="module" src="/static/web/dashboard/{module}"></script>' in html


def test_only_get_is_allowed(tenant_a):
    response = tenant_a.browser(Role.DISPATCHER).post("/plan/")

    assert response.status_code == 405


# --- the embedded first paint ----------------------------------------------------------------


def test_plan_page_embeds_the_day_in_the_api_shapes(tenant_a):
    # given
    day = today() + timedelta(days=2)
    with tenant_a.use():
        depot, van, anna, bert = fleet(day)
        route = make_route(
            anna,
            delivery_date=day,
            planned_start=datetime.combine(day, datetime.min.time(), tzinfo=TZ)
            + timedelta(hours=8),
            planned_end=datetime.combine(day, datetime.min.time(), tzinfo=TZ) + timedelta(hours=12),
        )
        routed(route, 2)
        loose = make_order(external_id="LOOSE-1", delivery_date=day, recipient_name="Cas")
        make_order(external_id="OTHER-DAY", delivery_date=day + timedelta(days=1))
        job = OptimizationJob.objects.create(
            delivery_date=day,
            status=OptimizationJob.Status.SUCCEEDED,
            progress=100,
            requested_by="dispatcher@alpha.test",
            unassigned=[{"order": str(loose.pk), "external_id": "LOOSE-1", "reason": "No room."}],
        )
        expected_routes = [route_json(Route.objects.get(pk=route.pk))]
        expected = {
            "date": day.isoformat(),
            "today": today().isoformat(),
            "time_zone": "Europe/Amsterdam",
            "editable": True,
            "drivers": [driver_json(anna), driver_json(bert)],
            "vehicles": [vehicle_json(van)],
            "depots": [depot_json(depot)],
            "on_shift": [str(anna.pk)],
            "routes": expected_routes,
            "underway": False,
            "job": job_json(job),
            "unplanned": [
                {
                    "id": str(loose.pk),
                    "external_id": "LOOSE-1",
                    "recipient_name": "Cas",
                    "address": loose.address,
                    "status": "unassigned",
                    "location_status": "provided",
                }
            ],
            "road_geometry": False,  # no OSRM/Valhalla server in the tests' settings
        }

    # when
    response = tenant_a.browser(Role.DISPATCHER).get(f"/plan/?date={day.isoformat()}")

    # then
    assert response.status_code == 200
    assert embedded(response, "plan-data") == expected


def test_plan_page_of_a_day_with_routes_under_way_offers_replanning(tenant_a):
    with tenant_a.use():
        _, _, anna, _ = fleet(today())
        make_route(anna, delivery_date=today(), status=Route.Status.STARTED)

    data = embedded(tenant_a.browser(Role.OWNER).get("/plan/"), "plan-data")

    assert (data["underway"], data["editable"], data["job"]) == (True, True, None)
    assert [route["status"] for route in data["routes"]] == ["started"]


def test_a_past_day_is_shown_read_only(tenant_a):
    past = today() - timedelta(days=3)

    data = embedded(tenant_a.browser(Role.ADMIN).get(f"/plan/?date={past}"), "plan-data")

    assert (data["date"], data["editable"], data["routes"], data["unplanned"]) == (
        past.isoformat(),
        False,
        [],
        [],
    )


def test_live_page_embeds_todays_routes_under_way_only(tenant_a):
    # given
    with tenant_a.use():
        depot, van, anna, bert = fleet(today())
        bert.default_vehicle = van
        bert.save(update_fields=["default_vehicle"])
        out = make_route(anna, delivery_date=today(), status=Route.Status.STARTED)
        routed(out, 2)
        make_route(bert, delivery_date=today(), status=Route.Status.PLANNED)
        make_route(bert, delivery_date=today() + timedelta(days=1), status=Route.Status.DISPATCHED)
        expected = {
            "date": today().isoformat(),
            "time_zone": "Europe/Amsterdam",
            "drivers": [driver_json(anna), driver_json(bert)],
            "vehicles": [vehicle_json(van)],
            "depots": [depot_json(depot)],
            "routes": [route_json(Route.objects.get(pk=out.pk))],
        }

    # when
    response = tenant_a.browser(Role.DISPATCHER).get("/live/")

    # then
    assert response.status_code == 200
    assert embedded(response, "live-data") == expected


def test_live_page_keeps_yesterday_s_round_still_under_way_after_midnight(tenant_a):
    # given anna's round of yesterday still under way, bert's finished, and an older one
    with tenant_a.use():
        _, _, anna, bert = fleet(today())
        yesterday = today() - timedelta(days=1)
        late = make_route(anna, delivery_date=yesterday, status=Route.Status.STARTED)
        routed(late, 2)
        make_route(bert, delivery_date=yesterday, status=Route.Status.COMPLETED)
        make_route(bert, delivery_date=yesterday - timedelta(days=1), status=Route.Status.STARTED)
        todays = make_route(bert, delivery_date=today(), status=Route.Status.DISPATCHED)

    # when
    response = tenant_a.browser(Role.DISPATCHER).get("/live/")

    # then
    assert [
        (route["id"], route["delivery_date"]) for route in embedded(response, "live-data")["routes"]
    ] == [(str(late.pk), yesterday.isoformat()), (str(todays.pk), today().isoformat())]


def test_pages_query_counts_do_not_grow_with_routes(tenant_a, django_assert_max_num_queries):
    with tenant_a.use():
        _, _, anna, _ = fleet(today())
        routed(make_route(anna, delivery_date=today(), status=Route.Status.STARTED), 6)
    client = tenant_a.browser(Role.DISPATCHER)

    with django_assert_max_num_queries(15):
        assert client.get("/plan/").status_code == 200
    with django_assert_max_num_queries(15):
        assert client.get("/live/").status_code == 200


# --- ?date= ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value", ["tomorrow", "2026-13-01", "2026-02-30", "20261127", "2026-W48-5"]
)
def test_a_date_that_is_not_yyyy_mm_dd_answers_400_with_the_reason(tenant_a, value):
    response = tenant_a.browser(Role.DISPATCHER).get("/plan/", {"date": value})

    assert response.status_code == 400
    html = response.content.decode()
    assert f"“{value}” is not a date: use YYYY-MM-DD, for example {today().isoformat()}." in html
    assert 'aria-invalid="true"' in html
    assert 'id="plan-data"' not in html


def test_an_empty_date_means_today(tenant_a):
    response = tenant_a.browser(Role.DISPATCHER).get("/plan/?date=")

    assert response.status_code == 200
    assert embedded(response, "plan-data")["date"] == today().isoformat()


# --- planning a day that has begun (issue 12, defect 1) --------------------------------------


def test_the_plan_page_says_a_day_that_has_begun_is_planned_from_now_plus_loading(tenant_a):
    import time_machine

    day = today() + timedelta(days=1)
    client = tenant_a.browser(Role.DISPATCHER)

    with time_machine.travel(datetime.combine(day, time(10, 15), tzinfo=TZ), tick=False):
        on_the_day = client.get(f"/plan/?date={day.isoformat()}").content.decode()
        next_day = client.get(f"/plan/?date={(day + timedelta(days=1)).isoformat()}")

    assert (
        '<p id="plan-from" class="notice-line">Planning from 10:45 (now + 30 min loading): '
        "no route leaves earlier.</p>" in on_the_day
    )
    assert 'id="plan-from"' not in next_day.content.decode()


def test_a_us_business_reads_when_planning_starts_on_its_12_hour_clock(tenant_a):
    import time_machine

    # given a US business (12-hour clock), late in the afternoon and then near midnight
    Tenant.objects.filter(pk=tenant_a.tenant.pk).update(country="US", clock="auto")
    day = today() + timedelta(days=1)
    client = tenant_a.browser(Role.DISPATCHER)

    # when the dispatcher opens the day's plan
    with time_machine.travel(datetime.combine(day, time(16, 15), tzinfo=TZ), tick=False):
        afternoon = client.get(f"/plan/?date={day.isoformat()}").content.decode()
    with time_machine.travel(datetime.combine(day, time(23, 45), tzinfo=TZ), tick=False):
        night = client.get(f"/plan/?date={day.isoformat()}").content.decode()

    # then the times and the day read as the business writes them
    assert (
        '<p id="plan-from" class="notice-line">Planning from 4:45 PM (now + 30 min loading): '
        "no route leaves earlier.</p>" in afternoon
    )
    assert (
        f'<p id="plan-from" class="notice-line">It is too late to plan {day:%A, %B} {day.day}: '
        "routes would leave tomorrow.</p>" in night
    )
