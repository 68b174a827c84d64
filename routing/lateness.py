"""The one rule for "late": a stop is late when its best current ETA passes the end of its last
window. The best current ETA of a stop not done yet is never before now, nor before the ETA of
the stop before it: a route not started yet leaves no earlier than now (its planned times shift
by the delay, which waiting at later stops absorbs), a started route's stops take their live ETA
(or planned arrival) pushed to now when that has passed — the stop is then running late, and its
ETA moves with the clock until it is done. Used by the routes' API shape (Plan, Live, the
driver's phone), the recipient's tracking page and Today's late stops.

Beside it, the one rule for "early": an order delivered before its first window opens
(delivered_early_minutes), which the order page, Today, the routes' API shape and Live show;
the driver's phone applies it ahead of time (web/static/web/driver/screens.js) to warn."""

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Prefetch

from delivery.models import Order, OrderStatus
from delivery.selectors import delivered_at_subquery
from routing.models import Route, Stop

DONE_STATUSES = (OrderStatus.DELIVERED, OrderStatus.FAILED, OrderStatus.CANCELLED)
OPEN_STATUSES = (OrderStatus.UNASSIGNED, OrderStatus.ASSIGNED, OrderStatus.OUT_FOR_DELIVERY)


@dataclass(frozen=True)
class Expected:
    """What is expected of one stop now: when the van gets there, and whether that is late."""

    eta: datetime | None  # None: the stop is done (or the route is completed)
    due: datetime | None  # the end of its last window; None without windows
    late: bool
    running_late: bool = False  # the clock (or a stop before it) pushed its ETA back


def _due(windows: list[dict] | None) -> datetime | None:
    ends = [datetime.fromisoformat(window["end"]) for window in windows or []]
    return max(ends) if ends else None


def window_opens(windows: list[dict] | None) -> datetime | None:
    """When the first of `windows` opens; None without windows (any time is on time)."""
    starts = [datetime.fromisoformat(window["start"]) for window in windows or []]
    return min(starts) if starts else None


def delivered_early_minutes(
    *, windows: list[dict] | None, delivered_at: datetime | None
) -> int | None:
    """How many minutes before its first window opened an order was delivered (a part of a
    minute counts as one: 10 seconds early is early); None when it was not early (not
    delivered, no windows, or delivered once a window had opened; between two windows is not
    early). Windows are stored as moments with the business's offset ("14:00+01:00"), so this
    compares instants: right in any time zone."""
    opens = window_opens(windows)
    if delivered_at is None or opens is None or delivered_at >= opens:
        return None
    return math.ceil((opens - delivered_at).total_seconds() / 60)


def _stop_due(stop: Stop) -> datetime | None:
    order = stop.order
    return _due(order.pickup_time_windows if stop.kind == Stop.Kind.PICKUP else order.time_windows)


def _stop_done(stop: Stop) -> bool:
    if stop.order.status in DONE_STATUSES:
        return True
    return stop.kind == Stop.Kind.PICKUP and stop.picked_up_at is not None


def stops_expected(route: Route, stops: Iterable[Stop], *, now: datetime) -> dict:
    """{stop id: Expected} for `stops` of `route` (with their orders loaded), in their order."""
    stops = sorted(stops, key=lambda stop: stop.sequence)
    expected = {}
    started = route.status in (Route.Status.STARTED, Route.Status.COMPLETED)
    # A route not started yet cannot leave before now: everything shifts by that delay.
    delay = timedelta(0) if started else max(timedelta(0), now - route.planned_start)
    earliest = now  # no stop is reached before now, nor before the stop before it
    for stop in stops:
        due = _stop_due(stop)
        if route.status == Route.Status.COMPLETED or _stop_done(stop):
            expected[stop.pk] = Expected(eta=None, due=due, late=False)
            continue
        # A live ETA (set when the route started, then from the driver's positions) is the
        # best guess; a stop without one (no location) follows its planned arrival.
        base = (stop.eta if started and stop.eta else None) or stop.planned_arrival
        eta = base + delay
        if eta < now:  # it was expected by now and is not done: no sooner than now
            delay += now - eta
            eta = now
        # Nor before the stop the van reaches first (one without a live ETA, no location,
        # follows its plan, which the van may be far behind).
        eta = max(eta, earliest)
        expected[stop.pk] = Expected(
            eta=eta, due=due, late=due is not None and eta > due, running_late=eta > base
        )
        earliest = eta
        delay = max(timedelta(0), delay - timedelta(seconds=stop.waiting_s))
    return expected


def route_expected_end(
    route: Route, stops: Iterable[Stop], expected: dict, *, now: datetime
) -> datetime:
    """When `route` is expected back (or at its last place): its planned end, later by as much
    as its last stop not done is expected later than planned (that stop's service and the way
    back take as long as planned). A route under way with nothing left to do is not back
    before now; a route not started yet is not back before its planned length from now."""
    if route.status == Route.Status.COMPLETED:
        return route.completed_at or route.planned_end
    pending = [stop for stop in stops if expected.get(stop.pk) and expected[stop.pk].eta]
    if not pending:
        if route.status == Route.Status.STARTED:
            return max(route.planned_end, now)
        return route.planned_end + max(timedelta(0), now - route.planned_start)
    last = max(pending, key=lambda stop: stop.sequence)
    after = route.planned_end - last.planned_arrival - timedelta(seconds=last.waiting_s)
    return max(route.planned_end, expected[last.pk].eta + max(timedelta(0), after))


@dataclass(frozen=True)
class LateOrder:
    """An open order that will miss its window: when it is expected (None: not on a route and
    no ETA) and the end of its last window."""

    order_id: object
    expected: datetime | None
    deadline: datetime


# Only the columns the rule reads: a busy day has hundreds of stops, and Today asks every minute.
ROUTE_COLUMNS = ("id", "status", "planned_start")
STOP_COLUMNS = (
    *("id", "route", "kind", "sequence"),
    *("planned_arrival", "eta", "waiting_s", "picked_up_at"),
)
ORDER_COLUMNS = ("status", "time_windows", "pickup_time_windows")


@dataclass(frozen=True)
class EarlyOrder:
    """An order of the day delivered before its first window opened, and by how much."""

    order_id: object
    delivered_at: datetime
    minutes: int


def day_punctuality(
    *, delivery_date: date, now: datetime
) -> tuple[list[LateOrder], list[EarlyOrder]]:
    """The orders of `delivery_date` that will miss their window (open ones: on a route, by the
    stop's best current ETA, their delivery or a pickup not yet collected; not on a route, once
    the window is over; soonest deadline first) and the delivery stops delivered early (newest
    first), from one read of the day's routes."""
    stops = (
        Stop.objects.select_related("order")
        .only(*STOP_COLUMNS, *(f"order__{name}" for name in ORDER_COLUMNS))
        .annotate(delivered_at=delivered_at_subquery("order_id"))
    )
    routes = (
        Route.objects.filter(delivery_date=delivery_date)
        .only(*ROUTE_COLUMNS)
        .prefetch_related(Prefetch("stops", queryset=stops))
    )
    on_routes, late, early = set(), {}, []
    for route in routes:
        stops = {stop.pk: stop for stop in route.stops.all()}
        on_routes |= {stop.order_id for stop in stops.values()}
        for stop_id, what in stops_expected(route, stops.values(), now=now).items():
            order_id = stops[stop_id].order_id
            if what.late and order_id not in late:
                late[order_id] = LateOrder(order_id=order_id, expected=what.eta, deadline=what.due)
        for stop in stops.values():
            if stop.kind != Stop.Kind.DELIVERY:
                continue
            minutes = delivered_early_minutes(
                windows=stop.order.time_windows, delivered_at=stop.delivered_at
            )
            if minutes is not None:
                delivered = EarlyOrder(
                    order_id=stop.order_id, delivered_at=stop.delivered_at, minutes=minutes
                )
                early.append(delivered)
    loose = (
        Order.objects.filter(delivery_date=delivery_date, status__in=OPEN_STATUSES)
        .exclude(pk__in=on_routes)
        .exclude(time_windows=[])
        .only("id", "eta", "time_windows")
    )
    for order in loose:
        deadline = _due(order.time_windows)
        # No van is bringing it: late once its window is over, with no ETA to show.
        if deadline is not None and max(order.eta or now, now) > deadline:
            late[order.pk] = LateOrder(order_id=order.pk, expected=None, deadline=deadline)
    return (
        sorted(late.values(), key=lambda item: (item.deadline, str(item.order_id))),
        sorted(early, key=lambda item: (item.delivered_at, str(item.order_id)), reverse=True),
    )


def late_order_deadlines(*, delivery_date: date, now: datetime) -> list[LateOrder]:
    """The open orders of `delivery_date` that will miss their window (day_punctuality)."""
    return day_punctuality(delivery_date=delivery_date, now=now)[0]


def punctuality_loaded(
    late: list[LateOrder], early: list[EarlyOrder]
) -> tuple[list[Order], list[Order]]:
    """The orders of `late` and of `early` (one query for both, with their drivers), each in
    its order; a late one carries `expected` and `deadline`, an early one `early_minutes`."""
    ids = [item.order_id for item in late] + [item.order_id for item in early]
    orders = Order.objects.select_related("driver__user").in_bulk(ids) if ids else {}
    late_loaded, early_loaded = [], []
    for item in late:
        order = orders[item.order_id]
        order.expected, order.deadline = item.expected, item.deadline
        late_loaded.append(order)
    for item in early:
        order = orders[item.order_id]
        order.early_minutes = item.minutes
        early_loaded.append(order)
    return late_loaded, early_loaded


def late_orders_loaded(late: list[LateOrder]) -> list[Order]:
    """The orders of `late` (one query, with their drivers), in that order, each carrying
    `expected` and `deadline`."""
    return punctuality_loaded(late, [])[0]


def late_orders(*, delivery_date: date, now: datetime) -> list[Order]:
    """Every late order of `delivery_date` (late_order_deadlines), loaded."""
    return late_orders_loaded(late_order_deadlines(delivery_date=delivery_date, now=now))


def order_expected_arrival(order: Order, *, now: datetime) -> datetime | None:
    """The best current ETA of `order`'s delivery (stops_expected, over its whole route); an
    order on no route keeps the ETA it was given, no sooner than now. None once done."""
    if order.status in DONE_STATUSES:
        return None
    stop = (
        Stop.objects.filter(order=order, kind=Stop.Kind.DELIVERY, route_id=order.route_id)
        .select_related("route")
        .only("id", "route", *(f"route__{name}" for name in ROUTE_COLUMNS))
        .first()
        if order.route_id
        else None
    )
    if stop is None:
        return max(order.eta, now) if order.eta else None
    stops = Stop.objects.filter(route_id=stop.route_id).select_related("order")
    stops = stops.only(*STOP_COLUMNS, *(f"order__{name}" for name in ORDER_COLUMNS))
    return stops_expected(stop.route, stops, now=now)[stop.pk].eta
