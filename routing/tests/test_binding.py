"""Reasons that name the binding limit with its numbers (issue 12, defect 6): small hand-made
days with exact answers."""

from datetime import date

from routing.binding import unplanned_reason
from routing.planning import Day
from routing.problem import PlannedRoute
from routing.tests.test_problem import BASE, at, driver, line_travel, order, plan, van
from tenants.locale import BusinessLocale


def _route(number: int, end: float) -> PlannedRoute:
    return PlannedRoute(
        driver_id=driver(number).id,
        start=at(8),
        end=at(end),
        distance_m=0,
        travel_s=0,
        stops=[],
    )


def test_items_are_named_as_the_limit_with_the_days_and_the_fleets_totals():
    # given 3 vans of 38 + 38 + 39 = 115 items, and orders of 141 items, shifts to 15:00
    drivers = [
        driver(1, vehicle=van(items=38), shift_end=at(15)),
        driver(2, vehicle=van(items=38), shift_end=at(15)),
        driver(3, vehicle=van(items=39), shift_end=at(15)),
    ]
    orders = [order(n, 1 + n % 5, items=11) for n in range(1, 13)] + [order(13, 2, items=9)]
    day = Day(date(2026, 11, 27), BASE, orders, drivers)
    left_out = orders[-1]

    # when the order the solver left out is explained, the routes back at 12:35
    reason = unplanned_reason(
        left_out, day, [_route(1, 12.5), _route(2, 12 + 35 / 60)], travel_s=line_travel
    )

    # then
    assert reason == (
        "did not fit — items: 141 ordered, 115 on 3 vans (routes back by 12:35, shifts to "
        "15:00): add a vehicle, raise its capacity or move orders to another day"
    )


def test_time_is_named_when_the_loads_fit():
    # two orders in the same 10-minute window at opposite ends, one driver: one must go
    day = Day(
        date(2026, 11, 27),
        BASE,
        [
            order(1, 1, time_windows=((at(8), at(8.1)),), items=1),
            order(2, 5, time_windows=((at(8), at(8.1)),), items=1),
        ],
        [driver(1, vehicle=van(items=10))],
    )
    routes, solution, mapping = plan(day)
    left_out = next(o for o in day.orders if o.id == mapping.order_ids[solution.unassigned[0]])

    reason = unplanned_reason(left_out, day, routes, travel_s=line_travel)

    end = routes[0].end.astimezone(BASE.tzinfo)
    assert reason == (
        f"did not fit — time: 1 of 1 drivers' routes are full (routes back by {end:%H:%M}, "
        "shifts to 17:00); its window 08:00–08:06 is taken by other stops: add a driver, widen "
        "its time window or raise its priority"
    )


def test_a_shift_that_cannot_be_reached_names_the_earliest_return():
    # 2 min of service 5 min from the depot, and back: a shift to 08:10 ends too soon
    day = Day(date(2026, 11, 27), BASE, [order(1, 5)], [driver(1, shift_end=at(8 + 10 / 60))])

    reason = unplanned_reason(day.orders[0], day, [], travel_s=line_travel)

    assert reason == (
        "cannot be served and be back before the end of any driver's shift (earliest back "
        "08:12, shifts end by 08:10)"
    )


def test_a_missing_skill_is_named():
    day = Day(date(2026, 11, 27), BASE, [order(1, 1, skills=frozenset({"fridge"}))], [driver(1)])

    assert unplanned_reason(day.orders[0], day, [], travel_s=line_travel) == (
        "needs skill 'fridge', no driver on shift has it"
    )


def test_no_driver_left_after_now_plus_loading_says_so():
    day = Day(date(2026, 11, 27), BASE, [order(1, 1)], [], starts_at=at(16.5))

    assert unplanned_reason(day.orders[0], day, [], travel_s=line_travel) == (
        "no driver is on shift after 16:30 (now + loading)"
    )


def test_a_window_over_before_planning_starts_says_so():
    day = Day(
        date(2026, 11, 27),
        BASE,
        [order(1, 1, time_windows=((at(8), at(10)),))],
        [driver(1, shift_start=at(10.5))],
        starts_at=at(10.5),
    )

    assert unplanned_reason(day.orders[0], day, [], travel_s=line_travel) == (
        "window 08:00–10:00 is over: planning starts 10:30 (now + loading) — widen its window "
        "or move it to another day"
    )


def test_a_business_on_a_12_hour_clock_reads_its_reasons_times_on_it():
    # given a US business's day that began: planning starts 4:30 PM, a window 8–10 AM is over
    us = BusinessLocale(
        language="en", country="US", time_zone=BASE.tzinfo, hour12=True, month_first=True
    )
    day = Day(
        date(2026, 11, 27),
        BASE,
        [order(1, 1, time_windows=((at(8), at(10)),)), order(2, 1)],
        [driver(1, shift_start=at(16.5))],
        starts_at=at(16.5),
        locale=us,
    )
    nobody = Day(date(2026, 11, 27), BASE, [order(1, 1)], [], starts_at=at(16.5), locale=us)

    # then
    assert unplanned_reason(day.orders[0], day, [], travel_s=line_travel) == (
        "window 8:00 AM–10:00 AM is over: planning starts 4:30 PM (now + loading) — widen its "
        "window or move it to another day"
    )
    assert unplanned_reason(nobody.orders[0], nobody, [], travel_s=line_travel) == (
        "no driver is on shift after 4:30 PM (now + loading)"
    )
