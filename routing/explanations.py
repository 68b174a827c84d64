"""Why an order was left unplanned, in words a dispatcher can act on. Computed by us from the
day's facts, most specific reason first; the solver itself only says "unassigned"."""

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from decimal import Decimal

from routing.planning import Day, DriverToPlan, OrderToPlan, Point
from tenants.locale import time_text

UNITS = {"weight_kg": "kg", "volume_l": "l", "items": "items"}


def clock_text(moment: datetime, day: Day) -> str:
    """A time of the day as the business reads it: 16:05, or 4:05 PM on a 12-hour clock."""
    if day.locale is not None:
        return time_text(moment, day.locale)
    return moment.astimezone(day.time_base.tzinfo).strftime("%H:%M")


def quantity_text(value) -> str:
    value = Decimal(value)
    return f"{value.normalize():f}" if value != value.to_integral() else f"{int(value)}"


def _capacity_problem(order: OrderToPlan, drivers: Sequence[DriverToPlan]) -> str | None:
    for name, unit in UNITS.items():
        needed = getattr(order, name)
        if not needed:
            continue
        limits = [getattr(d.vehicle, name) for d in drivers if d.vehicle is not None]
        if not limits or any(limit is None for limit in limits) or len(limits) < len(drivers):
            continue  # some driver has no limit in this dimension
        largest = max(limits)
        if Decimal(needed) > Decimal(largest):
            return (
                f"{quantity_text(needed)} {unit} exceeds the largest vehicle capacity "
                f"{quantity_text(largest)} {unit}"
            )
    return None


# The two reasons routing.binding completes with the limit's numbers.
DID_NOT_FIT = (
    "did not fit: the routes are full (time or capacity) — add a driver, widen "
    "its time window or raise its priority"
)
NOT_BACK_IN_TIME = "cannot be served and be back before the end of any driver's shift"


def explain(
    order: OrderToPlan,
    day: Day,
    *,
    travel_s: Callable[[Point, Point, str], int],
) -> str:
    """The most specific reason `order` could not be planned."""
    if order.location is None:
        return "has no location: add coordinates or a geocodable address"
    if not day.drivers:
        return f"no driver is on shift on {day.delivery_date.isoformat()}"
    missing = sorted(order.skills - frozenset().union(*(d.all_skills for d in day.drivers)))
    if missing:
        names = ", ".join(f"'{skill}'" for skill in missing)
        return f"needs skill {names}, no driver on shift has it"
    capable = [d for d in day.drivers if order.skills <= d.all_skills]
    if len(capable) < len(day.drivers) and not capable:
        return "no single driver on shift has all the skills it needs"
    capacity = _capacity_problem(order, capable)
    if capacity:
        return capacity
    if order.pickup is not None:
        return _pair_problem(order, day, capable, travel_s=travel_s)

    # Can any capable driver get there inside a window and still finish the shift?
    windows = order.time_windows or ((day.time_base, day.time_base + timedelta(days=1)),)
    best_arrival, best_driver = None, None
    for driver in capable:
        arrival = driver.shift_start + timedelta(
            seconds=travel_s(driver.start, order.location, driver.profile)
        )
        if best_arrival is None or arrival < best_arrival:
            best_arrival, best_driver = arrival, driver
        for start, end in windows:
            service_start = max(arrival, start)
            if service_start > end:
                continue
            done = service_start + timedelta(seconds=order.service_s)
            back = (
                timedelta(seconds=travel_s(order.location, driver.end, driver.profile))
                if driver.end is not None
                else timedelta(0)
            )
            if done + back <= driver.shift_end:
                break
        else:
            continue
        # Reachable on its own: it lost out to the other orders.
        return DID_NOT_FIT
    if order.time_windows and best_driver is not None:
        described = ", ".join(f"{clock_text(s, day)}–{clock_text(e, day)}" for s, e in windows)
        first_start = min(d.shift_start for d in capable)
        if best_arrival > max(end for _, end in windows):
            return (
                f"window {described} cannot be reached from the start after shift start "
                f"{clock_text(first_start, day)} (earliest arrival {clock_text(best_arrival, day)})"
            )
    return NOT_BACK_IN_TIME


def _first_service(arrival: datetime, windows) -> datetime | None:
    """When service can start after arriving at `arrival`; None when every window has closed."""
    for start, end in sorted(windows):
        if arrival <= end:
            return max(arrival, start)
    return None


def _windows_text(windows, day: Day) -> str:
    return ", ".join(f"{clock_text(s, day)}–{clock_text(e, day)}" for s, e in windows)


def _pair_problem(
    order: OrderToPlan,
    day: Day,
    drivers: Sequence[DriverToPlan],
    *,
    travel_s: Callable[[Point, Point, str], int],
) -> str:
    """A pickup-and-delivery order alone on a route: collect, deliver, get back in time?"""
    pickup = order.pickup
    whole_day = ((day.time_base, day.time_base + timedelta(days=1)),)
    pickup_windows = pickup.time_windows or whole_day
    delivery_windows = order.time_windows or whole_day
    earliest_pickup = earliest_delivery = None
    for driver in drivers:
        arrival = driver.shift_start + timedelta(
            seconds=travel_s(driver.start, pickup.location, driver.profile)
        )
        earliest_pickup = min(filter(None, (earliest_pickup, arrival)))
        collected = _first_service(arrival, pickup_windows)
        if collected is None:
            continue
        there = (
            collected
            + timedelta(seconds=pickup.service_s)
            + timedelta(seconds=travel_s(pickup.location, order.location, driver.profile))
        )
        earliest_delivery = min(filter(None, (earliest_delivery, there)))
        delivered = _first_service(there, delivery_windows)
        if delivered is None:
            continue
        back = travel_s(order.location, driver.end, driver.profile) if driver.end is not None else 0
        if delivered + timedelta(seconds=order.service_s + back) <= driver.shift_end:
            return DID_NOT_FIT
    if earliest_delivery is None:
        return (
            f"pickup window {_windows_text(pickup_windows, day)} cannot be reached from the "
            f"start (earliest arrival {clock_text(earliest_pickup, day)})"
        )
    if order.time_windows and earliest_delivery > max(end for _, end in delivery_windows):
        return (
            f"window {_windows_text(delivery_windows, day)} cannot be reached after the pickup "
            f"(earliest delivery {clock_text(earliest_delivery, day)})"
        )
    return "cannot be collected, delivered and be back before the end of any driver's shift"
