"""Every write of the tracking app: positions in, live ETAs, approach and arrival, links."""

import logging
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from kombu.exceptions import KombuError
from redis.exceptions import RedisError

from delivery.models import Driver, Order, OrderEvent, OrderStatus, tracking_token_new
from delivery.payloads import order_data
from delivery.realtime import orders_changed
from delivery.services import order_event
from notifications.events import event_record
from routing import matrices
from routing.models import Route, Stop
from routing.realtime import routes_changed
from tenants.actors import Actor
from tenants.queueing import task_send
from tracking import state
from tracking.models import OrderApproach, Position
from tracking.realtime import dispatchers_suggest, tracking_revoked
from tracking.selectors import driver_newest_recorded_at, drivers_routes_current, position_data
from tracking.validation import PositionInput, Rejection, position_check

logger = logging.getLogger(__name__)

MAX_BATCH = 1000
EARTH_RADIUS_M = 6_371_000


@dataclass(frozen=True)
class PositionEntry:
    """An accepted position on its way to the table."""

    driver_id: object
    position: PositionInput


@dataclass
class Stored:
    """What a write produced: the rows, and for the drivers of the batch the newest fix and the
    order each is heading to (for the recipient's page)."""

    positions: list[Position]
    newest: dict[str, dict]  # driver id → driver.position data
    heading_to: dict[str, dict]  # driver id → {"order", "route"}


def positions_store(*, entries: list[PositionEntry], now: datetime | None = None) -> Stored:
    """Insert accepted positions in one statement, remember each driver's newest in Redis, and
    start live-ETA runs (throttled per driver). The caller validated them."""
    received_at = now or timezone.now()
    # The route each driver is on now: one query per batch, not one per socket or per fix.
    routes = drivers_routes_current(driver_ids={entry.driver_id for entry in entries})
    rows = [
        Position(
            driver_id=entry.driver_id,
            route_id=routes.get(entry.driver_id),
            lat=entry.position.lat,
            lng=entry.position.lng,
            accuracy=entry.position.accuracy,
            heading=entry.position.heading,
            speed=entry.position.speed,
            recorded_at=entry.position.recorded_at,
            received_at=received_at,
        )
        for entry in entries
    ]
    if not rows:
        return Stored(positions=[], newest={}, heading_to={})
    with transaction.atomic():
        # A fix that raced in twice (two sockets of one phone) is stored once.
        Position.objects.bulk_create(rows, ignore_conflicts=True)
    newest: dict[str, Position] = {}
    for row in rows:
        key = str(row.driver_id)
        if key not in newest or row.recorded_at > newest[key].recorded_at:
            newest[key] = row
    _drivers_last_position_store(list(newest.values()))
    messages = {driver: position_data(row) for driver, row in newest.items()}
    schema = connection.schema_name
    heading_to = {}
    try:
        state.positions_last_store(schema=schema, messages=messages)
        heading_to = state.next_stops(schema=schema, driver_ids=list(messages))
        _live_eta_schedule([row for row in newest.values() if row.route_id])
    except (RedisError, KombuError):
        # The rows are stored (the truth); live state catches up with the next fix.
        logger.warning("positions stored, live state not updated", exc_info=True)
    return Stored(positions=rows, newest=messages, heading_to=heading_to)


def _drivers_last_position_store(latest: list[Position]) -> None:
    """Each driver's newest fix onto their row (`Driver.last_*`), where re-planning reads it:
    one statement per batch, and never older over newer (fixes from a phone's offline buffer
    arrive late). A cache of the positions table: a failure is logged, the next fix catches up."""
    if not latest:
        return
    table = connection.ops.quote_name(Driver._meta.db_table)
    rows = sorted(latest, key=lambda row: str(row.driver_id))
    values = ", ".join(["(%s::uuid, %s::float8, %s::float8, %s::timestamptz)"] * len(rows))
    params = [p for row in rows for p in (str(row.driver_id), row.lat, row.lng, row.recorded_at)]
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} AS d SET last_lat = v.lat, last_lng = v.lng, "  # noqa: S608 (a quoted identifier; values are parameters)
                f"last_position_at = v.at FROM (VALUES {values}) AS v(id, lat, lng, at) "
                "WHERE d.id = v.id AND (d.last_position_at IS NULL OR d.last_position_at < v.at)",
                params,
            )
    except DatabaseError:
        logger.warning("positions stored, drivers' last positions not updated", exc_info=True)


def _live_eta_schedule(latest: list[Position]) -> None:
    """At most one live-ETA run per driver every TRACKING_ETA_INTERVAL_SECONDS."""
    if not latest:
        return
    from tracking.tasks import route_live_eta_task

    for row in latest:
        if state.once(name=f"eta:{row.driver_id}", seconds=settings.TRACKING_ETA_INTERVAL_SECONDS):
            task_send(route_live_eta_task, args=[str(row.route_id)])


def positions_record(
    *, driver: Driver, raw_positions: list, now: datetime | None = None
) -> tuple[Stored, list[tuple[int, Rejection]]]:
    """A driver's batch (API): each point checked in order; good ones stored, bad ones
    returned with their index. The driver row lock serialises two batches of one driver."""
    now = now or timezone.now()
    with transaction.atomic():
        Driver.objects.select_for_update().filter(pk=driver.pk).first()
        newest = driver_newest_recorded_at(driver_id=driver.pk)
        entries, rejected = [], []
        for index, raw in enumerate(raw_positions):
            checked = position_check(raw, now=now, newest=newest)
            if isinstance(checked, Rejection):
                rejected.append((index, checked))
                continue
            newest = checked.recorded_at
            entries.append(PositionEntry(driver_id=driver.pk, position=checked))
        stored = positions_store(entries=entries, now=now)
    return stored, rejected


def positions_purge(*, now: datetime | None = None) -> int:
    """Delete positions older than TRACKING_RETENTION_DAYS."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.TRACKING_RETENTION_DAYS)
    deleted, _ = Position.objects.filter(recorded_at__lt=cutoff).delete()
    return deleted


# --- live ETAs, approach, arrival ------------------------------------------------------------


def distance_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lng1, lat2, lng2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lng2 - lng1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(h))


def _stop_place(stop: Stop) -> tuple[float, float] | None:
    """Where the van goes for `stop`: the pickup address or the delivery address."""
    order = stop.order
    if stop.kind == Stop.Kind.PICKUP:
        return (order.pickup_lat, order.pickup_lng) if order.pickup_lat is not None else None
    return (order.lat, order.lng) if order.has_location else None


def _window_start(stop: Stop) -> datetime | None:
    order = stop.order
    windows = order.pickup_time_windows if stop.kind == Stop.Kind.PICKUP else order.time_windows
    starts = [datetime.fromisoformat(window["start"]) for window in windows or []]
    return min(starts) if starts else None


def route_live_eta_update(*, route_id, now: datetime | None = None) -> int:
    """Recompute the ETAs of a started route's remaining stops from the driver's last position;
    store and push those that moved by more than TRACKING_ETA_PUSH_SECONDS. Also marks the next
    stop's order approaching, and suggests an arrival to the dispatchers. Returns the number of
    ETAs changed."""
    now = now or timezone.now()
    route = Route.objects.select_related("vehicle").filter(pk=route_id).first()
    if route is None or route.status != Route.Status.STARTED:
        return 0
    last = state.position_last(driver_id=route.driver_id)
    if last is None:
        return 0
    here = (last["lat"], last["lng"])
    remaining = [
        stop
        for stop in Stop.objects.filter(route=route).select_related("order").order_by("sequence")
        if stop.order.status == OrderStatus.OUT_FOR_DELIVERY
        and _stop_place(stop) is not None
        and not (stop.kind == Stop.Kind.PICKUP and stop.picked_up_at is not None)
    ]
    if not remaining:
        state.next_stop_forget(driver_ids=[route.driver_id])
        return 0
    first = remaining[0]
    state.next_stop_set(driver_id=route.driver_id, order_id=first.order_id, route_id=route.pk)
    profile = route.vehicle.profile if route.vehicle else "van"
    points = [here, *[_stop_place(stop) for stop in remaining]]
    matrix = matrices.travel_matrix(points, profile=profile)
    clock = now
    threshold = settings.TRACKING_ETA_PUSH_SECONDS
    changed_stops, changed_orders = [], []
    for number, stop in enumerate(remaining, start=1):
        arrival = clock + timedelta(seconds=float(matrix.durations[number - 1][number]))
        # A stored ETA already behind the clock is replaced whatever the threshold: the van
        # is not there yet, so it is no sooner than this new one.
        if (
            stop.eta is None
            or stop.eta < now
            or abs((arrival - stop.eta).total_seconds()) > threshold
        ):
            stop.eta = arrival
            changed_stops.append(stop)
            if stop.kind == Stop.Kind.DELIVERY:  # the order's ETA is its delivery's
                stop.order.eta = arrival
                changed_orders.append(stop.order)
        opens = _window_start(stop)
        clock = max(arrival, opens) if opens else arrival
        clock += timedelta(seconds=stop.order.service_seconds)
    with transaction.atomic():
        if changed_stops:
            Stop.objects.bulk_update(changed_stops, ["eta"])
            for order in changed_orders:
                order.updated_at = now
            Order.objects.bulk_update(changed_orders, ["eta", "updated_at"])
            orders_changed(order_ids=[order.pk for order in changed_orders])
            routes_changed(route_ids=[route.pk])
    away_m = distance_m(here, _stop_place(first))
    eta_s = (first.eta - now).total_seconds() if first.eta else None
    # Near a pickup, the recipient's parcel is not coming yet.
    if first.kind == Stop.Kind.DELIVERY and (
        away_m <= settings.TRACKING_APPROACH_METERS
        or (eta_s is not None and eta_s <= settings.TRACKING_APPROACH_SECONDS)
    ):
        order_approach_mark(
            order_id=first.order_id, driver_id=route.driver_id, distance_m=away_m, eta=first.eta
        )
    stop_arrival_detect(route=route, stop=first)
    return len(changed_stops)


def order_approach_mark(*, order_id, driver_id, distance_m: float, eta: datetime | None) -> bool:
    """The driver is close to this order: recorded once (True the first time only)."""
    with transaction.atomic():
        _, created = OrderApproach.objects.get_or_create(
            order_id=order_id,
            defaults={
                "driver_id": driver_id,
                "distance_m": round(distance_m),
                "eta": eta,
                "noticed_at": timezone.now(),
            },
        )
        if not created:
            return False
        # The outbox tells the recipient (SMS / e-mail) and the integrators (webhook).
        order = Order.objects.get(pk=order_id)
        event_record(name="order.approaching", data=order_data(order, distance_m=round(distance_m)))
    return True


def stop_arrival_detect(*, route: Route, stop: Stop) -> bool:
    """Suggest (never force) to the dispatchers that the driver arrived at `stop`: every fix of
    the last TRACKING_ARRIVAL_SECONDS inside TRACKING_ARRIVAL_RADIUS_M of it. Once per stop."""
    order = stop.order
    newest = Position.objects.filter(driver_id=route.driver_id).order_by("-recorded_at").first()
    if newest is None:
        return False
    radius, hold = settings.TRACKING_ARRIVAL_RADIUS_M, settings.TRACKING_ARRIVAL_SECONDS
    recent = Position.objects.filter(
        driver_id=route.driver_id,
        recorded_at__gte=newest.recorded_at - timedelta(seconds=hold * 2),
    ).order_by("-recorded_at")
    since = None
    for fix in recent:
        if distance_m((fix.lat, fix.lng), (order.lat, order.lng)) > radius:
            break
        since = fix.recorded_at
    if since is None or (newest.recorded_at - since).total_seconds() < hold:
        return False
    if not state.once(name=f"arrived:{stop.pk}", seconds=24 * 3600):
        return False
    message = {
        "type": "stop.arrived",
        "data": {
            "suggestion": "delivered",
            "route": str(route.pk),
            "stop": str(stop.pk),
            "order": str(order.pk),
            "driver": str(route.driver_id),
            "sequence": stop.sequence,
            "since": since.isoformat(),
        },
    }
    dispatchers_suggest(message=message)
    return True


# --- tracking links ---------------------------------------------------------------------------


def order_tracking_link_rotate(*, order_id, actor: Actor) -> Order:
    """Replace the order's tracking token: the old link answers 404 from now on and its open
    sockets are closed."""
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order_id)
        order.tracking_token = tracking_token_new()
        order.save(update_fields=["tracking_token", "updated_at"])
        order_event(
            order=order,
            kind=OrderEvent.Kind.UPDATED,
            actor=actor,
            note="Tracking link replaced; the previous link no longer works.",
        ).save()
        tracking_revoked(order_id=order.pk)
    return order
