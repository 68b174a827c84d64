"""What delivery announces to the apps above it without importing them (they connect in their
AppConfig.ready): `orders_left_routes` is sent inside the transaction in which orders were
taken off their routes (cancelled, rescheduled, moved to another day, unassigned), so that the
planner drops their stops and re-times the routes in that same transaction."""

from collections.abc import Iterable

from django.dispatch import Signal

from tenants.actors import Actor

# Sent with order_ids (the orders taken off) and actor.
orders_left_routes = Signal()


def orders_left_routes_send(*, order_ids: Iterable, actor: Actor) -> None:
    ids = [order_id for order_id in order_ids if order_id]
    if ids:
        orders_left_routes.send(sender=None, order_ids=ids, actor=actor)
