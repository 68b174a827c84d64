"""What the planner knows about a day, as plain values: orders, drivers with their vehicles and
shifts. Built from the database by `routing.selectors`, consumed by the pure `routing.problem`."""

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

from tenants.locale import BusinessLocale

Point = tuple[float, float]  # (lat, lng)


@dataclass(frozen=True)
class PickupToPlan:
    """Where the goods of a pickup-and-delivery order are collected, before delivery."""

    location: Point
    service_s: int
    time_windows: tuple[tuple[datetime, datetime], ...] = ()


@dataclass(frozen=True)
class OrderToPlan:
    id: UUID
    label: str  # external id or a short id, for explanations
    location: Point | None
    service_s: int
    time_windows: tuple[tuple[datetime, datetime], ...] = ()
    weight_kg: Decimal = Decimal(0)
    volume_l: Decimal = Decimal(0)
    items: int = 0
    skills: frozenset[str] = frozenset()
    priority: int = 0
    pickup: PickupToPlan | None = None  # None: the goods leave from the route's start


@dataclass(frozen=True)
class VehicleToPlan:
    id: UUID
    name: str
    profile: str = "van"
    weight_kg: Decimal | None = None  # None: no limit in that dimension
    volume_l: Decimal | None = None
    items: int | None = None
    skills: frozenset[str] = frozenset()


@dataclass(frozen=True)
class BreakToPlan:
    earliest: datetime
    latest: datetime
    duration_s: int


@dataclass(frozen=True)
class DriverToPlan:
    id: UUID
    name: str
    shift_start: datetime
    shift_end: datetime
    start: Point
    end: Point | None  # None: the route ends at its last stop
    vehicle: VehicleToPlan | None = None
    skills: frozenset[str] = frozenset()
    breaks: tuple[BreakToPlan, ...] = ()
    max_stops: int | None = None
    max_travel_s: int | None = None
    # A van under way planned from its driver's last known position (`start`): the stop the
    # driver is heading to comes first, whatever the plan (locked), and takes this long there.
    heading_to: Point | None = None
    heading_service_s: int = 0

    @property
    def all_skills(self) -> frozenset[str]:
        return self.skills | (self.vehicle.skills if self.vehicle else frozenset())

    @property
    def profile(self) -> str:
        return self.vehicle.profile if self.vehicle else "van"


@dataclass(frozen=True)
class Underway:
    """A route already under way that re-planning continues: its done and current stops stay
    first, as they are; the planner only orders what comes after them."""

    route_id: UUID
    kept_stop_ids: tuple[UUID, ...]  # done and current stops, in their order
    skill: str  # carried by the route's remaining orders: they stay in this van


@dataclass
class Day:
    """Everything one optimisation of one date needs."""

    delivery_date: date
    time_base: datetime  # local midnight of the delivery date: time 0 for the solver
    orders: list[OrderToPlan]
    drivers: list[DriverToPlan]
    labels: dict[UUID, str] = field(default_factory=dict)
    underway: dict[UUID, Underway] = field(default_factory=dict)  # by driver id
    # A plan limited to some orders or drivers leaves every other planned route as it is.
    kept_route_count: int = 0  # planned routes left as they were (outside the plan's scope)
    starts_at: datetime | None = None  # a day that has begun: now + the loading lead time
    # Re-planning routes under way: the drivers whose van starts from their last known position
    # ({"driver", "name", "at"}), and those whose position was missing or too old (they start
    # from their current or last stop).
    from_positions: list[dict] = field(default_factory=list)
    positions_stale: list[dict] = field(default_factory=list)
    # The business's clock, for the reasons' times (4:03 PM in the US); None: 24-hour.
    locale: BusinessLocale | None = None

    def seconds(self, moment: datetime) -> int:
        return max(0, round((moment - self.time_base).total_seconds()))
