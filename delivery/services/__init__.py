"""Every write to depots, vehicles, drivers and orders, by topic: `orders` (create, edit,
locate), `lifecycle` (status changes, the planner's result, another day), `fleet` (depots,
vehicles, drivers). The names other apps call are importable from here."""

from delivery.services.fleet import depot_save, driver_save, fleet_delete, vehicle_save
from delivery.services.lifecycle import (
    TRANSITIONS,
    order_reschedule,
    order_transition,
    orders_out_for_delivery,
    orders_plan_apply,
    orders_sequences_follow,
    windows_moved,
)
from delivery.services.orders import (
    EDITABLE_STATUSES,
    order_create,
    order_event,
    order_location_set,
    order_update,
    orders_create_many,
    orders_existing_external_ids,
    orders_locate_again,
)

__all__ = [
    "EDITABLE_STATUSES",
    "TRANSITIONS",
    "depot_save",
    "driver_save",
    "fleet_delete",
    "order_create",
    "order_event",
    "order_location_set",
    "order_reschedule",
    "order_transition",
    "order_update",
    "orders_create_many",
    "orders_existing_external_ids",
    "orders_locate_again",
    "orders_out_for_delivery",
    "orders_plan_apply",
    "orders_sequences_follow",
    "vehicle_save",
    "windows_moved",
]
