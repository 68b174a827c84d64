"""Pickup-and-delivery on the road: the driver confirms collecting the goods at a pickup stop."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from delivery.models import OrderEvent
from delivery.services import order_event
from routing.models import Route, Stop
from tenants.actors import Actor
from tenants.errors import ApplicationError, status_word


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
            raise ApplicationError("not_found", _("This route has no such stop."))
        if stop.kind != Stop.Kind.PICKUP:
            raise ApplicationError(
                "not_a_pickup",
                _(
                    "This stop is a delivery; "
                    "deliveries are completed through the order's transition."
                ),
            )
        if route.status != Route.Status.STARTED:
            raise ApplicationError(
                "route_not_started",
                _("Start the route first: it is %(status)s.")
                % {"status": status_word(Route.Status, route.status)},
            )
        if stop.picked_up_at is not None:
            raise ApplicationError(
                "already_picked_up",
                _("Picked up already, at %(time)s.") % {"time": stop.picked_up_at.isoformat()},
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
