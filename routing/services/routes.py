"""A route's status: dispatch, start (ETAs from that moment, orders out for delivery),
complete."""

import logging

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from delivery.services import orders_out_for_delivery
from notifications.events import route_event_record
from routing.locks import plan_date_lock
from routing.models import Route
from routing.payloads import route_data
from routing.realtime import routes_changed
from tenants.actors import Actor
from tenants.errors import ApplicationError, status_word

logger = logging.getLogger(__name__)


def route_status_set(*, route: Route, to: str, actor: Actor) -> Route:
    """dispatch (planned → dispatched), start (dispatched → started), complete (started →
    completed)."""
    allowed = {
        Route.Status.DISPATCHED: Route.Status.PLANNED,
        Route.Status.STARTED: Route.Status.DISPATCHED,
        Route.Status.COMPLETED: Route.Status.STARTED,
    }
    stamp = {
        Route.Status.DISPATCHED: "dispatched_at",
        Route.Status.STARTED: "started_at",
        Route.Status.COMPLETED: "completed_at",
    }
    with transaction.atomic():
        plan_date_lock(delivery_date=route.delivery_date)
        route = Route.objects.select_for_update().get(pk=route.pk)
        if route.status != allowed[to]:
            raise ApplicationError(
                "invalid_transition",
                _("A route that is %(status)s cannot become %(to)s.")
                % {
                    "status": status_word(Route.Status, route.status),
                    "to": status_word(Route.Status, to),
                },
            )
        route.status = to
        setattr(route, stamp[to], timezone.now())
        route.save(update_fields=["status", stamp[to], "updated_at"])
        route_event_record(snapshot=route_data(route))
        if to == Route.Status.STARTED:
            from routing.edits import route_etas_from  # edits builds on this module

            # Before the orders go out (and their messages name a window): ETAs from now.
            route_etas_from(route=route, moment=route.started_at)
            orders_out_for_delivery(
                order_ids=route.stops.values_list("order_id", flat=True), actor=actor
            )
        routes_changed(route_ids=[route.pk])  # route.updated after commit
    return route
