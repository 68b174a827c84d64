"""`/api/v1/orders`, as the API serves it: delivery's order endpoints, with a transition to
`assigned` done by the planner (`routing.assignment.order_assign`) so that the order joins the
driver's route of its day. Kept apart from routing/api.py (routes and optimisations)."""

from delivery.api.orders import OrderViewSet as DeliveryOrderViewSet
from delivery.models import Order, OrderStatus
from routing.assignment import order_assign
from tenants.accounts.models import Role
from tenants.errors import ApplicationError


class OrderViewSet(DeliveryOrderViewSet):
    def order_transition(self, **arguments) -> Order:
        actor = arguments["actor"]
        if arguments["to"] != OrderStatus.ASSIGNED or actor.role == Role.DRIVER:
            return super().order_transition(**arguments)  # drivers are refused there
        if arguments.get("driver") is None:
            raise ApplicationError(
                "validation_error",
                "Say which driver gets the order.",
                fields={"driver": ["This field is required."]},
            )
        return order_assign(
            order_id=arguments["order_id"],
            driver=arguments["driver"],
            actor=actor,
            note=arguments.get("note", ""),
        )
