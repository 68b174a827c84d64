"""Routing's live pushes: `route.updated` to the business's dispatchers (/ws/dispatch/) and
`route.changed` to the route's driver (/ws/driver/route/, once the route is theirs to see:
dispatched or later) after commit, and `optimization.updated` while a job runs, through the
platform helper."""

from django.db.models import Count, Q
from django.utils import timezone

from delivery.models import OrderStatus
from delivery.realtime import driver_group_name
from routing.models import Route
from tenants.realtime import DISPATCH_GROUP, publish, publish_after_commit

DONE_STATUSES = (OrderStatus.DELIVERED, OrderStatus.FAILED)


def dispatchers_notify(*, tenant_id: int, message: dict) -> None:
    """Now, best effort: a dashboard that misses a push reloads the state over the API."""
    publish(tenant_id=tenant_id, sends=[(DISPATCH_GROUP, message)])


def routes_messages(*, route_ids) -> list[dict]:
    """`route.updated` for the dispatchers, one per route that still exists."""
    routes = Route.objects.filter(pk__in=list(route_ids)).annotate(
        stops_total=Count("stops"),
        stops_done=Count("stops", filter=Q(stops__order__status__in=DONE_STATUSES)),
    )
    return [
        {
            "type": "route.updated",
            "data": {
                "id": str(route.pk),
                "status": route.status,
                "driver": str(route.driver_id),
                "delivery_date": route.delivery_date.isoformat(),
                "stops_done": route.stops_done,
                "stops_total": route.stops_total,
                "updated_at": route.updated_at.isoformat(),
            },
        }
        for route in routes
    ]


def routes_dropped(*, routes: list[Route]) -> None:
    """Call inside the transaction that deletes `routes`, before (a re-plan left a dispatched
    route nothing to bring): after commit, `route.updated` with status "dropped" to the dispatchers
    (Live re-reads it: 404, gone) and `route.changed` to each driver's phone (it re-reads its
    day). Built now: the rows are gone by then."""
    if not routes:
        return
    sends = []
    for route in routes:
        data = {
            "id": str(route.pk),
            "status": "dropped",
            "driver": str(route.driver_id),
            "delivery_date": route.delivery_date.isoformat(),
            "stops_done": 0,
            "stops_total": 0,
            "updated_at": timezone.now().isoformat(),
        }
        sends.append((DISPATCH_GROUP, {"type": "route.updated", "data": data}))
        sends.append(
            (
                driver_group_name(data["driver"]),
                {"type": "route.changed", "data": {"route": data["id"], "status": "dropped"}},
            )
        )
    publish_after_commit(lambda: sends)


def _sends(route_ids) -> list[tuple[str, dict]]:
    sends = []
    for message in routes_messages(route_ids=route_ids):
        sends.append((DISPATCH_GROUP, message))
        data = message["data"]
        # A planned route is still the dispatcher's draft: the driver's phone does not show it.
        if data["status"] != Route.Status.PLANNED:
            sends.append(
                (
                    driver_group_name(data["driver"]),
                    {
                        "type": "route.changed",
                        "data": {"route": data["id"], "status": data["status"]},
                    },
                )
            )
    return sends


def routes_changed(*, route_ids) -> None:
    """Call inside the transaction that changed the routes (stops added, removed, re-ordered or
    re-timed; dispatched, started, completed; re-planned): pushes once it commits."""
    ids = [route_id for route_id in route_ids if route_id]
    if ids:
        publish_after_commit(lambda: _sends(ids))
