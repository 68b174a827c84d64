"""`/driver/`: the driver's mobile web view. Drivers only, their own route only, and the page's
embedded data exactly the API's shapes; the JSON refresh and the service worker."""

import json
import re
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from delivery.services import driver_save
from delivery.tests.factories import make_driver
from delivery.tests.test_orders_api import order_json
from routing.models import Route
from routing.tests.driver_routes import pickup_route_for_day, route_for_day
from routing.tests.test_api import route_json
from tenants.accounts.models import Role
from tenants.selectors import tenant_time_zone
from web.selectors.driver import driver_today

REASONS = [
    {"value": "not_home", "label": "Recipient not home"},
    {"value": "refused", "label": "Refused"},
    {"value": "wrong_address", "label": "Wrong address"},
    {"value": "damaged", "label": "Damaged"},
    {"value": "no_access", "label": "No access"},
    {"value": "other", "label": "Other"},
]


def embedded(response) -> dict:
    match = re.search(
        r'<script id="driver-today" type="application/json">(.*?)</script>',
        response.content.decode(),
        re.S,
    )
    assert match, "no embedded route"
    return json.loads(match.group(1))


@pytest.fixture
def own_driver(tenant_a):
    with tenant_a.use():
        return driver_save(driver=None, fields={}, user=tenant_a.users[Role.DRIVER])


def today_of(world):
    with world.use():
        return timezone.localdate(timezone.now(), tenant_time_zone())


def expected_payload(route: Route | None, driver, today) -> dict:
    return {
        "date": today.isoformat(),
        "driver": {"id": str(driver.pk), "name": driver.user.full_name},
        "route": route_json(route) if route is not None else None,
        "orders": (
            [order_json(stop.order) for stop in route.stops.select_related("order")]
            if route is not None
            else []
        ),
        "failure_reasons": REASONS,
    }


def without_stamp(payload: dict, before, after) -> dict:
    generated_at = payload.pop("generated_at")
    parsed = timezone.datetime.fromisoformat(generated_at)
    assert before <= parsed <= after
    return payload


def test_the_page_embeds_the_driver_s_route_for_today_exactly(tenant_a, own_driver):
    # given the driver's dispatched route today, their route tomorrow, a colleague's today
    today = today_of(tenant_a)
    with tenant_a.use():
        tz = tenant_time_zone()
        route = route_for_day(own_driver, day=today, tz=tz, count=3)
        route_for_day(own_driver, day=today + timedelta(days=1), tz=tz)
        route_for_day(make_driver(email="colleague@example.test"), day=today, tz=tz)
    before = timezone.now()

    # when (the clock held still: expected arrivals are computed from now)
    with time_machine.travel(before, tick=False):
        response = tenant_a.browser(Role.DRIVER).get("/driver/")
        with tenant_a.use():
            route = Route.objects.select_related("driver__user").get(pk=route.pk)
            expected = expected_payload(route, own_driver, today)

    # then
    after = timezone.now()
    assert response.status_code == 200
    assert response["Cache-Control"] == "max-age=0, no-cache, no-store, must-revalidate, private"
    assert without_stamp(embedded(response), before, after) == expected
    assert [order["recipient"]["name"] for order in expected["orders"]] == [
        "Recipient 1",
        "Recipient 2",
        "Recipient 3",
    ]


def test_the_data_refresh_answers_the_same_payload(tenant_a, own_driver):
    today = today_of(tenant_a)
    with tenant_a.use():
        route = route_for_day(own_driver, day=today, tz=tenant_time_zone(), status="started")
    before = timezone.now()

    with time_machine.travel(before, tick=False):
        response = tenant_a.browser(Role.DRIVER).get("/driver/data/")
        with tenant_a.use():
            route = Route.objects.select_related("driver__user").get(pk=route.pk)
            expected = expected_payload(route, own_driver, today)

    after = timezone.now()
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert without_stamp(response.json(), before, after) == expected


def test_a_route_still_under_way_after_midnight_stays_on_the_phone(tenant_a, own_driver):
    # given yesterday's route, started and not finished, and today's, dispatched
    today = today_of(tenant_a)
    with tenant_a.use():
        tz = tenant_time_zone()
        late = route_for_day(own_driver, day=today - timedelta(days=1), tz=tz, status="started")
        route_for_day(own_driver, day=today, tz=tz)
    client = tenant_a.browser(Role.DRIVER)

    # when the phone refreshes after midnight
    payload = client.get("/driver/data/").json()

    # then it still shows the round under way, until it is completed
    assert (payload["date"], payload["route"]["id"]) == (today.isoformat(), str(late.pk))
    assert [order["delivery_date"] for order in payload["orders"]] == [
        (today - timedelta(days=1)).isoformat()
    ] * 2
    with tenant_a.use():
        Route.objects.filter(pk=late.pk).update(status="completed")
    assert client.get("/driver/data/").json()["route"]["delivery_date"] == today.isoformat()


def test_today_s_started_route_wins_and_older_unfinished_rounds_are_not_carried(
    tenant_a, own_driver
):
    today = today_of(tenant_a)
    with tenant_a.use():
        tz = tenant_time_zone()
        route_for_day(own_driver, day=today - timedelta(days=2), tz=tz, status="started")
        yesterday = route_for_day(
            own_driver, day=today - timedelta(days=1), tz=tz, status="started"
        )
        todays = route_for_day(own_driver, day=today, tz=tz, status="started")
    client = tenant_a.browser(Role.DRIVER)

    assert client.get("/driver/data/").json()["route"]["id"] == str(todays.pk)
    with tenant_a.use():
        Route.objects.filter(pk__in=[todays.pk, yesterday.pk]).update(status="completed")
    assert client.get("/driver/data/").json()["route"]["id"] == str(todays.pk)


def test_a_planned_route_is_not_shown_before_it_is_dispatched(tenant_a, own_driver):
    today = today_of(tenant_a)
    with tenant_a.use():
        route_for_day(own_driver, day=today, tz=tenant_time_zone(), status="planned")

    response = tenant_a.browser(Role.DRIVER).get("/driver/")

    assert without_stamp(
        embedded(response), timezone.now() - timedelta(minutes=1), timezone.now()
    ) == expected_payload(None, own_driver, today)


def test_a_driver_user_without_a_driver_profile_sees_no_route(tenant_a):
    response = tenant_a.browser(Role.DRIVER).get("/driver/data/")

    payload = response.json()
    payload.pop("generated_at")
    assert payload == {
        "date": today_of(tenant_a).isoformat(),
        "driver": None,
        "route": None,
        "orders": [],
        "failure_reasons": REASONS,
    }


def test_the_selector_reads_a_route_without_a_query_per_stop(tenant_a, own_driver):
    # given a one-stop route today and a six-stop route tomorrow
    with tenant_a.use():
        today = timezone.localdate(timezone.now(), tenant_time_zone())
        route_for_day(own_driver, day=today, tz=tenant_time_zone(), count=1)
        route_for_day(own_driver, day=today + timedelta(days=1), tz=tenant_time_zone(), count=6)
        user = tenant_a.users[Role.DRIVER]
        driver_today(user=user)  # warm what is looked up once per process (the tracking host)

        # when each is read
        with CaptureQueriesContext(connection) as one_stop:
            small = driver_today(user=user)
        with CaptureQueriesContext(connection) as six_stops:
            large = driver_today(user=user, now=timezone.now() + timedelta(days=1))

    # then as many queries for six stops as for one
    assert (len(small["orders"]), len(large["orders"])) == (1, 6)
    assert len(six_stops) == len(one_stop)


@pytest.mark.parametrize("role", [Role.OWNER, Role.ADMIN, Role.DISPATCHER])
@pytest.mark.parametrize("path", ["/driver/", "/driver/data/"])
def test_other_roles_are_sent_to_the_dashboard(tenant_a, role, path):
    response = tenant_a.browser(role).get(path)

    assert (response.status_code, response["Location"]) == (302, "/")


@pytest.mark.parametrize("path", ["/driver/", "/driver/data/"])
def test_a_visitor_signs_in_first(tenant_a, path):
    response = tenant_a.anonymous().get(path)

    assert (response.status_code, response["Location"]) == (302, f"/login/?next={path}")


def test_another_business_s_driver_session_does_not_open_the_page(tenant_a, tenant_b):
    client = tenant_b.browser(Role.DRIVER)
    client.defaults["HTTP_HOST"] = tenant_a.host

    response = client.get("/driver/")

    assert (response.status_code, response["Location"]) == (302, "/login/?next=/driver/")


def test_the_service_worker_is_served_for_the_driver_scope(tenant_a):
    response = tenant_a.anonymous().get("/driver/sw.js")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/javascript"
    assert response["Service-Worker-Allowed"] == "/driver/"
    body = response.content.decode()
    assert 'const PAGES = ["/driver/", "/driver/data/"];' in body
    assert (
        'const STATIC = ["/static/web/driver/driver.css", "/static/web/conventions.js", '
        '"/static/web/driver/state.js", '
        '"/static/web/driver/dom.js", "/static/web/driver/outbox.js", '
        '"/static/web/driver/actions.js", "/static/web/driver/location.js", '
        '"/static/web/driver/push.js", '
        '"/static/web/driver/screens.js", "/static/web/driver/signature.js", '
        '"/static/web/driver/driver.js", "/static/leaflet/leaflet.css", '
        '"/static/leaflet/leaflet.js", "/jsi18n/en/"];'
    ) in body
    assert re.search(r'const CACHE = "driver-[0-9a-f]{16}";', body)


def test_a_pickup_and_delivery_order_is_listed_once_with_both_stops(tenant_a, own_driver):
    today = today_of(tenant_a)
    with tenant_a.use():
        route = pickup_route_for_day(own_driver, day=today, tz=tenant_time_zone())

    payload = tenant_a.browser(Role.DRIVER).get("/driver/data/").json()

    with tenant_a.use():
        route = Route.objects.select_related("driver__user").get(pk=route.pk)
        order = route.stops.get(kind="delivery").order
    assert payload["route"]["id"] == str(route.pk)
    assert [(s["kind"], s["address"]) for s in payload["route"]["stops"]] == [
        ("pickup", "Flower market, Singel 630, Amsterdam"),
        ("delivery", "Prinsengracht 263, Amsterdam"),
    ]
    assert [(o["id"], o["pickup"]["address"]) for o in payload["orders"]] == [
        (str(order.pk), "Flower market, Singel 630, Amsterdam")
    ]
