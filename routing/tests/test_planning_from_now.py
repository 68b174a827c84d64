"""Planning a day that has begun (issue 12, defect 1): no route leaves before now plus the
business's loading lead time, and the job says from when it planned."""

from datetime import timedelta

import time_machine

from delivery.models import Order, OrderStatus
from routing.models import Route, Stop
from routing.tests.days import WINDOWS, at, run, small_day
from tenants.models import Tenant


def _lead(tenant_a, minutes: int) -> None:
    Tenant.objects.filter(pk=tenant_a.tenant.pk).update(loading_lead_minutes=minutes)


def test_planning_at_10_33_starts_no_route_before_11_03(
    tenant_a, django_capture_on_commit_callbacks
):
    with tenant_a.use(), time_machine.travel(at("10:33"), tick=False):
        # given the small day (windows 09–10, 10–11, 11–12, 12–13 north and south), default lead
        world = small_day()

        # when it is planned at 10:33
        job = run(django_capture_on_commit_callbacks)

        # then the routes leave at 11:03 at the earliest, so the 09–10 and 10–11 windows are
        # out of reach and those orders are left out, saying why
        routes = list(Route.objects.all())
        assert job.summary["starts_at"] == at("11:03").isoformat()
        assert routes and min(route.planned_start for route in routes) >= at("11:03")
        assert min(Stop.objects.values_list("planned_arrival", flat=True)) >= at("11:03")
        early = {o.pk for o in (*world.north[:2], *world.south[:2])}
        assert {entry["order"] for entry in job.unassigned} == {str(pk) for pk in early}
        assert {entry["label"]: entry["reason"] for entry in job.unassigned} == {
            f"{side}-{number}": f"window {WINDOWS[number - 1][0]}–{WINDOWS[number - 1][1]} is "
            "over: planning starts 11:03 (now + loading) — widen its window or move it to "
            "another day"
            for side in ("N", "S")
            for number in (1, 2)
        }
        assert set(
            Order.objects.filter(status=OrderStatus.ASSIGNED).values_list("pk", flat=True)
        ) == {o.pk for o in (*world.north[2:], *world.south[2:])}


def test_the_lead_time_is_the_business_setting(tenant_a, django_capture_on_commit_callbacks):
    with tenant_a.use(), time_machine.travel(at("10:33"), tick=False):
        # given a business that loads in 5 minutes
        _lead(tenant_a, 5)
        small_day()

        # when it plans at 10:33
        job = run(django_capture_on_commit_callbacks)

        # then it plans from 10:38
        assert job.summary["starts_at"] == at("10:38").isoformat()
        assert min(Route.objects.values_list("planned_start", flat=True)) >= at("10:38")


def test_planning_the_day_before_keeps_the_shift_start(
    tenant_a, django_capture_on_commit_callbacks
):
    with tenant_a.use(), time_machine.travel(at("18:00") - timedelta(days=1), tick=False):
        small_day()

        job = run(django_capture_on_commit_callbacks)

        # the day has not begun: shifts start at 08:00 and every order is planned
        assert (job.summary["starts_at"], job.unassigned) == (None, [])
        assert min(Route.objects.values_list("planned_start", flat=True)) >= at("08:00")
        assert Order.objects.filter(status=OrderStatus.ASSIGNED).count() == 8


def test_planning_after_every_shift_is_over_fails_with_a_reason_not_a_crash(
    tenant_a, django_capture_on_commit_callbacks
):
    """Found by the whole-day model test: a driver whose shift was over by now + loading took
    part as None and the solve crashed (AttributeError)."""
    with tenant_a.use(), time_machine.travel(at("16:45"), tick=False):
        # given the small day (shifts 08:00–17:00) planned at 16:45 with 30 min loading
        world = small_day()

        # when it is planned
        job = run(django_capture_on_commit_callbacks)

        # then the job ends normally: nothing planned, every order with a reason
        assert (job.status, Route.objects.count()) == ("succeeded", 0)
        assert {entry["order"] for entry in job.unassigned} == {
            str(o.pk) for o in (*world.north, *world.south)
        }
        assert all(entry["reason"] for entry in job.unassigned)
