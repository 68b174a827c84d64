"""What the driver's phone shows: today's route with its orders, in the API's JSON shapes."""

from datetime import date, timedelta

from django.utils import timezone

from delivery.api.serializers import OrderSerializer
from delivery.models import FailureReason
from delivery.selectors import driver_for_user
from routing.api import RouteSerializer
from routing.models import Route
from routing.selectors import routes_list
from tenants.selectors import tenant_time_zone
from web.selectors.shapes import api_shaped

# A planned route is still the dispatcher's draft; the driver sees it once dispatched.
ROUTE_STATUSES_SHOWN = (Route.Status.DISPATCHED, Route.Status.STARTED, Route.Status.COMPLETED)


@api_shaped
def driver_today(*, user, now=None) -> dict:
    """The payload of `/driver/` and `/driver/data/`: the driver, today's route (business time
    zone) as `GET /api/v1/routes/{id}` shows it, and its orders as `GET /api/v1/orders/{id}` in
    stop order. `generated_at` lets the phone keep the newest copy it has seen."""
    now = now or timezone.now()
    today = timezone.localdate(now, tenant_time_zone())
    driver = driver_for_user(user=user)
    route = _route_shown(driver, today=today) if driver is not None else None
    # A pickup-and-delivery order has two stops (collect, then deliver): list it once.
    stops = route.stops.all() if route is not None else []
    orders = list({stop.order_id: stop.order for stop in stops}.values())
    return {
        "date": today.isoformat(),
        "driver": (
            {"id": str(driver.pk), "name": driver.user.full_name or driver.user.email}
            if driver is not None
            else None
        ),
        "route": RouteSerializer(route).data if route is not None else None,
        "orders": OrderSerializer(orders, many=True).data,
        "failure_reasons": [
            {"value": value, "label": label} for value, label in FailureReason.choices
        ],
        "generated_at": now.isoformat(),
    }


def _route_shown(driver, *, today: date) -> Route | None:
    """Today's route; but a route of yesterday still under way comes first, until it is
    completed: a round that runs past midnight (or a business whose time zone changed mid-day)
    must not vanish from the phone with stops still on board. Older ones are left to the office."""
    routes = routes_list(filters={"driver": driver.pk, "status": ROUTE_STATUSES_SHOWN}).filter(
        delivery_date__range=(today - timedelta(days=1), today)
    )
    todays = [route for route in routes if route.delivery_date == today]
    if todays and todays[0].status == Route.Status.STARTED:
        return todays[0]
    carried = [r for r in routes if r.delivery_date < today and r.status == Route.Status.STARTED]
    return (carried or todays or [None])[0]
