"""Mid-day re-planning starts a van under way from its driver's last known position (issue 12):
from now, with the stop the driver is heading to locked first; a position older than
PLANNING_POSITION_MAX_AGE_SECONDS (or none) falls back to the current stop."""

from datetime import timedelta

import numpy as np
import pytest
import time_machine

from delivery.models import Driver
from delivery.tests.factories import TEST_ACTOR
from routing.models import Route, Stop
from routing.problem import problem_build
from routing.selectors import day_to_plan
from routing.services import route_status_set
from routing.tests.days import DAY, TZ, at, run, small_day, small_day_under_way

WHERE = (52.3801, 4.8950)  # between the depot and the first northern stop
NOW = at("10:00")  # when the dispatcher re-plans


class Matrix:
    """Travel times of a tiny made-up world: 100 s per index step, 10 m per second."""

    def __init__(self, points):
        size = len(points)
        self.durations = np.array([[abs(i - j) * 100 for j in range(size)] for i in range(size)])
        self.distances = self.durations * 10


@pytest.fixture
def under_way(tenant_a, django_capture_on_commit_callbacks, settings):
    """In tenant A, positions up to 15 minutes old count: the small day planned at 07:30, its
    first route started at 09:00 with one stop done."""
    settings.PLANNING_POSITION_MAX_AGE_SECONDS = 15 * 60
    with tenant_a.use():
        yield small_day_under_way(django_capture_on_commit_callbacks, started="09:00")


def _position(driver_id, *, at_moment) -> None:
    Driver.objects.filter(pk=driver_id).update(
        last_lat=WHERE[0], last_lng=WHERE[1], last_position_at=at_moment
    )


def _van(day, driver_id):
    return next(driver for driver in day.drivers if driver.id == driver_id)


def test_a_started_van_with_a_recent_position_is_planned_from_it(under_way):
    # given a started route whose driver posted a position 3 minutes ago, on the way to
    # their second stop
    route, stops = under_way
    current = stops[1]
    _position(route.driver_id, at_moment=NOW - timedelta(minutes=3))

    # when the day is read for re-planning at 10:00
    day = day_to_plan(delivery_date=DAY, tz=TZ, replan=True, now=NOW)

    # then that van starts at the position, from now, heading to the current stop first
    van = _van(day, route.driver_id)
    assert van.start == WHERE
    assert van.shift_start == NOW
    assert van.heading_to == (current.order.lat, current.order.lng)
    assert van.heading_service_s == current.order.service_seconds
    assert day.underway[route.driver_id].kept_stop_ids == (stops[0].pk, current.pk)
    assert [note["driver"] for note in day.from_positions] == [str(route.driver_id)]
    assert day.positions_stale == []

    # and the solver's van leaves the current stop once driven there and served
    problem, mapping = problem_build(day, matrix_for=lambda points, profile: Matrix(points))
    number = next(n for n, d in mapping.driver_ids.items() if d == route.driver_id)
    vehicle = next(v for v in problem.vehicles if v.id == number)
    position, stop = mapping.points.index(WHERE), mapping.points.index(van.heading_to)
    assert vehicle.start == stop
    drive = abs(position - stop) * 100
    assert vehicle.time_window[0] == day.seconds(NOW) + drive + van.heading_service_s
    assert mapping.heading == {
        route.driver_id: (day.seconds(NOW) + drive, day.seconds(NOW) + drive + 300)
    }


def test_a_replan_job_says_it_planned_from_the_drivers_positions(
    under_way, django_capture_on_commit_callbacks
):
    route, stops = under_way
    _position(route.driver_id, at_moment=NOW - timedelta(minutes=3))

    # when the dispatcher re-plans at 10:00
    with time_machine.travel(NOW, tick=False):
        job = run(django_capture_on_commit_callbacks, mode="replan")

    # then the job names the van planned from its position, and the done and current
    # stops stay first and locked
    assert job.status == "succeeded", job.error
    name = str(Driver.objects.get(pk=route.driver_id))
    assert job.summary["from_positions"] == [
        {
            "driver": str(route.driver_id),
            "name": name,
            "at": (NOW - timedelta(minutes=3)).isoformat(),
        }
    ]
    assert job.summary["positions_stale"] == []
    after = list(Stop.objects.filter(route=route).order_by("sequence"))
    assert [(s.pk, s.locked) for s in after[:2]] == [(stops[0].pk, True), (stops[1].pk, True)]
    # the current stop is re-timed from the position (driven there from now, then served),
    # and the stops after it follow it
    current = after[1]
    assert current.planned_arrival > NOW
    assert current.planned_departure - current.planned_arrival == timedelta(seconds=300)
    assert all(s.planned_arrival >= current.planned_departure for s in after[2:])
    assert after[0].planned_arrival == stops[0].planned_arrival  # a done stop keeps its time


def test_a_stale_position_falls_back_to_the_current_stop(under_way):
    # given a started route whose driver's last position is 20 minutes old
    route, stops = under_way
    current = stops[1]
    _position(route.driver_id, at_moment=NOW - timedelta(minutes=20))

    # when the day is read for re-planning
    day = day_to_plan(delivery_date=DAY, tz=TZ, replan=True, now=NOW)

    # then the van starts at its current stop, once served there, as without a position
    van = _van(day, route.driver_id)
    assert van.start == (current.order.lat, current.order.lng)
    assert van.heading_to is None
    assert van.shift_start == NOW + timedelta(seconds=current.order.service_seconds)
    assert day.from_positions == []
    assert [note["driver"] for note in day.positions_stale] == [str(route.driver_id)]


def test_a_dispatched_van_not_started_ignores_the_phone_position(
    tenant_a, django_capture_on_commit_callbacks, settings
):
    with tenant_a.use():
        # given a dispatched (not started) route whose driver's phone is somewhere
        with time_machine.travel(at("07:30"), tick=False):
            small_day()
            assert run(django_capture_on_commit_callbacks).status == "succeeded"
        route = Route.objects.order_by("planned_start", "id").first()
        route_status_set(route=route, to=Route.Status.DISPATCHED, actor=TEST_ACTOR)
        now = at("08:10")
        _position(route.driver_id, at_moment=now - timedelta(minutes=1))

        # when re-planning
        day = day_to_plan(delivery_date=DAY, tz=TZ, replan=True, now=now)

        # then the van still leaves from its start place, once loaded
        van = _van(day, route.driver_id)
        assert van.start == (route.start_lat, route.start_lng)
        assert van.heading_to is None
        assert day.from_positions == day.positions_stale == []
