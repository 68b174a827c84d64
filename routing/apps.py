from django.apps import AppConfig


class RoutingConfig(AppConfig):
    name = "routing"

    def ready(self) -> None:
        # Delivery announces orders leaving their routes without importing routing: their stops
        # go and the routes are re-timed in the same transaction.
        from delivery.signals import orders_left_routes
        from routing.assignment import on_orders_left_routes

        orders_left_routes.connect(on_orders_left_routes, dispatch_uid="routing.orders_left")
