"""How the recipient's tracking page names an order's status (one table; the dashboard's own
words are delivery's OrderStatus labels). Translated in every shipped language."""

from django.utils.translation import gettext_lazy as _

RECIPIENT_STATUS_LABELS = {
    "unassigned": _("Scheduled"),
    "assigned": _("Scheduled"),
    "out_for_delivery": _("Out for delivery"),
    "delivered": _("Delivered"),
    "failed": _("Not delivered"),
    "cancelled": _("Cancelled"),
}


def recipient_status_label(status: str) -> str:
    return str(RECIPIENT_STATUS_LABELS.get(status, status))
