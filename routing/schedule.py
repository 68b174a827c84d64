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
from tenants.locale import BusinessLocale, time_text

DELIVERY, PICKUP = "delivery", "pickup"


@dataclass(frozen=True)
class Violation:
    order_id: object  # the stop's order, or None for the route as a whole
    # late, over_capacity, after_shift, no_location, pickup_after_delivery, pickup_elsewhere
    kind: str
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
    kind: str = "delivery"


@dataclass
class Schedule:
    stops: list[TimedStop]
    end: datetime
    travel_s: int
    distance_m: int
    violations: list[Violation] = field(default_factory=list)


def _clock(moment: datetime, locale: BusinessLocale | None = None) -> str:
    """16:40, or 4:40 PM for a business on a 12-hour clock."""
    return time_text(moment, locale) if locale is not None else moment.strftime("%H:%M")


def _pairing(orders: Sequence[OrderToPlan], kinds: Sequence[str]) -> list[Violation]:
    """A pickup-and-delivery order is collected before it is delivered, on the same route."""
    violations = []
    seen_pickup: set = set()
    delivered = {order.id for order, kind in zip(orders, kinds, strict=True) if kind == DELIVERY}
    pickups = {order.id for order, kind in zip(orders, kinds, strict=True) if kind == PICKUP}
    for order, kind in zip(orders, kinds, strict=True):
        if kind == PICKUP:
            seen_pickup.add(order.id)
            if order.id not in delivered:
                violations.append(
                    Violation(
                        order.id,
                        "pickup_elsewhere",
                        f"{order.label} is collected on this route but delivered on another",
                    )
                )
        elif order.pickup is not None and order.id not in seen_pickup:
            message = (
                f"{order.label} is delivered before it is collected"
                if order.id in pickups
                else f"{order.label} is delivered on this route but collected on another"
            )
            kind_name = "pickup_after_delivery" if order.id in pickups else "pickup_elsewhere"
            violations.append(Violation(order.id, kind_name, message))
    return violations


def schedule_route(
    driver: DriverToPlan,
    orders: Sequence[OrderToPlan],
    *,
    start: datetime,
    leg: Callable[[Point, Point, str], tuple[int, int]],  # (seconds, metres)
    kinds: Sequence[str] | None = None,
    locale: BusinessLocale | None = None,
) -> Schedule:
    """Drive `orders` in this order from the driver's start at `start`. `kinds` says, per stop,
    "delivery" (default) or "pickup" (the collection of a pickup-and-delivery order). `locale`:
    the business's clock for the violations' times (default 24-hour)."""
    tz = start.tzinfo
    kinds = list(kinds) if kinds is not None else [DELIVERY] * len(orders)
    picked_here = {order.id for order, kind in zip(orders, kinds, strict=True) if kind == PICKUP}
    # On board at the start: what is delivered here without being collected on the way.
    carried = {
        name: sum(
            (
                Decimal(getattr(order, name))
                for order, kind in zip(orders, kinds, strict=True)
                if kind == DELIVERY and order.id not in picked_here
            ),
            Decimal(0),
        )
        for name in UNITS
    }
    violations: list[Violation] = _pairing(orders, kinds)
    capacity_at = len(violations)  # the route-wide capacity problems are listed first
    peak = dict(carried)
    now, here, travel, distance, timed = start, driver.start, 0, 0, []
    for sequence, (order, kind) in enumerate(zip(orders, kinds, strict=True), start=1):
        pickup = order.pickup if kind == PICKUP else None
        location = pickup.location if pickup else order.location
        windows = pickup.time_windows if pickup else order.time_windows
        service_s = pickup.service_s if pickup else order.service_s
        what = f"{order.label} (pickup)" if pickup else order.label
        if location is None:
            violations.append(Violation(order.id, "no_location", f"{what} has no location"))
            continue
        seconds, metres = leg(here, location, driver.profile)
        travel, distance = travel + seconds, distance + metres
        arrival = now + timedelta(seconds=seconds)
        service_start = arrival
        if windows:
            fitting = [(s, e) for s, e in windows if e >= arrival]
            if fitting:
                service_start = max(arrival, fitting[0][0])
            else:
                last_end = max(e for _, e in windows)
                described = ", ".join(
                    f"{_clock(s.astimezone(tz), locale)}–{_clock(e.astimezone(tz), locale)}"
                    for s, e in windows
                )
                late = int((arrival - last_end).total_seconds() // 60)
                violations.append(
                    Violation(
                        order.id,
                        "late",
                        f"{what} arrives {_clock(arrival.astimezone(tz), locale)}, {late} min "
                        f"after its window {described}",
                    )
                )
        departure = service_start + timedelta(seconds=service_s)
        sign = 1 if kind == PICKUP else -1
        for name in carried:
            carried[name] += sign * Decimal(getattr(order, name))
            peak[name] = max(peak[name], carried[name])
        timed.append(
            TimedStop(
                order_id=order.id,
                sequence=sequence,
                arrival=arrival,
                waiting_s=int((service_start - arrival).total_seconds()),
                departure=departure,
                load_after={name: float(value) for name, value in carried.items()},
                kind=kind,
            )
        )
        now, here = departure, location
    for name, unit in reversed(UNITS.items()):
        limit = getattr(driver.vehicle, name) if driver.vehicle else None
        if limit is not None and peak[name] > Decimal(limit):
            violations.insert(
                capacity_at,
                Violation(
                    None,
                    "over_capacity",
                    f"{quantity_text(peak[name])} {unit} on board exceeds the "
                    f"vehicle's {quantity_text(limit)} {unit}",
                ),
            )
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
                f"the route ends {_clock(now.astimezone(tz), locale)}, after the "
                f"shift ends at {_clock(driver.shift_end.astimezone(tz), locale)}",
            )
        )
    return Schedule(
        stops=timed, end=now, travel_s=travel, distance_m=distance, violations=violations
    )
