"""A route under way re-planned mid-day: its times (planned start and end, duration) agree with
its stops afterwards, in the database and the API the Plan page reads. It runs from when it
actually started to the new plan's end, never ending before its last stop."""

from datetime import timedelta

import pytest
import time_machine

from delivery.services import order_transition
from delivery.tests.factories import TEST_ACTOR
from routing import matrices
from routing.edits import route_schedule
from routing.models import Route, Stop
from routing.problem import PlannedRoute, PlannedStop
from routing.selectors import day_to_plan
from routing.services import route_status_set
from routing.services.plans import routes_replace
from routing.tests.days import DAY, TZ, at, run, small_day, small_day_under_way
from tests.api import iso

NOW = at("10:00")  # when the dispatcher re-plans


@pytest.fixture
def started_early(tenant_a, django_capture_on_commit_callbacks):
    """The small day planned at 07:30; its first route started at 08:20, before its planned
    start, with one stop done and one current: (route, its stops, its planned end then)."""
    with tenant_a.use():
        yield small_day_under_way(django_capture_on_commit_callbacks, started="08:20")


def _stop(stop: Stop, sequence: int, arrival: str) -> PlannedStop:
    return PlannedStop(
        order_id=stop.order_id,
        sequence=sequence,
        arrival=at(arrival),
        departure=at(arrival) + timedelta(minutes=5),
        waiting_s=0,
        load_after={"items": 0.0},
    )


def _replan(route: Route, *, stops: list[PlannedStop], end: str) -> None:
    with time_machine.travel(NOW, tick=False):
        day = day_to_plan(delivery_date=DAY, tz=TZ, replan=True, now=NOW)
        planned = PlannedRoute(
            driver_id=route.driver_id,
            start=NOW,
            end=at(end),
            distance_m=9_000,
            travel_s=1_800,
            stops=stops,
        )
        routes_replace(
            day=day,
            planned=[planned],
            unassigned_ids=[],
            job=None,
            actor=TEST_ACTOR,
            driver_ids=[route.driver_id],
        )


def test_a_route_under_way_runs_from_its_actual_start_to_the_new_plans_end(tenant_a, started_early):
    route, stops = started_early
    with tenant_a.use():
        before = Route.objects.values_list("planned_start", "planned_end").get(pk=route.pk)

        # when the re-plan brings its remaining stops forward, ending at 11:15
        _replan(
            route, stops=[_stop(stops[2], 1, "10:30"), _stop(stops[3], 2, "11:00")], end="11:15"
        )

        route.refresh_from_db()
    # then it starts when it actually started and ends at the new end, shorter than before
    assert before[0] > at("08:20")
    assert before[1] > at("11:15")
    assert (route.planned_start, route.planned_end, route.duration_s) == (
        at("08:20"),
        at("11:15"),
        (2 * 60 + 55) * 60,
    )
    # and the API (the Plan page's header) says the same
    body = tenant_a.api().get(f"/api/v1/routes/{route.pk}").json()
    assert (body["planned_start"], body["planned_end"], body["duration_s"]) == (
        iso(at("08:20")),
        iso(at("11:15")),
        10_500,
    )


def test_a_stop_left_in_the_van_keeps_the_route_going_until_it_is_done(tenant_a, started_early):
    route, stops = started_early
    with tenant_a.use():
        # when the re-plan fits only one remaining stop, ending at 10:45: the other stays in
        # the van with its old times
        _replan(route, stops=[_stop(stops[2], 1, "10:30")], end="10:45")

        route.refresh_from_db()
        left = Stop.objects.get(route=route, order_id=stops[3].order_id)
    # then the route ends when that stop is done
    assert left.planned_departure == stops[3].planned_departure
    assert left.planned_departure > at("10:45")
    assert (route.planned_start, route.planned_end) == (at("08:20"), stops[3].planned_departure)


def test_a_dispatched_route_not_started_runs_from_the_new_plans_start(
    tenant_a, django_capture_on_commit_callbacks
):
    with tenant_a.use():
        with time_machine.travel(at("07:30"), tick=False):
            small_day()
            assert run(django_capture_on_commit_callbacks).status == "succeeded"
        route = Route.objects.order_by("planned_start", "id").first()
        route_status_set(route=route, to=Route.Status.DISPATCHED, actor=TEST_ACTOR)
        stops = list(route.stops.order_by("sequence"))

        # when the re-plan starts it at 10:00 and ends it at 12:40
        clocks = ["10:30", "11:00", "11:30", "12:00"]
        planned = [
            _stop(stop, n, clock)
            for n, (stop, clock) in enumerate(zip(stops, clocks, strict=True), start=1)
        ]
        _replan(route, stops=planned, end="12:40")

        route.refresh_from_db()
    assert (route.planned_start, route.planned_end, route.duration_s) == (
        NOW,
        at("12:40"),
        (2 * 60 + 40) * 60,
    )


def _replan_with_nothing_for(route: Route) -> None:
    """A re-plan at NOW in which the solver gives `route`'s driver no route."""
    with time_machine.travel(NOW, tick=False):
        day = day_to_plan(delivery_date=DAY, tz=TZ, replan=True, now=NOW)
        routes_replace(
            day=day,
            planned=[],
            unassigned_ids=[],
            job=None,
            actor=TEST_ACTOR,
            driver_ids=[route.driver_id],
        )


def test_a_started_van_with_nothing_more_to_do_ends_back_from_where_it_is(tenant_a, started_early):
    route, stops = started_early
    with tenant_a.use():
        # given its two last stops delivered early, at 09:50 (planned for after 10:00): only
        # the current stop is left
        with time_machine.travel(at("09:50"), tick=False):
            for stop in stops[2:]:
                order_transition(order_id=stop.order_id, to="delivered", actor=TEST_ACTOR)
        before = Route.objects.get(pk=route.pk)

        # when the re-plan at 10:00 gives the van nothing more to do
        _replan_with_nothing_for(route)

        route.refresh_from_db()
        current = stops[1].order
        matrix = matrices.travel_matrix(
            [(current.lat, current.lng), (route.end_lat, route.end_lng)], profile="van"
        )
    # then it ends once the current stop is done (no position: it is there from 10:00, as the
    # re-plan saw it) and the van is back: not at the end of the plan it no longer follows,
    # nor after the stops done early
    done_at = NOW + timedelta(seconds=current.service_seconds)
    back = done_at + timedelta(seconds=float(matrix.durations[0][1]))
    assert before.planned_end > back + timedelta(hours=1)
    assert Stop.objects.values_list("planned_arrival", "planned_departure").get(pk=stops[1].pk) == (
        NOW,
        done_at,
    )
    assert (route.planned_start, route.planned_end, route.duration_s) == (
        at("08:20"),
        back,
        int((back - at("08:20")).total_seconds()),
    )
    measured = route_schedule(route, list(route.stops.select_related("order").order_by("sequence")))
    assert (route.distance_m, route.travel_s) == (measured.distance_m, measured.travel_s)
    body = tenant_a.api().get(f"/api/v1/routes/{route.pk}").json()
    assert (body["planned_end"], body["distance_m"]) == (iso(back), measured.distance_m)


def test_a_dispatched_route_left_with_no_stops_is_dropped(
    tenant_a, django_capture_on_commit_callbacks
):
    with tenant_a.use():
        with time_machine.travel(at("07:30"), tick=False):
            small_day()
            assert run(django_capture_on_commit_callbacks).status == "succeeded"
        route = Route.objects.order_by("planned_start", "id").first()
        route_status_set(route=route, to=Route.Status.DISPATCHED, actor=TEST_ACTOR)
        # given every order of the dispatched route cancelled
        for order_id in route.stops.values_list("order_id", flat=True):
            order_transition(order_id=order_id, to="cancelled", actor=TEST_ACTOR)
        assert not route.stops.exists()

        # when the re-plan gives its driver nothing
        _replan_with_nothing_for(route)

        # then the route is gone: no empty route with the old plan's times and distance
        assert not Route.objects.filter(pk=route.pk).exists()
    assert tenant_a.api().get(f"/api/v1/routes/{route.pk}").status_code == 404
