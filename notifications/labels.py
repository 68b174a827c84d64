"""What the business's pages call each event (the message log, webhooks): one table, so that no
`order.out_for_delivery` reaches a screen."""

from django.utils.translation import gettext_lazy as _

EVENT_LABELS = {
    "order.created": _("Order created"),
    "order.assigned": _("Order assigned"),
    "order.out_for_delivery": _("Out for delivery"),
    "order.approaching": _("Driver approaching"),
    "order.delivered": _("Delivered"),
    "order.failed": _("Delivery failed"),
    "order.cancelled": _("Order cancelled"),
    "route.dispatched": _("Route dispatched"),
    "route.started": _("Route started"),
    "route.completed": _("Route completed"),
    "optimization.succeeded": _("Plan ready"),
    "optimization.failed": _("Planning failed"),
}


def event_label(name: str) -> str:
    """The event's name in words; an unknown name is shown as it is."""
    return str(EVENT_LABELS.get(name, name))
