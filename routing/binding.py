"""The limit that left an order out, with its numbers, where `routing.explanations` can only say
"the routes are full" or "cannot be back before the end of any shift": the day's loads against
the fleet's ("items: 141 ordered, 115 on 3 vans"), or the shifts' time. Pure: the day, the plan
and travel times come in."""

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from decimal import Decimal

from routing.explanations import DID_NOT_FIT, NOT_BACK_IN_TIME, UNITS, explain, quantity_text
from routing.planning import Day, OrderToPlan, Point
from routing.problem import PlannedRoute

NAMES = {"weight_kg": "weight", "volume_l": "volume", "items": "items"}


def _clock(moment: datetime, day: Day) -> str:
    return moment.astimezone(day.time_base.tzinfo).strftime("%H:%M")


def _vehicles(day: Day) -> str:
    count = len(day.drivers)
    noun = "van" if all(driver.profile == "van" for driver in day.drivers) else "vehicle"
    return f"{count} {noun}{'s' if count != 1 else ''}"


def _amount(value, unit: str) -> str:
    return quantity_text(value) if unit == "items" else f"{quantity_text(value)} {unit}"


def load_limit(order: OrderToPlan, day: Day) -> str | None:
    """ "items: 141 ordered, 115 on 3 vans" when the day's orders need more of a load the order
    has than every vehicle together carries (each van makes one trip); None otherwise."""
    limits = []
    for name, unit in UNITS.items():
        if not getattr(order, name):
            continue
        capacities = [getattr(d.vehicle, name) if d.vehicle else None for d in day.drivers]
        if not capacities or any(capacity is None for capacity in capacities):
            continue  # some van has no limit there: this load cannot be what binds
        ordered = sum((Decimal(getattr(o, name)) for o in day.orders), Decimal(0))
        carried = sum((Decimal(capacity) for capacity in capacities), Decimal(0))
        if ordered > carried:
            limits.append(
                f"{NAMES[name]}: {_amount(ordered, unit)} ordered, {_amount(carried, unit)} "
                f"on {_vehicles(day)}"
            )
    return "; ".join(limits) or None


def did_not_fit(order: OrderToPlan, day: Day, planned: Sequence[PlannedRoute]) -> str:
    """Why an order that could be served on its own was left out: the load that runs out, or
    else the drivers' time, with the routes' and shifts' ends."""
    shifts_end = max(driver.shift_end for driver in day.drivers)
    back = max((route.end for route in planned), default=None)
    times = f"routes back by {_clock(back, day)}, " if back else ""
    times += f"shifts to {_clock(shifts_end, day)}"
    load = load_limit(order, day)
    if load:
        return (
            f"did not fit — {load} ({times}): add a vehicle, raise its capacity or move orders "
            "to another day"
        )
    windows = ", ".join(f"{_clock(s, day)}–{_clock(e, day)}" for s, e in order.time_windows)
    inside = f"; its window {windows} is taken by other stops" if windows else ""
    return (
        f"did not fit — time: {len(planned)} of {len(day.drivers)} drivers' routes are full "
        f"({times}){inside}: add a driver, widen its time window or raise its priority"
    )


def earliest_back(
    order: OrderToPlan, day: Day, *, travel_s: Callable[[Point, Point, str], int]
) -> str:
    """ " (earliest back 15:40, shifts end by 15:00)" for an order no driver can serve and be
    back from in time; empty when that cannot be said (no location, a pickup)."""
    if order.location is None or order.pickup is not None or not day.drivers:
        return ""
    best = None
    for driver in day.drivers:
        arrival = driver.shift_start + timedelta(
            seconds=travel_s(driver.start, order.location, driver.profile)
        )
        starts = [max(arrival, s) for s, e in sorted(order.time_windows) if arrival <= e]
        if order.time_windows and not starts:
            continue
        done = (starts[0] if starts else arrival) + timedelta(seconds=order.service_s)
        if driver.end is not None:
            done += timedelta(seconds=travel_s(order.location, driver.end, driver.profile))
        best = done if best is None else min(best, done)
    if best is None:
        return ""
    latest_end = max(driver.shift_end for driver in day.drivers)
    return f" (earliest back {_clock(best, day)}, shifts end by {_clock(latest_end, day)})"


def unplanned_reason(
    order: OrderToPlan,
    day: Day,
    planned: Sequence[PlannedRoute],
    *,
    travel_s: Callable[[Point, Point, str], int],
) -> str:
    """`routing.explanations.explain`, with the binding limit's numbers where it has none."""
    if order.location is not None and not day.drivers:
        if day.kept_route_count:
            return (
                "every driver on shift has a planned route with orders not asked for (left as "
                "it is): plan this order with them, or the whole day"
            )
        if day.starts_at is not None:
            return f"no driver is on shift after {_clock(day.starts_at, day)} (now + loading)"
    if (
        day.starts_at is not None
        and order.time_windows
        and max(end for _, end in order.time_windows) <= day.starts_at
    ):
        windows = ", ".join(f"{_clock(s, day)}–{_clock(e, day)}" for s, e in order.time_windows)
        return (
            f"window {windows} is over: planning starts {_clock(day.starts_at, day)} (now + "
            "loading) — widen its window or move it to another day"
        )
    reason = explain(order, day, travel_s=travel_s)
    if reason == DID_NOT_FIT:
        return did_not_fit(order, day, planned)
    if reason == NOT_BACK_IN_TIME:
        return reason + earliest_back(order, day, travel_s=travel_s)
    return reason
