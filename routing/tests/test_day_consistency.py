"""Nothing is lost between screens (issue 12): a driver with routes is not deleted, a manual
assignment puts the order on the driver's route, an order that leaves a route leaves its stops,
counts and times too."""

import json
from datetime import datetime, timedelta

import pytest
import time_machine

from delivery.models import Driver, Order, OrderEvent
from delivery.services import order_transition
from delivery.tests.factories import TEST_ACTOR, make_driver, make_order
from notifications.models import Event
from routing.assignment import order_assign
from routing.edits import route_schedule
from routing.models import Route, Stop
from routing.services import route_status_set
from routing.tests.days import DAY, TZ, at, small_day, window
from routing.tests.driver_routes import route_for_day
from routing.tests.test_services import make_route
from tenants.accounts.models import Role
from tenants.errors import ApplicationError
from tests.realtime import heard


def send(client, method: str, path: str, body=None):
    return getattr(client, method)(path, data=json.dumps(body), content_type="application/json")


# --- defect 9: DELETE of a driver with routes ------------------------------------------------


def test_deleting_a_driver_with_routes_is_refused_with_the_reason(tenant_a):
    # given a driver with a route
    with tenant_a.use():
        driver = make_driver()
        make_route(driver)
    # when
    response = tenant_a.api().delete(f"/api/v1/drivers/{driver.pk}/")
    # then 409 naming what holds the driver, and nothing changed
    assert response.status_code == 409
    assert response.json() == {
        "error": {
            "code": "in_use",
            "message": "This driver cannot be deleted: 1 route still refers to it. "
            "Deactivate the driver instead (is_active false).",
            "fields": {},
        }
    }
    with tenant_a.use():
        assert Driver.objects.filter(pk=driver.pk).count() == 1
        assert Route.objects.filter(driver=driver).count() == 1
    # and deactivating, the documented way, works
    deactivated = send(
        tenant_a.api(), "patch", f"/api/v1/drivers/{driver.pk}/", {"is_active": False}
    )
    assert deactivated.status_code == 200, deactivated.content
    assert deactivated.json()["is_active"] is False


# --- defect 2: a manual assignment puts the order on the driver's route ----------------------


def stops_of(route: Route) -> list[tuple]:
    return list(
        Stop.objects.filter(route=route)
        .order_by("sequence")
        .values_list("order__external_id", "kind", "sequence")
    )


def orders_follow_their_stops(route: Route) -> None:
    """Each delivery stop's order points at it: route, driver, sequence and ETA."""
    for stop in Stop.objects.filter(route=route, kind=Stop.Kind.DELIVERY).select_related("order"):
        order = stop.order
        assert (order.route_id, order.driver_id, order.sequence, order.eta) == (
            route.pk,
            route.driver_id,
            stop.sequence,
            stop.planned_arrival,
        )


@pytest.fixture
def api_call_heard(tenant_a, django_capture_on_commit_callbacks):
    """An API call by tenant A's admin, committed, while the real channel layer listens to the
    dispatchers' group: (the response, what the dispatchers' websockets got)."""

    def call(method: str, path: str, body: dict):
        responses = []

        def act():
            with django_capture_on_commit_callbacks(execute=True):
                responses.append(send(tenant_a.api(), method, path, body))

        pushes = heard(tenant_id=tenant_a.tenant.pk, names=["dispatch"], action=act)
        return responses[0], pushes

    return call


def test_the_api_assignment_puts_the_order_on_the_driver_s_route_at_the_cheapest_place(
    tenant_a, api_call_heard
):
    # given a dispatched route with stops north of the depot at 52.371 and 52.372
    with tenant_a.use():
        driver = make_driver()
        route = route_for_day(driver, day=DAY, tz=TZ, count=2)
        # and an order between them, with a window that suits the route
        order = make_order(
            external_id="between",
            delivery_date=DAY,
            location=(52.3715, 4.89),
            time_windows=[window("09:00", "12:00")],
        )
    # when the dispatcher assigns it to the driver through the API
    response, pushes = api_call_heard(
        "post",
        f"/api/v1/orders/{order.pk}/transition",
        {"to": "assigned", "driver": str(driver.pk)},
    )
    # then it is the second stop of the route, with its times, and the others follow
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["route"], response.json()["sequence"]) == (
        "assigned",
        str(route.pk),
        2,
    )
    with tenant_a.use():
        prefix = str(route.pk)[:8]
        assert stops_of(route) == [
            (f"{prefix}-1", "delivery", 1),
            ("between", "delivery", 2),
            (f"{prefix}-2", "delivery", 3),
        ]
        orders_follow_their_stops(route)
        event = OrderEvent.objects.filter(order=order, kind=OrderEvent.Kind.STATUS_CHANGED).get()
        assert (event.from_status, event.to_status, event.reason) == (
            "unassigned",
            "assigned",
            "",
        )
    # and the dispatchers (Plan, Live) hear of the route and the orders
    kinds = {(message["type"], message["data"].get("id")) for _, message in pushes}
    assert ("route.updated", str(route.pk)) in kinds
    assert ("order.updated", str(order.pk)) in kinds


def test_an_assignment_makes_the_route_when_the_driver_has_none(tenant_a):
    # given a driver on shift on DAY without a route, and an order of that day
    with tenant_a.use():
        world = small_day()
        order = world.north[0]
        driver = world.drivers[0]
        # when
        assigned = order_assign(order_id=order.pk, driver=driver, actor=TEST_ACTOR)
        # then a planned route of that day holds it, from the driver's shift start
        route = Route.objects.get(driver=driver, delivery_date=DAY)
        assert (route.status, route.planned_start) == ("planned", at("08:00"))
        assert stops_of(route) == [("N-1", "delivery", 1)]
        assert (assigned.status, assigned.route_id, assigned.driver_id) == (
            "assigned",
            route.pk,
            driver.pk,
        )
        orders_follow_their_stops(route)
        assert route.distance_m > 0
        assert route.violations == []


def test_an_assignment_that_breaks_a_window_is_made_and_the_route_says_so(tenant_a):
    with tenant_a.use():
        driver = make_driver()
        route = route_for_day(driver, day=DAY, tz=TZ, count=2)
        order = make_order(
            external_id="too-early",
            delivery_date=DAY,
            location=(52.45, 4.89),
            time_windows=[window("08:00", "08:05")],
        )

        order_assign(order_id=order.pk, driver=driver, actor=TEST_ACTOR)

        route.refresh_from_db()
        assert [(item["order"], item["kind"]) for item in route.violations] == [
            (str(order.pk), "late")
        ]
        orders_follow_their_stops(route)


def test_an_assignment_is_refused_with_the_reason_and_changes_nothing(tenant_a):
    with tenant_a.use():
        world = small_day()  # shifts on Wednesdays only
        thursday = DAY + timedelta(days=1)
        order = make_order(external_id="thu", delivery_date=thursday, location=(52.38, 4.89))
        before = (
            list(Route.objects.values_list("pk")),
            list(Order.objects.order_by("pk").values_list("pk", "status", "route_id")),
        )
    response = send(
        tenant_a.api(),
        "post",
        f"/api/v1/orders/{order.pk}/transition",
        {"to": "assigned", "driver": str(world.drivers[0].pk)},
    )
    assert response.status_code == 400
    message = (
        f"{world.drivers[0]} has no shift on {thursday.isoformat()} (or no place to start "
        "from): give them a shift that day, or choose another driver."
    )
    assert response.json() == {
        "error": {"code": "validation_error", "message": message, "fields": {"driver": [message]}}
    }
    with tenant_a.use():
        after = (
            list(Route.objects.values_list("pk")),
            list(Order.objects.order_by("pk").values_list("pk", "status", "route_id")),
        )
    assert after == before


def test_an_assignment_to_a_route_under_way_is_refused(tenant_a):
    with tenant_a.use():
        driver = make_driver()
        route_for_day(driver, day=DAY, tz=TZ, count=1, status="started")
        order = make_order(external_id="late-comer", delivery_date=DAY, location=(52.38, 4.89))
        with pytest.raises(ApplicationError) as refused:
            order_assign(order_id=order.pk, driver=driver, actor=TEST_ACTOR)
        assert (refused.value.code, refused.value.message) == (
            "route_locked",
            f"{driver}'s route of {DAY.isoformat()} is started: orders join a route under way "
            "by re-planning the day.",
        )
        order.refresh_from_db()
        assert (order.status, order.route_id) == ("unassigned", None)


def test_a_pickup_and_delivery_order_joins_with_its_pickup_first(tenant_a):
    with tenant_a.use():
        driver = make_driver()
        route = route_for_day(driver, day=DAY, tz=TZ, count=2)
        order = make_order(
            external_id="pd",
            delivery_date=DAY,
            location=(52.3725, 4.89),
            pickup_address="Shop",
            pickup_location=(52.3712, 4.89),
        )

        order_assign(order_id=order.pk, driver=driver, actor=TEST_ACTOR)

        kinds = [(ref, kind) for ref, kind, _ in stops_of(route) if ref == "pd"]
        assert kinds == [("pd", "pickup"), ("pd", "delivery")]
        orders_follow_their_stops(route)
        route.refresh_from_db()
        assert route.violations == []


# --- defect 3: an order leaving a route leaves its stops ---------------------------------------


def test_a_failed_order_rescheduled_leaves_the_started_route_and_the_rest_is_renumbered(
    tenant_a, api_call_heard
):
    # given a started route of three stops; the first was delivered, the second failed
    with tenant_a.use():
        driver = make_driver()
        route = route_for_day(driver, day=DAY, tz=TZ, count=3, status="started")
        first, second, third = (
            stop.order for stop in route.stops.select_related("order").order_by("sequence")
        )
        Order.objects.filter(pk__in=[first.pk, second.pk, third.pk]).update(
            status="out_for_delivery"
        )
        order_transition(order_id=first.pk, to="delivered", actor=TEST_ACTOR)
        order_transition(order_id=second.pk, to="failed", reason="not_home", actor=TEST_ACTOR)
        kept_times = Stop.objects.get(order=first).planned_arrival
    # when the failed order is rescheduled to the next day through the API
    response, pushes = api_call_heard(
        "post",
        f"/api/v1/orders/{second.pk}/transition",
        {"to": "unassigned", "delivery_date": (DAY + timedelta(days=1)).isoformat()},
    )
    assert response.status_code == 200, response.content
    # then its stop is gone; the route keeps the others, numbered 1 and 2
    with tenant_a.use():
        prefix = str(route.pk)[:8]
        assert stops_of(route) == [(f"{prefix}-1", "delivery", 1), (f"{prefix}-3", "delivery", 2)]
        assert Stop.objects.filter(order=second).count() == 0
        assert Stop.objects.get(order=first).planned_arrival == kept_times
        third.refresh_from_db()
        assert (third.status, third.route_id, third.sequence) == (
            "out_for_delivery",
            route.pk,
            2,
        )
        second.refresh_from_db()
        assert (second.status, second.route_id, second.driver_id, second.delivery_date) == (
            "unassigned",
            None,
            None,
            DAY + timedelta(days=1),
        )
    # and the route's counts went out: 1 of 2 done
    updates = [message["data"] for _, message in pushes if message["type"] == "route.updated"]
    assert [(data["id"], data["stops_done"], data["stops_total"]) for data in updates] == [
        (str(route.pk), 1, 2)
    ]


@pytest.mark.parametrize("how", ["cancel", "patch_date", "put_date", "bulk_move"])
def test_an_assigned_order_leaving_a_dispatched_route_takes_its_stop_along(tenant_a, how):
    # given a dispatched route of three stops
    with tenant_a.use():
        driver = make_driver()
        route = route_for_day(driver, day=DAY, tz=TZ, count=3)
        leaving = route.stops.order_by("sequence")[0].order
    # when its first order leaves, in one of the ways an order leaves
    client = tenant_a.api()
    path = f"/api/v1/orders/{leaving.pk}"
    tomorrow = (DAY + timedelta(days=1)).isoformat()
    if how == "cancel":
        response = send(client, "post", f"{path}/transition", {"to": "cancelled"})
    elif how == "patch_date":
        response = send(client, "patch", path, {"delivery_date": tomorrow})
    elif how == "put_date":
        body = client.get(path).json()
        writable = ("external_id", "recipient", "address", "location", "time_windows")
        body = {name: body[name] for name in writable}
        body["recipient"] = {key: body["recipient"][key] for key in ("name", "phone", "email")}
        body.update(delivery_date=tomorrow, time_windows=[])
        response = send(client, "put", path, body)
    else:
        response = tenant_a.browser(Role.DISPATCHER).post(
            "/orders/bulk/",
            {"orders": [str(leaving.pk)], "action": "change_date", "date": tomorrow},
        )
    assert response.status_code in (200, 302), response.content
    # then the route holds the other two, renumbered and re-timed from its start
    with tenant_a.use():
        prefix = str(route.pk)[:8]
        assert stops_of(route) == [(f"{prefix}-2", "delivery", 1), (f"{prefix}-3", "delivery", 2)]
        orders_follow_their_stops(route)
        route.refresh_from_db()
        remaining = list(route.stops.select_related("order").order_by("sequence"))
        schedule = route_schedule(route, remaining)
        assert (route.distance_m, route.planned_end) == (schedule.distance_m, schedule.end)
        assert [stop.planned_arrival for stop in remaining] == [
            timed.arrival for timed in schedule.stops
        ]
        leaving.refresh_from_db()
        # (a cancelled order keeps the name of the driver who had it, as history)
        assert (leaving.route_id, leaving.driver_id, leaving.sequence, leaving.eta) == (
            None,
            driver.pk if how == "cancel" else None,
            None,
            None,
        )
        assert leaving.status == ("cancelled" if how == "cancel" else "unassigned")
        changes = OrderEvent.objects.filter(order=leaving, kind=OrderEvent.Kind.STATUS_CHANGED)
        assert changes.latest("occurred_at").from_status == "assigned"


# --- found by the whole-day test (tests/test_whole_day.py) -----------------------------------


def test_a_route_started_after_its_planned_times_sends_no_window_already_past(tenant_a):
    # given a route planned from 09:00 and dispatched, started only at 13:00
    with tenant_a.use():
        driver = make_driver()
        route = route_for_day(driver, day=DAY, tz=TZ, count=2)
        with time_machine.travel(at("13:00"), tick=False):
            # when
            route_status_set(route=route, to=Route.Status.STARTED, actor=TEST_ACTOR)
            # then the recipients' "on its way" windows all end after now
            sent = Event.objects.filter(name="order.out_for_delivery")
            assert sent.count() == 2
            for event in sent:
                end = datetime.fromisoformat(event.data["eta_window"]["end"])
                assert end >= event.created_at, event.data["eta_window"]


def test_the_second_of_two_dispatchers_placing_one_order_is_told_who_has_it(
    tenant_a, django_capture_on_commit_callbacks
):
    # given two drivers with routes and an order on neither, open on two dispatchers' screens
    with tenant_a.use():
        nina = make_driver(email="nina@example.test")
        nina.user.full_name = "Nina Vans"
        nina.user.save(update_fields=["full_name"])
        omar = make_driver(email="omar@example.test")
        route = route_for_day(nina, day=DAY, tz=TZ, count=2)
        route_for_day(omar, day=DAY, tz=TZ, count=2)
        order = make_order(
            external_id="between",
            delivery_date=DAY,
            location=(52.3715, 4.89),
            time_windows=[window("09:00", "12:00")],
        )
    path = f"/api/v1/orders/{order.pk}/transition"
    with django_capture_on_commit_callbacks(execute=True):
        first = send(tenant_a.api(), "post", path, {"to": "assigned", "driver": str(nina.pk)})

    # when the other dispatcher drops it on Omar's route a moment later
    second = send(tenant_a.api(), "post", path, {"to": "assigned", "driver": str(omar.pk)})

    # then they are told it is on Nina's route now, and it stays there
    assert first.status_code == 200, first.content
    assert second.status_code == 409
    message = "between is on Nina Vans's route already (placed meanwhile): move it from there."
    assert second.json() == {
        "error": {"code": "invalid_transition", "message": message, "fields": {}}
    }
    with tenant_a.use():
        assert Order.objects.values_list("status", "driver_id", "route_id").get(pk=order.pk) == (
            "assigned",
            nina.pk,
            route.pk,
        )
