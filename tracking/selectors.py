"""Reads of the tracking app: drivers' positions and tracks, orders as the tracking page and the
dispatchers' socket see them."""

import logging
import re
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db.models import Max, OuterRef, Subquery
from django.utils import timezone
from redis.exceptions import RedisError

from delivery.arrival import arrival_window
from delivery.models import DeliveryAttempt, Driver, Order, OrderEvent, OrderStatus, ProofFile
from routing.lateness import order_expected_arrival
from routing.models import Route, Stop
from tenants.selectors import tenant_time_zone
from tracking import state
from tracking.labels import recipient_status_label
from tracking.models import Position

logger = logging.getLogger(__name__)

FINAL_STATUSES = (OrderStatus.DELIVERED, OrderStatus.FAILED, OrderStatus.CANCELLED)
DONE_STATUSES = (OrderStatus.DELIVERED, OrderStatus.FAILED)
# delivery.models.tracking_token_new's shape, with room for older or longer tokens.
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{20,64}", re.ASCII)


def driver_newest_recorded_at(*, driver_id) -> datetime | None:
    return Position.objects.filter(driver_id=driver_id).aggregate(newest=Max("recorded_at"))[
        "newest"
    ]


def drivers_routes_current(*, driver_ids) -> dict:
    """driver id → the id of their started route (the newest one); drivers without one are
    left out."""
    if not driver_ids:
        return {}
    current = {}
    for driver_id, route_id in (
        Route.objects.filter(driver_id__in=list(driver_ids), status=Route.Status.STARTED)
        .order_by("delivery_date", "started_at")
        .values_list("driver_id", "pk")
    ):
        current[driver_id] = route_id  # the newest wins
    return current


def position_data(position: Position) -> dict:
    """A `driver.position` message's data (the contract of /ws/dispatch/)."""
    return {
        "driver": str(position.driver_id),
        "route": str(position.route_id) if position.route_id else None,
        "lat": position.lat,
        "lng": position.lng,
        "accuracy": position.accuracy,
        "heading": position.heading,
        "speed": position.speed,
        "recorded_at": position.recorded_at.isoformat(),
    }


def positions_latest() -> list[dict]:
    """Every driver's last known position, newest first: from Redis (live state), or from
    PostgreSQL (where every position is stored first) while Redis is unreachable."""
    try:
        latest = list(state.positions_last().values())
    except RedisError:
        logger.warning("live positions unavailable; answering from PostgreSQL", exc_info=True)
        latest = positions_latest_stored()
    return sorted(latest, key=lambda data: data["recorded_at"], reverse=True)


def positions_latest_stored() -> list[dict]:
    """Every driver's newest stored position: one index lookup per driver, in two queries."""
    newest = Position.objects.filter(driver=OuterRef("pk")).order_by("-recorded_at")
    ids = (
        Driver.objects.annotate(newest=Subquery(newest.values("pk")[:1]))
        .exclude(newest=None)
        .values_list("newest", flat=True)
    )
    return [position_data(position) for position in Position.objects.filter(pk__in=list(ids))]


def driver_track(*, driver_id, day: date) -> list[Position]:
    """The driver's positions of `day` (the business's time zone), in time order."""
    tz = tenant_time_zone()
    start = datetime.combine(day, time.min, tzinfo=tz)
    return list(
        Position.objects.filter(
            driver_id=driver_id,
            recorded_at__gte=start,
            recorded_at__lt=datetime.combine(day + timedelta(days=1), time.min, tzinfo=tz),
        ).order_by("recorded_at")
    )


# --- the recipient's tracking page ----------------------------------------------------------


def order_finished_at(order: Order) -> datetime | None:
    """When the order reached its final status (None while it is not final)."""
    if order.status not in FINAL_STATUSES:
        return None
    finished = (
        OrderEvent.objects.filter(
            order=order, kind=OrderEvent.Kind.STATUS_CHANGED, to_status=order.status
        )
        .order_by("-occurred_at")
        .values_list("occurred_at", flat=True)
        .first()
    )
    return finished or order.updated_at


def order_for_token(*, token: str, now: datetime | None = None) -> Order | None:
    """The order a tracking link shows; None for an unknown, replaced or expired link (a final
    status more than TRACKING_LINK_DAYS ago)."""
    # Tokens are URL-safe base64: anything else is no token (and a NUL would fail the query).
    if not isinstance(token, str) or not TOKEN_SHAPE.fullmatch(token):
        return None
    order = Order.objects.select_related("driver__user").filter(tracking_token=token).first()
    if order is None:
        return None
    finished = order_finished_at(order)
    now = now or timezone.now()
    if finished is not None and now > finished + timedelta(days=settings.TRACKING_LINK_DAYS):
        return None
    return order


def driver_heading_to(order: Order) -> bool:
    """True while the order is out for delivery and is its driver's next stop."""
    if order.status != OrderStatus.OUT_FOR_DELIVERY or order.driver_id is None:
        return False
    heading = state.next_stop(driver_id=order.driver_id)
    if heading is not None and (
        heading["order"] == str(order.pk)
        or Order.objects.filter(pk=heading["order"], status=OrderStatus.OUT_FOR_DELIVERY).exists()
    ):
        # The stop the last live-ETA run named, unless that order was finished since.
        return heading["order"] == str(order.pk)
    # No live ETA run yet: the first remaining stop of the driver's started route.
    first = (
        Stop.objects.filter(
            route__driver_id=order.driver_id,
            route__status=Route.Status.STARTED,
            order__status=OrderStatus.OUT_FOR_DELIVERY,
        )
        .order_by("route__delivery_date", "sequence")
        .values_list("order_id", flat=True)
        .first()
    )
    return first == order.pk


def tracking_snapshot(order: Order, *, proof_url=None) -> dict:
    """Everything the recipient may see, and nothing more: no other orders, no other stops, the
    driver by first name only, their position only while they are heading here."""
    heading_here = driver_heading_to(order)
    position = None
    if heading_here:
        last = state.position_last(driver_id=order.driver_id)
        if last is not None:
            position = {key: last[key] for key in ("lat", "lng", "heading", "recorded_at")}
    proofs = []
    if order.status == OrderStatus.DELIVERED and proof_url is not None:
        proofs = [
            {"kind": proof.kind, "url": proof_url(proof)}
            for proof in ProofFile.objects.filter(order=order).order_by("uploaded_at")
        ]
    driver_name = ""
    if order.driver_id and order.status == OrderStatus.OUT_FOR_DELIVERY:
        driver_name = (order.driver.user.full_name or "").split(" ")[0]
    finished = order_finished_at(order)
    # The route's rule, not the stored ETA: that one ages (a van running late, no fix for a
    # while) and would tell the recipient a time already past.
    eta = order_expected_arrival(order, now=timezone.now())
    failure_reason = None
    if order.status == OrderStatus.FAILED:
        failure_reason = (
            DeliveryAttempt.objects.filter(order=order, outcome=OrderStatus.FAILED)
            .order_by("-attempted_at")
            .values_list("failure_reason", flat=True)
            .first()
        ) or "other"
    return {
        "status": order.status,
        "status_label": recipient_status_label(order.status),
        "delivery_date": order.delivery_date.isoformat(),
        "failure_reason": failure_reason,
        "eta": eta.isoformat() if eta else None,
        "eta_window": arrival_window(eta),
        "finished_at": finished.isoformat() if finished else None,
        "destination": ({"lat": order.lat, "lng": order.lng} if order.lat is not None else None),
        "driver_first_name": driver_name,
        "driver_position": position,
        "proofs": proofs,
    }


def proof_for_token(*, order: Order, proof_id) -> ProofFile | None:
    if order.status != OrderStatus.DELIVERED:
        return None
    return ProofFile.objects.filter(order=order, pk=proof_id).first()
