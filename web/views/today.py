"""Today at a glance: orders by status, routes, drivers on shift, late stops and deliveries made
before their window, live map."""

from django.db.models import Count, Q
from django.shortcuts import render
from django.utils import timezone

from delivery.models import Depot, Driver, Order, OrderStatus
from routing.lateness import day_punctuality, punctuality_loaded
from tenants.selectors import tenant_time_zone
from web.access import OPERATIONS, page_view
from web.selectors.maps import map_view
from web.selectors.setup import setup_checklist

WEEKDAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
OPEN_STATUSES = (OrderStatus.UNASSIGNED, OrderStatus.ASSIGNED, OrderStatus.OUT_FOR_DELIVERY)
LATE_SHOWN = 20
EARLY_SHOWN = 10


def orders_by_status(*, day) -> list[tuple[str, str, int]]:
    counts = dict(
        Order.objects.filter(delivery_date=day)
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    return [(value, label, counts.get(value, 0)) for value, label in OrderStatus.choices]


def routes_of_day(*, day):
    from routing.models import Route

    done = (OrderStatus.DELIVERED, OrderStatus.FAILED)
    return (
        Route.objects.filter(delivery_date=day)
        .select_related("driver__user", "vehicle")
        .annotate(
            stops_total=Count("stops"),
            stops_done=Count("stops", filter=Q(stops__order__status__in=done)),
        )
        .order_by("planned_start", "id")
    )


def drivers_on_shift(*, day) -> list[Driver]:
    """Active drivers whose shifts include `day`'s weekday; `shift_today` is that shift."""
    key = WEEKDAY_KEYS[day.weekday()]
    drivers = list(
        Driver.objects.filter(is_active=True, shifts__has_key=key)
        .select_related("user", "default_vehicle")
        .order_by("user__full_name", "user__email")
    )
    for driver in drivers:
        driver.shift_today = driver.shifts[key]
    return drivers


@page_view(roles=OPERATIONS)
def today(request):
    tz = tenant_time_zone()
    now = timezone.now()
    day = now.astimezone(tz).date()
    statuses = orders_by_status(day=day)
    late, early = day_punctuality(delivery_date=day, now=now)
    # only the rows shown are loaded, late and early in one query
    late_shown, early_shown = punctuality_loaded(late[:LATE_SHOWN], early[:EARLY_SHOWN])
    depots = list(
        Depot.objects.filter(is_active=True).order_by("created_at").values("name", "lat", "lng")
    )
    return render(
        request,
        "web/pages/today.html",
        {
            "day": day,
            "statuses": statuses,
            "total": sum(n for _, _, n in statuses),
            "routes": routes_of_day(day=day),
            "drivers": drivers_on_shift(day=day),
            "late": late_shown,
            "late_count": len(late),
            "early": early_shown,
            "early_count": len(early),
            "map_data": {"depots": depots},
            "map_view": map_view(depots=depots),
            "setup": setup_checklist(is_manager=request.user.is_manager),
        },
    )
