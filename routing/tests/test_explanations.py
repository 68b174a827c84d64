"""Reasons that name the bottleneck, on small hand-made days (pure): the skill (how many drivers
have it, how full their routes are), the load dimension with its numbers, the window and the
shifts that could reach it."""

from datetime import date
from decimal import Decimal

from routing.explanations import explain, routes_use
from routing.planning import Day
from routing.tests.test_problem import BASE, at, driver, line_travel, order, plan, van

DAY = date(2026, 11, 27)
FRIDGE = frozenset({"fridge"})


def reasons(day: Day) -> set[str]:
    """Plan the day (VROOM), then explain every order left out, with what the routes hold."""
    routes, solution, mapping = plan(day)
    orders = {o.id: o for o in day.orders}
    used = routes_use(routes, orders)
    left_out = {mapping.order_ids[number] for number in solution.unassigned}
    assert left_out, "the day was meant not to fit"
    return {explain(orders[i], day, travel_s=line_travel, used=used) for i in left_out}


def test_the_only_fridge_van_is_full():
    # three fridge orders of one item; the one fridge van holds two; two other vans are empty
    day = Day(
        DAY,
        BASE,
        [order(n, n, items=1, skills=FRIDGE) for n in (1, 2, 3)],
        [
            driver(1, vehicle=van(items=2, skills=FRIDGE)),
            driver(2, vehicle=van(items=20)),
            driver(3, vehicle=van(items=20)),
        ],
    )

    assert reasons(day) == {
        "needs skill 'fridge', which 1 of 3 drivers on shift has; its route is full by items "
        "(Driver 1: 2 of 2 items); it needs 1 items — add a driver with 'fridge' or move some "
        "'fridge' orders to another day"
    }


def test_the_vans_are_full_by_weight_with_the_numbers():
    # three orders of 6 kg, two vans of 10 kg: each takes one, neither has 6 kg left
    day = Day(
        DAY,
        BASE,
        [order(n, n, weight_kg=Decimal(6)) for n in (1, 2, 3)],
        [driver(n, vehicle=van(weight_kg=Decimal(10), items=10)) for n in (1, 2)],
    )

    assert reasons(day) == {
        "did not fit: the routes that can take it are full by weight (Driver 1: 6 of 10 kg; "
        "Driver 2: 6 of 10 kg); it needs 6 kg — add a driver or a bigger vehicle, or raise its "
        "priority"
    }


def test_the_van_has_its_max_stops():
    day = Day(DAY, BASE, [order(n, n) for n in (1, 2, 3)], [driver(1, max_stops=2)])

    assert reasons(day) == {
        "did not fit: the routes that can take it are full by stops (Driver 1: 2 of 2 stops) "
        "— add a driver or a bigger vehicle, or raise its priority"
    }


def test_the_routes_that_reach_the_window_have_no_time_left():
    # two orders in the same six minutes at opposite ends of the line: one driver serves one
    day = Day(
        DAY,
        BASE,
        [
            order(1, 1, time_windows=((at(8), at(8.1)),)),
            order(2, 5, time_windows=((at(8), at(8.1)),)),
        ],
        [driver(1)],
    )

    assert reasons(day) == {
        "did not fit: the routes that can reach window 08:00–08:06 (Driver 1 (08:00–17:00)) "
        "have no time left for it — add a driver on shift then, widen its window or raise its "
        "priority"
    }


def test_only_a_late_van_without_the_skill_could_reach_the_window():
    # the fridge van works 08:00–15:00; the late van (12:00–19:00) has no fridge
    day = Day(
        DAY,
        BASE,
        [order(1, 1, skills=FRIDGE, time_windows=((at(17), at(18)),))],
        [
            driver(1, vehicle=van(skills=FRIDGE), shift_end=at(15)),
            driver(2, vehicle=van(), shift_start=at(12), shift_end=at(19)),
        ],
    )

    assert explain(day.orders[0], day, travel_s=line_travel) == (
        "needs skill 'fridge': the driver with it (Driver 1 (08:00–15:00)) cannot serve window "
        "17:00–18:00 within the shift; Driver 2 (12:00–19:00) could, but has no 'fridge'"
    )


def test_a_window_after_every_shift_names_the_shifts():
    day = Day(
        DAY,
        BASE,
        [order(1, 1, time_windows=((at(17), at(18)),))],
        [driver(1, shift_end=at(15)), driver(2, shift_start=at(7), shift_end=at(16))],
    )

    assert explain(day.orders[0], day, travel_s=line_travel) == (
        "cannot be served in window 17:00–18:00 and be back before the end of any driver's "
        "shift (shifts end 15:00, 16:00)"
    )


def test_too_much_driving_for_the_max_driving_time():
    day = Day(DAY, BASE, [order(1, 5)], [driver(1, max_travel_s=300)])

    assert explain(day.orders[0], day, travel_s=line_travel) == (
        "there and back is more driving than any driver's max driving time (Driver 1)"
    )


def test_too_heavy_for_every_fridge_van():
    day = Day(
        DAY,
        BASE,
        [order(1, 1, skills=FRIDGE, weight_kg=Decimal(150))],
        [
            driver(1, vehicle=van(weight_kg=Decimal(100), skills=FRIDGE)),
            driver(2, vehicle=van(weight_kg=Decimal(500))),
        ],
    )

    assert explain(day.orders[0], day, travel_s=line_travel) == (
        "150 kg exceeds the largest 'fridge' vehicle capacity 100 kg"
    )
