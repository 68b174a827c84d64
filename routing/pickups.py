"""Pickup-and-delivery on the road: the driver confirms collecting the goods at a pickup stop."""

from django.db import transaction
from django.utils import timezone

from delivery.models import OrderEvent
from delivery.services import order_event
from routing.models import Route, Stop
from tenants.actors import Actor
from tenants.errors import ApplicationError


def stop_pickup_confirm(
    *, route: Route, stop_id, actor: Actor, location: tuple[float, float] | None = None
) -> Stop:
    """Mark the route's pickup stop `stop_id` done and write it on the order's trail."""
    with transaction.atomic():
        route = Route.objects.select_for_update().get(pk=route.pk)
        stop = (
            Stop.objects.select_for_update(of=("self",))
            .select_related("order")
            .filter(route=route, pk=stop_id)
            .first()
        )
        if stop is None:
            raise ApplicationError("not_found", "This route has no such stop.")
        if stop.kind != Stop.Kind.PICKUP:
            raise ApplicationError(
                "not_a_pickup",
                "This stop is a delivery; deliveries are completed through the order's transition.",
            )
        if route.status != Route.Status.STARTED:
            raise ApplicationError(
                "route_not_started",
                f"Start the route first: it is {route.status}.",
            )
        if stop.picked_up_at is not None:
            raise ApplicationError(
                "already_picked_up",
                f"Picked up already, at {stop.picked_up_at.isoformat()}.",
            )
        stop.picked_up_at = timezone.now()
        stop.save(update_fields=["picked_up_at"])
        order_event(
            order=stop.order,
            kind=OrderEvent.Kind.PICKED_UP,
            actor=actor,
            note=stop.order.pickup_address,
            location=location,
        ).save()
    return stop
