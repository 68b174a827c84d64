"""Reasons that name the bottleneck on small hand-made days (pure): an order needing a skill only
some drivers have is explained by that skill — how many drivers have it and how full their
routes are, with the numbers, or the shifts that could reach it but lack it."""

from datetime import date
from decimal import Decimal

from routing.binding import unplanned_reason
from routing.planning import Day
from routing.tests.test_problem import BASE, at, driver, line_travel, order, plan, van

DAY = date(2026, 11, 27)
FRIDGE = frozenset({"fridge"})


def reasons(day: Day) -> set[str]:
    """Plan the day (VROOM), then the reason of every order left out."""
    routes, solution, mapping = plan(day)
    orders = {o.id: o for o in day.orders}
    left_out = {mapping.order_ids[number] for number in solution.unassigned}
    assert left_out, "the day was meant not to fit"
    return {unplanned_reason(orders[i], day, routes, travel_s=line_travel) for i in left_out}


def test_the_only_fridge_van_is_full_by_items():
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


def test_the_fridge_vans_are_full_by_weight_with_the_numbers():
    # two fridge vans of 10 kg, three fridge orders of 6 kg: each van takes one
    day = Day(
        DAY,
        BASE,
        [order(n, n, weight_kg=Decimal(6), skills=FRIDGE) for n in (1, 2, 3)],
        [
            driver(1, vehicle=van(weight_kg=Decimal(10), skills=FRIDGE)),
            driver(2, vehicle=van(weight_kg=Decimal(10), skills=FRIDGE)),
            driver(3, vehicle=van(weight_kg=Decimal(500))),
        ],
    )

    assert reasons(day) == {
        "needs skill 'fridge', which 2 of 3 drivers on shift have; their routes are full by "
        "weight (Driver 1: 6 of 10 kg; Driver 2: 6 of 10 kg); it needs 6 kg — add a driver "
        "with 'fridge' or move some 'fridge' orders to another day"
    }


def test_the_fridge_van_has_its_max_stops():
    day = Day(
        DAY,
        BASE,
        [order(n, n, skills=FRIDGE) for n in (1, 2, 3)],
        [driver(1, vehicle=van(skills=FRIDGE), max_stops=2), driver(2, vehicle=van())],
    )

    assert reasons(day) == {
        "needs skill 'fridge', which 1 of 2 drivers on shift has; its route is full by stops "
        "(Driver 1: 2 of 2 stops) — add a driver with 'fridge' or move some 'fridge' orders to "
        "another day"
    }


def test_the_fridge_van_is_out_of_time_for_the_window():
    # two fridge orders in the same six minutes at opposite ends of the line
    day = Day(
        DAY,
        BASE,
        [
            order(1, 1, skills=FRIDGE, time_windows=((at(8), at(8.1)),)),
            order(2, 5, skills=FRIDGE, time_windows=((at(8), at(8.1)),)),
        ],
        [driver(1, vehicle=van(skills=FRIDGE)), driver(2, vehicle=van())],
    )

    (reason,) = reasons(day)
    assert reason.startswith(
        "needs skill 'fridge', which 1 of 2 drivers on shift has; its route is out of time for "
        "it in window 08:00–08:06 (Driver 1 (08:00–17:00), back "
    )
    assert reason.endswith(
        ") — add a driver with 'fridge', widen its window or move some 'fridge' orders to "
        "another day"
    )


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

    assert reasons(day) == {
        "needs skill 'fridge': the driver with it (Driver 1 (08:00–15:00)) cannot serve window "
        "17:00–18:00 within the shift; Driver 2 (12:00–19:00) could, but has no 'fridge' — "
        "give a driver on that shift 'fridge' or move it to another day"
    }


def test_an_order_everyone_can_take_names_the_full_load_with_its_numbers():
    # no skill narrows who can go; the day's 18 kg would fit the fleet's 20 kg in total, but
    # each van holds one 6 kg order and has 4 kg left: weight binds, not time
    day = Day(
        DAY,
        BASE,
        [order(n, n, weight_kg=Decimal(6)) for n in (1, 2, 3)],
        [driver(n, vehicle=van(weight_kg=Decimal(10), items=10)) for n in (1, 2)],
    )

    assert reasons(day) == {
        "did not fit — weight: all 2 routes are full (Driver 1: 6 of 10 kg; Driver 2: 6 of 10 "
        "kg); it needs 6 kg (routes back by 08:06, shifts to 17:00): add a vehicle, raise its "
        "capacity or move orders to another day"
    }
