"""The limit that left an order out, with its numbers, where `routing.explanations` can only say
"the routes are full" or "cannot be back before the end of any shift": the day's loads against
the fleet's ("items: 141 ordered, 115 on 3 vans"), or the shifts' time; for an order needing a
skill only some drivers have, the skill itself (how many drivers have it, how full their routes
are, with the numbers, or which shifts could reach it without it). Pure: the day, the plan and
travel times come in."""

from collections.abc import Callable, Sequence
from datetime import timedelta
from decimal import Decimal
from uuid import UUID

from routing.explanations import (
    DID_NOT_FIT,
    NOT_BACK_IN_TIME,
    UNITS,
    clock_text,
    explain,
    quantity_text,
)
from routing.planning import Day, DriverToPlan, OrderToPlan, Point
from routing.problem import PlannedRoute

NAMES = {"weight_kg": "weight", "volume_l": "volume", "items": "items"}
MAX_NAMED = 3  # drivers named in a reason; the rest are counted
Travel = Callable[[Point, Point, str], int]


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
    times = f"routes back by {clock_text(back, day)}, " if back else ""
    times += f"shifts to {clock_text(shifts_end, day)}"
    load = load_limit(order, day)
    if load:
        return (
            f"did not fit — {load} ({times}): add a vehicle, raise its capacity or move orders "
            "to another day"
        )
    full = routes_full(order, day, planned, day.drivers)
    if full:
        return (
            f"did not fit — {full} ({times}): add a vehicle, raise its capacity or move orders "
            "to another day"
        )
    windows = ", ".join(f"{clock_text(s, day)}–{clock_text(e, day)}" for s, e in order.time_windows)
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
    return f" (earliest back {clock_text(best, day)}, shifts end by {clock_text(latest_end, day)})"


def _skills_text(skills) -> str:
    return ", ".join(f"'{skill}'" for skill in sorted(skills))


def _shift(driver: DriverToPlan, day: Day) -> str:
    return (
        f"{driver.name} ({clock_text(driver.shift_start, day)}–{clock_text(driver.shift_end, day)})"
    )


def _named(drivers: Sequence[DriverToPlan], day: Day) -> str:
    named = [_shift(driver, day) for driver in drivers[:MAX_NAMED]]
    if len(drivers) > MAX_NAMED:
        named.append(f"{len(drivers) - MAX_NAMED} more")
    return ", ".join(named)


def _restricting(order: OrderToPlan, day: Day) -> frozenset[str]:
    """The order's skills that some driver on shift lacks (the ones that narrow who can go)."""
    shared = frozenset.intersection(*(frozenset(d.all_skills) for d in day.drivers))
    return frozenset(order.skills) - shared


def _alone(order: OrderToPlan, driver: DriverToPlan, day: Day, travel_s: Travel) -> bool:
    """Could `driver` serve `order` on a route of its own (skills and loads aside)?"""
    if driver.max_stops == 0:
        return False
    there = travel_s(driver.start, order.location, driver.profile)
    back = travel_s(order.location, driver.end, driver.profile) if driver.end is not None else 0
    if driver.max_travel_s is not None and there + back > driver.max_travel_s:
        return False
    arrival = driver.shift_start + timedelta(seconds=there)
    windows = order.time_windows or ((day.time_base, day.time_base + timedelta(days=2)),)
    for start, end in windows:
        service_start = max(arrival, start)
        if service_start <= end and (
            service_start + timedelta(seconds=order.service_s + back) <= driver.shift_end
        ):
            return True
    return False


def _route_loads(day: Day, planned: Sequence[PlannedRoute]) -> dict[UUID, dict[str, Decimal]]:
    """Each driver's load in the plan, per dimension, and its stops ("stops")."""
    orders = {order.id: order for order in day.orders}
    loads: dict[UUID, dict[str, Decimal]] = {}
    for route in planned:
        delivered = [
            orders[stop.order_id]
            for stop in route.stops
            if stop.kind == "delivery" and stop.order_id in orders
        ]
        load = {
            name: sum((Decimal(getattr(o, name) or 0) for o in delivered), Decimal(0))
            for name in UNITS
        }
        load["stops"] = Decimal(len(route.stops))
        loads[route.driver_id] = load
    return loads


def _full(order: OrderToPlan, driver: DriverToPlan, load: dict[str, Decimal]) -> list[str]:
    """The dimensions of `driver`'s route with no room left for `order` ("stops": max stops)."""
    full = []
    for name in UNITS:
        limit = getattr(driver.vehicle, name) if driver.vehicle is not None else None
        needed = getattr(order, name)
        if limit is not None and needed and Decimal(needed) > Decimal(limit) - load[name]:
            full.append(name)
    if driver.max_stops is not None and load["stops"] >= driver.max_stops:
        full.append("stops")
    return full


def _use(driver: DriverToPlan, load: dict[str, Decimal], dimensions: list[str]) -> str:
    parts = []
    for name in dimensions:
        if name == "stops":
            parts.append(f"{int(load['stops'])} of {driver.max_stops} stops")
        else:
            limit = getattr(driver.vehicle, name)
            parts.append(f"{quantity_text(load[name])} of {quantity_text(limit)} {UNITS[name]}")
    return f"{driver.name}: {', '.join(parts)}"


def routes_full(
    order: OrderToPlan,
    day: Day,
    planned: Sequence[PlannedRoute],
    drivers: Sequence[DriverToPlan],
) -> str | None:
    """ "weight: every route that can take it is full (Driver 1: 6 of 10 kg; …); it needs 6 kg"
    when each of `drivers`' routes lacks room for the order in some load (or has its max stops);
    None otherwise."""
    loads = _route_loads(day, planned)
    empty = dict.fromkeys([*UNITS, "stops"], Decimal(0))
    full = {d.id: _full(order, d, loads.get(d.id, empty)) for d in drivers}
    if not drivers or not all(full.values()):
        return None
    dimensions = [n for n in [*UNITS, "stops"] if any(n in f for f in full.values())]
    words = " and ".join(NAMES.get(n, n) for n in dimensions)
    details = "; ".join(_use(d, loads.get(d.id, empty), full[d.id]) for d in drivers[:MAX_NAMED])
    if len(drivers) > MAX_NAMED:
        details += f"; {len(drivers) - MAX_NAMED} more"
    needs = ", ".join(
        f"{quantity_text(getattr(order, n))} {UNITS[n]}" for n in dimensions if n != "stops"
    )
    needs = f"; it needs {needs}" if needs else ""
    route = "the route is" if len(drivers) == 1 else f"all {len(drivers)} routes are"
    return f"{words}: {route} full ({details}){needs}"


def skill_full(
    order: OrderToPlan, day: Day, planned: Sequence[PlannedRoute], *, travel_s: Travel
) -> str | None:
    """For an order that lost out and needs a skill some drivers lack: how many drivers have it
    and what is full on their routes (the load with its numbers, or their time); None when no
    skill narrows who can take it."""
    skills = _restricting(order, day)
    if not skills:
        return None
    holders = [d for d in day.drivers if frozenset(order.skills) <= frozenset(d.all_skills)]
    reachable = [d for d in holders if _alone(order, d, day, travel_s)] or holders
    skill = _skills_text(skills)
    have = "has" if len(holders) == 1 else "have"
    who = f"needs skill {skill}, which {len(holders)} of {len(day.drivers)} drivers on shift {have}"
    loads = _route_loads(day, planned)
    empty = dict.fromkeys([*UNITS, "stops"], Decimal(0))
    full = {d.id: _full(order, d, loads.get(d.id, empty)) for d in reachable}
    route = "its route is" if len(reachable) == 1 else "their routes are"
    if all(full.values()):
        dimensions = [n for n in [*UNITS, "stops"] if any(n in f for f in full.values())]
        words = " and ".join(NAMES.get(n, n) for n in dimensions)
        details = "; ".join(
            _use(d, loads.get(d.id, empty), full[d.id]) for d in reachable[:MAX_NAMED]
        )
        if len(reachable) > MAX_NAMED:
            details += f"; {len(reachable) - MAX_NAMED} more"
        needs = ", ".join(
            f"{quantity_text(getattr(order, n))} {UNITS[n]}" for n in dimensions if n != "stops"
        )
        needs = f"; it needs {needs}" if needs else ""
        return (
            f"{who}; {route} full by {words} ({details}){needs} — add a driver with {skill} "
            f"or move some {skill} orders to another day"
        )
    ends = {route.driver_id: route.end for route in planned}
    backs = [
        f"{_shift(d, day)}, back {clock_text(ends[d.id], day)}" if d.id in ends else _shift(d, day)
        for d in reachable[:MAX_NAMED]
    ]
    window = ""
    if order.time_windows:
        windows = ", ".join(
            f"{clock_text(s, day)}–{clock_text(e, day)}" for s, e in order.time_windows
        )
        window = f" in window {windows}"
    return (
        f"{who}; {route} out of time for it{window} ({'; '.join(backs)}) — add a driver with "
        f"{skill}, widen its window or move some {skill} orders to another day"
    )


def skill_shift(order: OrderToPlan, day: Day, *, travel_s: Travel) -> str | None:
    """For an order no driver with its skills can serve even alone: the skill is the bottleneck
    when a driver without it could have (the shifts that reach it lack the skill)."""
    skills = _restricting(order, day)
    if not skills or order.location is None or order.pickup is not None:
        return None
    holders = [d for d in day.drivers if frozenset(order.skills) <= frozenset(d.all_skills)]
    others = [d for d in day.drivers if d not in holders and _alone(order, d, day, travel_s)]
    if not holders or not others:
        return None
    skill = _skills_text(skills)
    which = "it"
    if order.time_windows:
        windows = ", ".join(
            f"{clock_text(s, day)}–{clock_text(e, day)}" for s, e in order.time_windows
        )
        which = f"window {windows}"
    who = "the driver with it" if len(holders) == 1 else f"the {len(holders)} drivers with it"
    lack = "has" if len(others) == 1 else "have"
    return (
        f"needs skill {skill}: {who} ({_named(holders, day)}) cannot serve {which} within the "
        f"shift; {_named(others, day)} could, but {lack} no {skill} — give a driver on that "
        f"shift {skill} or move it to another day"
    )


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
            return f"no driver is on shift after {clock_text(day.starts_at, day)} (now + loading)"
    if (
        day.starts_at is not None
        and order.time_windows
        and max(end for _, end in order.time_windows) <= day.starts_at
    ):
        windows = ", ".join(
            f"{clock_text(s, day)}–{clock_text(e, day)}" for s, e in order.time_windows
        )
        return (
            f"window {windows} is over: planning starts {clock_text(day.starts_at, day)} (now + "
            "loading) — widen its window or move it to another day"
        )
    reason = explain(order, day, travel_s=travel_s)
    if reason == DID_NOT_FIT:
        return skill_full(order, day, planned, travel_s=travel_s) or did_not_fit(
            order, day, planned
        )
    if reason == NOT_BACK_IN_TIME or reason.startswith("window "):
        skilled = skill_shift(order, day, travel_s=travel_s)
        if skilled:
            return skilled
    if reason == NOT_BACK_IN_TIME:
        return reason + earliest_back(order, day, travel_s=travel_s)
    return reason
