"""What a recipient may change from their tracking link: leave delivery instructions before the
delivery, choose another delivery day after a failed attempt. Their messages are in the
recipient's language (the caller activates it)."""

from datetime import date

from django.db import transaction
from django.utils.translation import gettext as _

from delivery.models import Order, OrderEvent, OrderStatus
from delivery.realtime import orders_changed
from delivery.selectors import delivery_days_next
from delivery.services.lifecycle import order_reschedule
from delivery.services.orders import order_event
from tenants.actors import Actor, system_actor
from tenants.errors import ApplicationError
from tenants.validation import text_problem

MAX_INSTRUCTIONS = 300
# Before the delivery: a delivered or cancelled order takes no more instructions.
INSTRUCTIONS_STATUSES = frozenset(
    {
        OrderStatus.UNASSIGNED,
        OrderStatus.ASSIGNED,
        OrderStatus.OUT_FOR_DELIVERY,
        OrderStatus.FAILED,
    }
)
RECIPIENT = system_actor("recipient (tracking page)")


def instructions_clean(value) -> str:
    """One line or a few, at most MAX_INSTRUCTIONS characters, no control characters."""
    if not isinstance(value, str):
        value = ""
    if text_problem(value):
        message = _("Please use plain text.")
        raise ApplicationError("validation_error", message, fields={"instructions": [message]})
    # Line breaks stay (a gate code on its own line); other control characters go.
    value = "".join(ch for ch in value if ch == "\n" or ch.isprintable()).strip()
    if len(value) > MAX_INSTRUCTIONS:
        message = _("Please keep it to %(limit)d characters.") % {"limit": MAX_INSTRUCTIONS}
        raise ApplicationError("validation_error", message, fields={"instructions": [message]})
    return value


def order_instructions_leave(*, order_id, instructions, actor: Actor = RECIPIENT) -> Order:
    """The recipient's delivery instructions (empty clears them), recorded as an event and
    pushed to the dispatchers' and the driver's screens."""
    text = instructions_clean(instructions)
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order_id)
        if order.status not in INSTRUCTIONS_STATUSES:
            raise ApplicationError(
                "order_locked", _("This delivery is finished; instructions are closed.")
            )
        if order.delivery_instructions == text:
            return order
        order.delivery_instructions = text
        order.save(update_fields=["delivery_instructions", "updated_at"])
        order_event(
            order=order,
            kind=OrderEvent.Kind.INSTRUCTIONS,
            actor=actor,
            note=text or "Instructions removed",
        ).save()
        orders_changed(order_ids=[order.pk])
    return order


def recipient_days(*, today: date, days_offered: int) -> list[date]:
    """The delivery days a recipient may choose after a failed attempt (none when not offered)."""
    return delivery_days_next(after=today, count=days_offered)


def order_recipient_reschedule(
    *, order_id, delivery_date, today: date, days_offered: int, actor: Actor = RECIPIENT
) -> Order:
    """A failed order moved by its recipient to one of the offered days, through
    order_reschedule (events, routes, pushes as any reschedule)."""
    if delivery_date not in recipient_days(today=today, days_offered=days_offered):
        message = _("Please choose one of the days shown.")
        raise ApplicationError("validation_error", message, fields={"delivery_date": [message]})
    with transaction.atomic():
        # Locked first: a dispatcher moving it meanwhile wins, the recipient is told.
        order = Order.objects.select_for_update().filter(pk=order_id).first()
        if order is None or order.status != OrderStatus.FAILED:
            raise ApplicationError("order_locked", _("This delivery can no longer be moved here."))
        return order_reschedule(order_id=order_id, delivery_date=delivery_date, actor=actor)
