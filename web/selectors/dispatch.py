"""What the Plan and Live pages show on first paint, in the API's own shapes (its serializers)."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from delivery.api.serializers import DepotSerializer, DriverSerializer, VehicleSerializer
from delivery.models import Order, OrderStatus
from delivery.selectors import depots_list, drivers_list, vehicles_list
from routing.api import OptimizationSerializer, RouteSerializer
from routing.geometry import road_geometry_configured
from routing.models import Route, Stop
from routing.selectors import (
    WEEKDAYS,
    optimizations_list,
    planning_starts_at,
    routes_list,
    stops_shown,
)
from tenants.locale import business_locale, day_text, time_text
from tenants.selectors import tenant_loading_lead
from web.selectors.shapes import api_shaped

UNDERWAY_STATUSES = (Route.Status.DISPATCHED, Route.Status.STARTED)
LIVE_STATUSES = (Route.Status.DISPATCHED, Route.Status.STARTED, Route.Status.COMPLETED)
STOP_COLUMNS = tuple(field.name for field in Stop._meta.concrete_fields if field.name != "order")
ORDER_COLUMNS = (
    *("id", "external_id", "recipient_name", "address", "status", "lat", "lng"),
    *("weight_kg", "volume_l", "items"),  # the route's load
    *("pickup_address", "pickup_lat", "pickup_lng"),
    *("time_windows", "pickup_time_windows"),  # a stop is late after its windows
)


def _routes(*, delivery_date: date, statuses=(), started_since: date | None = None) -> list[dict]:
    """The day's routes, one list order for every page (by driver name) so colours stay put;
    with `started_since`, also those of the days before it still under way."""
    days = Q(delivery_date=delivery_date)
    if started_since is not None:
        days |= Q(delivery_date__gte=started_since, status=Route.Status.STARTED)
    # A busy day has hundreds of stops: load only the order columns a stop shows.
    stops = stops_shown(
        Stop.objects.select_related("order").only(
            *STOP_COLUMNS, *(f"order__{name}" for name in ORDER_COLUMNS)
        )
    )
    routes = (
        routes_list(filters={"status": statuses} if statuses else {})
        .filter(days)
        .prefetch_related(None)
        .prefetch_related(Prefetch("stops", queryset=stops))
        .order_by("driver__user__full_name", "created_at", "id")
    )
    return RouteSerializer(routes, many=True).data


def _fleet() -> dict:
    active_drivers = drivers_list().filter(is_active=True, user__is_active=True)
    return {
        "drivers": DriverSerializer(
            active_drivers.order_by("user__full_name", "created_at", "id"), many=True
        ).data,
        "vehicles": VehicleSerializer(
            vehicles_list().order_by("name", "created_at", "id"), many=True
        ).data,
        "depots": DepotSerializer(
            depots_list().filter(is_active=True).order_by("name", "created_at", "id"), many=True
        ).data,
    }


def unplanned_orders(*, delivery_date: date) -> list[dict]:
    """The day's unassigned orders: what a plan would still have to place."""
    orders = Order.objects.filter(
        delivery_date=delivery_date, status=OrderStatus.UNASSIGNED
    ).order_by("created_at", "id")
    return [
        {
            "id": str(order.pk),
            "external_id": order.external_id,
            "recipient_name": order.recipient_name,
            "address": order.address,
            "status": order.status,
            "location_status": order.location_status,
        }
        for order in orders
    ]


@api_shaped
def plan_page_data(*, delivery_date: date, today: date, tz: ZoneInfo) -> dict:
    weekday = WEEKDAYS[delivery_date.weekday()]
    fleet = _fleet()
    job = optimizations_list().filter(delivery_date=delivery_date).first()
    routes = _routes(delivery_date=delivery_date)
    return {
        "date": delivery_date.isoformat(),
        "today": today.isoformat(),
        "time_zone": str(tz),
        "editable": delivery_date >= today,
        **fleet,
        "on_shift": [d["id"] for d in fleet["drivers"] if d["shifts"].get(weekday)],
        "routes": routes,
        "underway": any(route["status"] in UNDERWAY_STATUSES for route in routes),
        "job": OptimizationSerializer(job).data if job else None,
        "unplanned": unplanned_orders(delivery_date=delivery_date),
        "road_geometry": road_geometry_configured(),
    }


@api_shaped
def live_page_data(*, today: date, tz: ZoneInfo) -> dict:
    return {
        "date": today.isoformat(),
        "time_zone": str(tz),
        **_fleet(),
        # A round past midnight stays on the map until it is completed (as on the phone).
        "routes": _routes(
            delivery_date=today, statuses=LIVE_STATUSES, started_since=today - timedelta(days=1)
        ),
    }


def planning_from_text(*, delivery_date: date, tz: ZoneInfo, now: datetime | None = None) -> str:
    """What the Plan page says about "now" on a day that has begun: "Planning from 10:45 (now +
    30 min loading)"; empty for a day still ahead (its shifts start when they start)."""
    now = now or timezone.now()
    lead = tenant_loading_lead()
    starts = planning_starts_at(now=now, lead=lead, tz=tz)
    if delivery_date < now.astimezone(tz).date():
        return ""  # a past day is not planned
    if starts <= datetime.combine(delivery_date, time(0), tzinfo=tz):
        return ""
    minutes = int(lead.total_seconds() // 60)
    locale = business_locale()  # its clock: 16:05, or 4:05 PM
    if starts.date() > delivery_date:
        return _("It is too late to plan %(day)s: routes would leave tomorrow.") % {
            "day": day_text(delivery_date, locale)
        }
    return _("Planning from %(time)s (now + %(minutes)s min loading): no route leaves earlier.") % {
        "time": time_text(starts, locale),
        "minutes": minutes,
    }
