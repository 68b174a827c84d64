"""Times and loads of a route in a given order, and the constraints that order breaks.

Used after a manual edit (reorder, move a stop between routes): the dispatcher's order is kept as
it is, and every broken constraint is said out loud instead of silently accepted or refused.
Pure: travel times come in as a function.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from routing.explanations import UNITS, quantity_text
from routing.planning import DriverToPlan, OrderToPlan, Point


@dataclass(frozen=True)
class Violation:
    order_id: object  # the stop's order, or None for the route as a whole
    kind: str  # late, over_capacity, after_shift, no_location
    message: str

    def as_dict(self) -> dict:
        return {
            "order": str(self.order_id) if self.order_id else None,
            "kind": self.kind,
            "message": self.message,
        }


@dataclass(frozen=True)
class TimedStop:
    order_id: object
    sequence: int
    arrival: datetime
    waiting_s: int
    departure: datetime
    load_after: dict[str, float]


@dataclass
class Schedule:
    stops: list[TimedStop]
    end: datetime
    travel_s: int
    distance_m: int
    violations: list[Violation] = field(default_factory=list)


def _clock(moment: datetime) -> str:
    return moment.strftime("%H:%M")


def schedule_route(
    driver: DriverToPlan,
    orders: Sequence[OrderToPlan],
    *,
    start: datetime,
    leg: Callable[[Point, Point, str], tuple[int, int]],  # (seconds, metres)
) -> Schedule:
    """Drive `orders` in this order from the driver's start at `start`."""
    tz = start.tzinfo
    carried = {name: sum((Decimal(getattr(o, name)) for o in orders), Decimal(0)) for name in UNITS}
    violations: list[Violation] = []
    for name, unit in UNITS.items():
        limit = getattr(driver.vehicle, name) if driver.vehicle else None
        if limit is not None and carried[name] > Decimal(limit):
            violations.append(
                Violation(
                    None,
                    "over_capacity",
                    f"{quantity_text(carried[name])} {unit} on board exceeds the "
                    f"vehicle's {quantity_text(limit)} {unit}",
                )
            )
    now, here, travel, distance, timed = start, driver.start, 0, 0, []
    for sequence, order in enumerate(orders, start=1):
        if order.location is None:
            violations.append(Violation(order.id, "no_location", f"{order.label} has no location"))
            continue
        seconds, metres = leg(here, order.location, driver.profile)
        travel, distance = travel + seconds, distance + metres
        arrival = now + timedelta(seconds=seconds)
        service_start = arrival
        if order.time_windows:
            fitting = [(s, e) for s, e in order.time_windows if e >= arrival]
            if fitting:
                service_start = max(arrival, fitting[0][0])
            else:
                last_end = max(e for _, e in order.time_windows)
                windows = ", ".join(
                    f"{_clock(s.astimezone(tz))}–{_clock(e.astimezone(tz))}"
                    for s, e in order.time_windows
                )
                late = int((arrival - last_end).total_seconds() // 60)
                violations.append(
                    Violation(
                        order.id,
                        "late",
                        f"{order.label} arrives {_clock(arrival.astimezone(tz))}, {late} min after "
                        f"its window {windows}",
                    )
                )
        departure = service_start + timedelta(seconds=order.service_s)
        for name in carried:
            carried[name] -= Decimal(getattr(order, name))
        timed.append(
            TimedStop(
                order_id=order.id,
                sequence=sequence,
                arrival=arrival,
                waiting_s=int((service_start - arrival).total_seconds()),
                departure=departure,
                load_after={name: float(value) for name, value in carried.items()},
            )
        )
        now, here = departure, order.location
    if driver.end is not None:
        seconds, metres = leg(here, driver.end, driver.profile)
        travel, distance, now = (
            travel + seconds,
            distance + metres,
            now + timedelta(seconds=seconds),
        )
    if now > driver.shift_end:
        violations.append(
            Violation(
                None,
                "after_shift",
                f"the route ends {_clock(now.astimezone(tz))}, after the "
                f"shift ends at {_clock(driver.shift_end.astimezone(tz))}",
            )
        )
    return Schedule(
        stops=timed, end=now, travel_s=travel, distance_m=distance, violations=violations
    )
