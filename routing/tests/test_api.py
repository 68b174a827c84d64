"""`/api/v1/optimizations` and `/api/v1/routes`: start and follow jobs, read routes with their
stops, dispatch / start / complete, roles, error shapes, query counts; one job end to end on
the real Celery worker with its progress pushed on `/ws/dispatch/`."""

import asyncio
import time as clock
from datetime import datetime, timedelta

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from django.utils import timezone

from delivery.demo import DRIVERS, demo_deliveries_seed
from delivery.models import Order
from delivery.services import driver_save
from delivery.tests.factories import make_driver, make_order
from routing.lateness import route_expected_end, stops_expected
from routing.models import OptimizationJob, Route, Stop
from routing.tests.test_services import DAY, TZ, at, make_route
from tenants.accounts.models import ApiKey, Role
from tenants.accounts.services import user_create
from tenants.consumers import CLOSE_FORBIDDEN
from tests.api import error, iso, send
from tests.realtime import DISCONNECT_SECONDS, QUIET_SECONDS, communicator, session_cookie

OPTIMIZATIONS = "/api/v1/optimizations"
ROUTES = "/api/v1/routes"
DISPATCH_SOCKET = "/ws/dispatch/"
TERMINAL = ("succeeded", "failed")


def job_json(job: OptimizationJob) -> dict:
    return {
        "id": str(job.pk),
        "delivery_date": job.delivery_date.isoformat(),
        "status": job.status,
        "progress": job.progress,
        "params": job.params,
        "summary": job.summary,
        "unassigned": job.unassigned,
        "error": job.error,
        "requested_by": job.requested_by,
        "created_at": iso(job.created_at),
        "started_at": iso(job.started_at),
        "finished_at": iso(job.finished_at),
    }


def stop_json(stop: Stop, expected=None) -> dict:
    """`expected`: routing.lateness's Expected for the stop; default, a stop of a route of a
    day ahead, not started, expected as planned."""
    order = stop.order
    return {
        "id": str(stop.pk),
        "kind": stop.kind,
        "order": str(order.pk),
        "external_id": order.external_id,
        "recipient_name": order.recipient_name,
        "address": order.address,
        "location": {"lat": order.lat, "lng": order.lng},
        "status": order.status,
        "sequence": stop.sequence,
        "planned_arrival": iso(stop.planned_arrival),
        "planned_departure": iso(stop.planned_departure),
        "waiting_s": stop.waiting_s,
        "eta": iso(stop.eta),
        "load_after": stop.load_after,
        "locked": stop.locked,
        "picked_up_at": iso(stop.picked_up_at),
        "expected_arrival": iso(expected.eta) if expected else iso(stop.planned_arrival),
        "late": expected.late if expected else False,
        "delivered_early_minutes": None,  # routing/tests/test_early.py
        "running_late": expected.running_late if expected else False,
    }


def route_json(route: Route) -> dict:
    """The route as the API shows it now; its stops' expected arrivals are routing.lateness's
    (tests/test_lateness.py proves that rule; here the shape)."""
    stops = list(route.stops.select_related("order").order_by("sequence"))
    now = timezone.now()
    expected = stops_expected(route, stops, now=now)
    return {
        "id": str(route.pk),
        "delivery_date": route.delivery_date.isoformat(),
        "driver": str(route.driver_id),
        "driver_name": route.driver.user.full_name,
        "vehicle": str(route.vehicle_id) if route.vehicle_id else None,
        "status": route.status,
        "optimization": str(route.optimization_id) if route.optimization_id else None,
        "planned_start": iso(route.planned_start),
        "planned_end": iso(route.planned_end),
        "expected_end": iso(route_expected_end(route, stops, expected, now=now)),
        "distance_m": route.distance_m,
        "duration_s": route.duration_s,
        "travel_s": route.travel_s,
        "violations": route.violations,
        "stops": [stop_json(stop, expected[stop.pk]) for stop in stops],
        "late_stops": sum(1 for what in expected.values() if what.late),
        "load": {
            "weight_kg": float(sum(s.order.weight_kg for s in stops if s.kind == "delivery")),
            "volume_l": float(sum(s.order.volume_l for s in stops if s.kind == "delivery")),
            "items": sum(s.order.items for s in stops if s.kind == "delivery"),
        },
        "dispatched_at": iso(route.dispatched_at),
        "started_at": iso(route.started_at),
        "completed_at": iso(route.completed_at),
        "created_at": iso(route.created_at),
        "updated_at": iso(route.updated_at),
    }


def ids(response) -> list[str]:
    return [item["id"] for item in response.json()["results"]]


def add_stops(route: Route, count: int) -> list[Stop]:
    stops = []
    for sequence in range(1, count + 1):
        order = make_order(
            external_id=f"{str(route.pk)[:8]}-{sequence}",
            delivery_date=route.delivery_date,
            location=(52.37 + 0.001 * sequence, 4.89),
        )
        arrival = route.planned_start + timedelta(minutes=20 * sequence)
        stops.append(
            Stop.objects.create(
                route=route,
                order=order,
                sequence=sequence,
                planned_arrival=arrival,
                planned_departure=arrival + timedelta(minutes=5),
                load_after={"items": float(count - sequence)},
            )
        )
    return stops


@pytest.fixture
def own_driver(tenant_a):
    """The driver profile of tenant A's user with role driver."""
    with tenant_a.use():
        return driver_save(driver=None, fields={}, user=tenant_a.users[Role.DRIVER])


# --- starting and following a job ------------------------------------------------------------


def test_post_queues_a_job_and_answers_202(tenant_a, django_capture_on_commit_callbacks):
    # when
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = send(
            tenant_a.api(),
            "post",
            OPTIMIZATIONS,
            {"date": DAY.isoformat(), "time_budget_s": 5},
        )

    # then
    assert response.status_code == 202, response.content
    with tenant_a.use():
        job = OptimizationJob.objects.get()
        key = ApiKey.objects.get(name="Admin key")
    assert response.json() == job_json(job)
    assert (job.delivery_date, job.status, job.progress) == (DAY, "queued", 0)
    assert job.params == {"mode": "plan", "orders": [], "drivers": [], "time_budget_s": 5}
    assert job.requested_by == f"API key Admin key ({key.prefix})"
    # the task and the dispatchers' push leave only once the job is committed
    assert len(callbacks) == 2


def test_post_with_unknown_or_foreign_ids_answers_400_naming_them(tenant_a, tenant_b):
    # given a planned route of the day, and another business's order
    with tenant_b.use():
        foreign = make_order(delivery_date=DAY)
    with tenant_a.use():
        route = make_route(make_driver())
        add_stops(route, 2)
        before = list(Order.objects.order_by("id").values("id", "status", "route_id"))
    unknown = "8d1c7d2e-0000-4000-8000-000000000001"

    # when a plan of the day names them
    response = send(
        tenant_a.api(),
        "post",
        OPTIMIZATIONS,
        {"date": DAY.isoformat(), "orders": [unknown, str(foreign.pk)]},
    )

    # then it is refused, naming them, and nothing changed
    message = f"No order of {DAY.isoformat()} with id {unknown}, {foreign.pk}."
    assert response.status_code == 400
    assert response.json() == error("validation_error", message, {"orders": [message]})
    with tenant_a.use():
        assert not OptimizationJob.objects.exists()
        assert Route.objects.filter(pk=route.pk).exists()
        assert list(Order.objects.order_by("id").values("id", "status", "route_id")) == before


def test_post_takes_orders_and_drivers(tenant_a, django_capture_on_commit_callbacks):
    with tenant_a.use():
        order, driver = make_order(delivery_date=DAY), make_driver()
    body = {"date": DAY.isoformat(), "orders": [str(order.pk)], "drivers": [str(driver.pk)]}

    with django_capture_on_commit_callbacks(execute=False):
        response = send(tenant_a.browser(Role.DISPATCHER), "post", OPTIMIZATIONS, body)

    assert response.status_code == 202, response.content
    assert response.json()["params"] == {
        "mode": "plan",
        "orders": [str(order.pk)],
        "drivers": [str(driver.pk)],
        "time_budget_s": None,
    }
    assert response.json()["requested_by"] == "dispatcher@alpha.test"


YESTERDAY = (datetime.now(TZ).date() - timedelta(days=1)).isoformat()
INVALID_STARTS = {
    "bad date": (
        {"date": "2026-13-01"},
        {"date": ["Date has wrong format. Use one of these formats instead: YYYY-MM-DD."]},
    ),
    "date of wrong type": (
        {"date": 20261202},
        {"date": ["Date has wrong format. Use one of these formats instead: YYYY-MM-DD."]},
    ),
    "no date": ({}, {"date": ["This field is required."]}),
    # refused by the service (the serializer cannot know the business's "today")
    "past date": ({"date": YESTERDAY}, {"date": ["A past date cannot be planned."]}),
    "orders not a list": (
        {"date": DAY.isoformat(), "orders": "all"},
        {"orders": ['Expected a list of items but got type "str".']},
    ),
    "order id not a uuid": (
        {"date": DAY.isoformat(), "orders": ["8d1c7d2e-0000-4000-8000-000000000001", "7"]},
        {"orders.1": ["Must be a valid UUID."]},
    ),
    "drivers of wrong type": (
        {"date": DAY.isoformat(), "drivers": {"id": 1}},
        {"drivers": ['Expected a list of items but got type "dict".']},
    ),
    "budget not a number": (
        {"date": DAY.isoformat(), "time_budget_s": "ten"},
        {"time_budget_s": ["A valid integer is required."]},
    ),
    "budget too small": (
        {"date": DAY.isoformat(), "time_budget_s": 0},
        {"time_budget_s": ["Ensure this value is greater than or equal to 1."]},
    ),
    "budget too large": (
        {"date": DAY.isoformat(), "time_budget_s": 301},
        {"time_budget_s": ["Ensure this value is less than or equal to 300."]},
    ),
    "unknown field": (
        {"date": DAY.isoformat(), "driver": []},
        {"driver": ["Unknown field."]},
    ),
    "not an object": (
        ["2026-12-02"],
        {"non_field_errors": ["Invalid data. Expected a dictionary, but got list."]},
    ),
}


@pytest.mark.parametrize("case", list(INVALID_STARTS))
def test_an_invalid_start_is_a_validation_error(case, tenant_a):
    body, fields = INVALID_STARTS[case]

    response = send(tenant_a.api(), "post", OPTIMIZATIONS, body)

    assert response.status_code == 400
    name, (first, *_) = next(iter(fields.items()))
    message = first if name == "non_field_errors" or case == "past date" else f"{name}: {first}"
    assert response.json() == error("validation_error", message, fields)
    with tenant_a.use():
        assert not OptimizationJob.objects.exists()


def test_get_a_job(tenant_a, django_capture_on_commit_callbacks):
    with tenant_a.use():
        job = OptimizationJob.objects.create(
            delivery_date=DAY,
            status="failed",
            progress=10,
            params={"orders": [], "drivers": [], "time_budget_s": 3},
            error="OSRM did not answer within 20s.",
            requested_by="dispatcher@alpha.test",
            started_at=at("07:00"),
            finished_at=at("07:01"),
        )

    response = tenant_a.api().get(f"{OPTIMIZATIONS}/{job.pk}")

    assert response.status_code == 200
    assert response.json() == job_json(job)


def test_a_missing_job_is_not_found(tenant_a):
    response = tenant_a.api().get(f"{OPTIMIZATIONS}/8d1c7d2e-0000-4000-8000-000000000001")

    assert response.status_code == 404
    assert response.json() == error("not_found", "Not found.")


def test_jobs_are_listed_newest_first_and_paginated(tenant_a):
    with tenant_a.use():
        jobs = [
            OptimizationJob.objects.create(delivery_date=DAY, requested_by="tests")
            for _ in range(3)
        ]
    client = tenant_a.api()

    first = client.get(f"{OPTIMIZATIONS}?limit=2")
    second = client.get(first.json()["next"])

    assert first.status_code == 200
    assert ids(first) == [str(jobs[2].pk), str(jobs[1].pk)]
    assert first.json()["results"][0] == job_json(jobs[2])
    assert ids(second) == [str(jobs[0].pk)]
    assert second.json()["next"] is None


def test_a_driver_may_not_start_or_read_jobs(tenant_a, own_driver):
    with tenant_a.use():
        job = OptimizationJob.objects.create(delivery_date=DAY, requested_by="tests")
    driver = tenant_a.browser(Role.DRIVER)
    forbidden = error("permission_denied", "Only an owner, admin or dispatcher may do this.")

    responses = [
        send(driver, "post", OPTIMIZATIONS, {"date": DAY.isoformat()}),
        driver.get(OPTIMIZATIONS),
        driver.get(f"{OPTIMIZATIONS}/{job.pk}"),
    ]

    assert [response.status_code for response in responses] == [403, 403, 403]
    assert [response.json() for response in responses] == [forbidden] * 3
    with tenant_a.use():
        assert list(OptimizationJob.objects.values_list("id", flat=True)) == [job.pk]


def test_a_dispatcher_key_may_start_and_read_jobs(tenant_a, django_capture_on_commit_callbacks):
    client = tenant_a.api(key=tenant_a.dispatcher_key)

    with django_capture_on_commit_callbacks(execute=False):
        started = send(client, "post", OPTIMIZATIONS, {"date": DAY.isoformat()})
    read = client.get(f"{OPTIMIZATIONS}/{started.json()['id']}")

    assert (started.status_code, read.status_code) == (202, 200)
    assert read.json() == started.json()


def test_no_credentials_no_jobs(tenant_a):
    response = send(tenant_a.anonymous(), "post", OPTIMIZATIONS, {"date": DAY.isoformat()})

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"
    with tenant_a.use():
        assert not OptimizationJob.objects.exists()


# --- routes ----------------------------------------------------------------------------------


def test_routes_are_listed_with_their_stops_and_filtered(tenant_a):
    # given routes of two dates, two drivers and three states
    with tenant_a.use():
        anna, ben = make_driver(email="anna@example.test"), make_driver(email="ben@example.test")
        next_day = DAY + timedelta(days=1)
        planned = make_route(anna)
        dispatched = make_route(ben, status="dispatched")
        later = make_route(anna, delivery_date=next_day, status="started")
        add_stops(planned, 2)
    client = tenant_a.api()

    def listed(query: str = "") -> list[str]:
        response = client.get(f"{ROUTES}{query}")
        assert response.status_code == 200, response.content
        return ids(response)

    # then
    everything = client.get(ROUTES).json()
    with tenant_a.use():
        assert everything == {
            "results": [route_json(r) for r in (later, dispatched, planned)],
            "next": None,
        }
    assert listed(f"?date={DAY.isoformat()}") == [str(dispatched.pk), str(planned.pk)]
    assert listed(f"?driver={anna.pk}") == [str(later.pk), str(planned.pk)]
    assert listed("?status=dispatched") == [str(dispatched.pk)]
    assert listed("?status=planned&status=started") == [str(later.pk), str(planned.pk)]
    assert listed(f"?date={next_day.isoformat()}&driver={ben.pk}") == []


def test_a_route_is_read_with_its_stops_in_order(tenant_a):
    with tenant_a.use():
        route = make_route(make_driver())
        stops = add_stops(route, 3)

    response = tenant_a.api().get(f"{ROUTES}/{route.pk}")

    assert response.status_code == 200
    with tenant_a.use():
        assert response.json() == route_json(route)
    assert [stop["id"] for stop in response.json()["stops"]] == [str(s.pk) for s in stops]


@pytest.mark.parametrize(
    ("query", "fields"),
    [
        (
            "?date=tomorrow",
            {"date": ["Date has wrong format. Use one of these formats instead: YYYY-MM-DD."]},
        ),
        ("?driver=7", {"driver": ["Must be a valid UUID."]}),
        ("?status=lost", {"status": ['"lost" is not a valid choice.']}),
    ],
)
def test_bad_route_filters_are_validation_errors(query, fields, tenant_a):
    response = tenant_a.api().get(f"{ROUTES}{query}")

    assert response.status_code == 400
    ((name, (first,)),) = fields.items()
    assert response.json() == error("validation_error", f"{name}: {first}", fields)


def test_a_driver_sees_and_moves_only_their_own_routes(tenant_a, own_driver):
    # given the driver's own dispatched route and a colleague's
    with tenant_a.use():
        own = make_route(own_driver, status="dispatched")
        other = make_route(make_driver(email="colleague@example.test"), status="dispatched")
        before_other = Route.objects.filter(pk=other.pk).values().get()
    driver = tenant_a.browser(Role.DRIVER)

    # when / then: only the own route is listed and readable
    assert ids(driver.get(ROUTES)) == [str(own.pk)]
    assert ids(driver.get(f"{ROUTES}?driver={other.pk}")) == []
    assert driver.get(f"{ROUTES}/{own.pk}").status_code == 200
    assert driver.get(f"{ROUTES}/{other.pk}").json() == error("not_found", "Not found.")

    # a driver does not dispatch, but starts and completes their own route
    refused = send(driver, "post", f"{ROUTES}/{own.pk}/dispatch")
    assert refused.status_code == 403
    assert refused.json() == error(
        "permission_denied", "Only an owner, admin or dispatcher may do this."
    )
    started = send(driver, "post", f"{ROUTES}/{own.pk}/start")
    assert (started.status_code, started.json()["status"]) == (200, "started")
    completed = send(driver, "post", f"{ROUTES}/{own.pk}/complete")
    assert (completed.status_code, completed.json()["status"]) == (200, "completed")

    # and a colleague's route is not found, and unchanged
    foreign = send(driver, "post", f"{ROUTES}/{other.pk}/start")
    assert (foreign.status_code, foreign.json()) == (404, error("not_found", "Not found."))
    with tenant_a.use():
        assert Route.objects.filter(pk=other.pk).values().get() == before_other


def test_a_dispatcher_dispatches_and_the_route_moves_on(tenant_a):
    with tenant_a.use():
        route = make_route(make_driver())
        add_stops(route, 1)
    client = tenant_a.api(key=tenant_a.dispatcher_key)

    for action, status, stamp in (
        ("dispatch", "dispatched", "dispatched_at"),
        ("start", "started", "started_at"),
        ("complete", "completed", "completed_at"),
    ):
        response = send(client, "post", f"{ROUTES}/{route.pk}/{action}")

        assert response.status_code == 200, response.content
        with tenant_a.use():
            route.refresh_from_db()
            assert response.json() == route_json(route)
        assert route.status == status
        assert getattr(route, stamp) is not None


@pytest.mark.parametrize(
    ("current", "action", "to"),
    [
        ("planned", "start", "started"),
        ("planned", "complete", "completed"),
        ("dispatched", "dispatch", "dispatched"),
        ("dispatched", "complete", "completed"),
        ("started", "dispatch", "dispatched"),
        ("completed", "start", "started"),
    ],
)
def test_a_wrong_transition_answers_409(current, action, to, tenant_a):
    with tenant_a.use():
        route = make_route(make_driver(), status=current)
        before = Route.objects.filter(pk=route.pk).values().get()

    response = send(tenant_a.api(), "post", f"{ROUTES}/{route.pk}/{action}")

    assert response.status_code == 409
    assert response.json() == error(
        "invalid_transition", f"A route that is {current} cannot become {to}."
    )
    with tenant_a.use():
        assert Route.objects.filter(pk=route.pk).values().get() == before


@pytest.mark.parametrize("count", [2, 20])
def test_the_route_list_costs_the_same_queries_for_2_and_20_routes(
    count, tenant_a, django_assert_num_queries
):
    # given `count` routes of 3 stops each
    with tenant_a.use():
        for number in range(count):
            add_stops(make_route(make_driver(email=f"driver{number}@example.test")), 3)
    client = tenant_a.api()

    # when / then: the tenant (and two search_path switches), the API key and its last use,
    # the routes with drivers and vehicles, the stops with their orders
    with django_assert_num_queries(7):
        response = client.get(ROUTES)

    assert response.status_code == 200
    assert len(response.json()["results"]) == count
    assert {len(route["stops"]) for route in response.json()["results"]} == {3}


@pytest.mark.parametrize("count", [2, 20])
def test_a_routes_geometry_costs_the_same_queries_for_2_and_20_stops(
    count, tenant_a, settings, django_assert_num_queries
):
    # given a route of `count` stops and no road-geometry server (straight lines)
    settings.ROUTING_MATRIX_PROVIDER = "great_circle"
    with tenant_a.use():
        route = make_route(make_driver())
        add_stops(route, count)
    client = tenant_a.api()

    # when / then: the tenant (and two search_path switches), the API key and its last use,
    # the route with its driver and vehicle, its stops with their orders
    with django_assert_num_queries(7):
        response = client.get(f"{ROUTES}/{route.pk}/geometry")

    assert response.status_code == 200
    assert response.json()["road"] is False
    assert len(response.json()["path"]) == count + 1


# --- the dispatchers' socket -----------------------------------------------------------------


def test_the_dispatch_socket_greets_operations_and_refuses_drivers(committed_tenant, committed_db):
    world = committed_tenant("rt-dispatch")
    dispatcher, driver = session_cookie(world, Role.DISPATCHER), session_cookie(world, Role.DRIVER)

    async def scenario():
        socket = communicator(world.host, cookie=dispatcher, path=DISPATCH_SOCKET)
        refused = communicator(world.host, cookie=driver, path=DISPATCH_SOCKET)
        anonymous = communicator(world.host, path=DISPATCH_SOCKET)
        try:
            assert await socket.connect(timeout=5) == (True, None)
            hello = await socket.receive_json_from(timeout=5)
            await socket.send_to(text_data="not json")
            answer = await socket.receive_json_from(timeout=5)
            await socket.send_json_to({"type": "ping"})
            again = await socket.receive_json_from(timeout=5)
            assert await refused.connect(timeout=5) == (True, None)
            closed = await refused.receive_output(timeout=5)
            assert await anonymous.connect(timeout=5) == (True, None)
            unauthenticated = await anonymous.receive_output(timeout=5)
            return hello, answer, again, closed, unauthenticated
        finally:
            await asyncio.gather(
                *(s.disconnect(timeout=DISCONNECT_SECONDS) for s in (socket, refused, anonymous))
            )

    hello, answer, again, closed, unauthenticated = async_to_sync(scenario)()

    assert hello == {"type": "hello", "data": {"tenant": "rt-dispatch"}}
    read_only = {
        "type": "error",
        "data": {"code": "read_only", "message": "This socket only sends; use the API to act."},
    }
    assert answer == again == read_only
    assert closed == {"type": "websocket.close", "code": CLOSE_FORBIDDEN}
    assert unauthenticated == {"type": "websocket.close", "code": 4401}


def test_an_optimization_runs_on_the_worker_and_is_pushed_to_dispatchers(
    committed_tenant, committed_db, celery_worker
):
    # given the demo bakery's day (3 vans, 3 drivers, 60 orders) in one business, and a
    # dispatcher of another business watching their own socket
    world, other = committed_tenant("plan-live"), committed_tenant("plan-quiet")
    with world.use():
        for email, _ in DRIVERS:
            user_create(email=email, role=Role.DRIVER, password=None, full_name=email[:7])
        seeded = demo_deliveries_seed(today=DAY)
    assert (seeded.drivers, seeded.orders) == (3, 60)
    ours, theirs = session_cookie(world), session_cookie(other)
    client = world.api(key=world.dispatcher_key)

    async def scenario():
        watching = communicator(world.host, cookie=ours, path=DISPATCH_SOCKET)
        elsewhere = communicator(other.host, cookie=theirs, path=DISPATCH_SOCKET)
        try:
            for socket in (watching, elsewhere):
                assert await socket.connect(timeout=5) == (True, None)
                assert (await socket.receive_json_from(timeout=5))["type"] == "hello"

            # when a dispatcher presses "Plan"
            started = await sync_to_async(send)(
                client, "post", OPTIMIZATIONS, {"date": DAY.isoformat(), "time_budget_s": 2}
            )
            assert started.status_code == 202, started.content
            job_id = started.json()["id"]

            # then the job is followed over the API until the worker is done (60 s at most)
            deadline = clock.monotonic() + 60
            while True:
                followed = await sync_to_async(client.get)(f"{OPTIMIZATIONS}/{job_id}")
                if followed.json()["status"] in TERMINAL or clock.monotonic() > deadline:
                    break
                await asyncio.sleep(0.25)

            # and every step went out on the business's dispatch socket, in order
            pushed = []
            while not pushed or pushed[-1]["data"]["status"] not in TERMINAL:
                pushed.append(await watching.receive_json_from(timeout=10))
            quiet = await elsewhere.receive_nothing(timeout=QUIET_SECONDS)
            return started.json(), followed.json(), pushed, quiet
        finally:
            await asyncio.gather(
                *(s.disconnect(timeout=DISCONNECT_SECONDS) for s in (watching, elsewhere))
            )

    queued, job, pushed, quiet = async_to_sync(scenario)()

    assert job["status"] == "succeeded", job
    assert (job["progress"], job["error"]) == (100, "")
    summary = job["summary"]
    assert summary["orders_planned"] + summary["orders_unassigned"] == 60
    assert len(job["unassigned"]) == summary["orders_unassigned"]
    with world.use():
        routes = list(Route.objects.all())
        assert len(routes) == summary["routes"] >= 1
        assert {str(route.optimization_id) for route in routes} == {job["id"]}
        assert Stop.objects.count() == summary["orders_planned"]
        assert Order.objects.filter(status="assigned").count() == summary["orders_planned"]
    # Planning also pushes order.updated / route.updated (tracking); they all come before the
    # job's final message, which is sent last, after the routes were written.
    changes = [m for m in pushed if m["type"] != "optimization.updated"]
    assert {m["type"] for m in changes} == {"order.updated", "route.updated"}
    assert len([m for m in changes if m["type"] == "order.updated"]) == 60
    assert len([m for m in changes if m["type"] == "route.updated"]) == summary["routes"]
    pushed = [m for m in pushed if m["type"] == "optimization.updated"]
    assert [(m["type"], m["data"]["status"], m["data"]["progress"]) for m in pushed] == [
        ("optimization.updated", "queued", 0),
        ("optimization.updated", "running", 5),
        ("optimization.updated", "running", 10),
        ("optimization.updated", "running", 30),
        ("optimization.updated", "running", 90),
        ("optimization.updated", "succeeded", 100),
    ]
    assert pushed[0]["data"] == {
        "id": queued["id"],
        "delivery_date": DAY.isoformat(),
        "status": "queued",
        "progress": 0,
        "summary": {},
        "unassigned": 0,
        "error": "",
    }
    assert pushed[-1]["data"] == {
        "id": job["id"],
        "delivery_date": DAY.isoformat(),
        "status": "succeeded",
        "progress": 100,
        "summary": summary,
        "unassigned": summary["orders_unassigned"],
        "error": "",
    }
    # and the other business heard nothing
    assert quiet is True
