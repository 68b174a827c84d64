"""What the business's pages call the reasons an order changed (its history): one table, so that
no `route_started` or `not_home` reaches a screen. Statuses and event kinds are the models'
choices (`get_status_display`, `get_kind_display`)."""

from django.utils.translation import gettext_lazy as _

from delivery.models import FailureReason

REASON_LABELS = {
    **dict(FailureReason.choices),
    "route_started": _("The route started"),
    "rescheduled": _("Moved to another day"),
    "dispatcher": _("By a dispatcher"),
    "recipient": _("By the recipient"),
    "standing_order_changed": _("The standing order changed"),
    "skipped": _("Skipped"),
}


def reason_label(code: str) -> str:
    """The reason in words; an unknown code is shown with its underscores as spaces."""
    if not code:
        return ""
    return str(REASON_LABELS.get(code, code.replace("_", " ").capitalize()))
