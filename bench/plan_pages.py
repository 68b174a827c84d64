"""Server time of the dispatcher's Plan and Live pages at 10× the demo business.

The demo has 3 drivers with a van each and 60 orders a day; here 30 drivers and vans and 600
orders today, 540 of them on 30 routes under way (18 stops each) and 60 still unassigned, plus a
finished planning job with its reasons. Each page is requested through Django's test client
(the whole middleware stack, tenant resolution, session, selectors, serializers, template) by a
signed-in dispatcher; the goal is under 300 ms per page.
"""

import time
from datetime import datetime, timedelta
from decimal import Decimal

from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from bench.report import summary, write
from delivery.demo import CITY_BOX, SHIFTS
from delivery.models import Depot, Driver, Order, OrderStatus, Vehicle
from delivery.services import tenant_time_zone
from routing.models import OptimizationJob, Route, Stop
from tenants.accounts.models import Role, User
from tenants.services import tenant_create, tenant_delete

SCALE = 10
DRIVERS = 3 * SCALE
ORDERS = 60 * SCALE
UNASSIGNED = 6 * SCALE
ROUNDS = 20
GOAL_MS = 300.0


def _place(number: int) -> tuple[float, float]:
    south, west, north, east = CITY_BOX
    return (
        south + (north - south) * ((number * 37) % 101) / 100,
        west + (east - west) * ((number * 61) % 103) / 102,
    )


def _day(slug: str):
    """Fill the current schema: fleet, today's orders, routes under way, a finished job."""
    tz = tenant_time_zone()
    today = timezone.now().astimezone(tz).date()
    start = datetime.combine(today, datetime.min.time(), tzinfo=tz) + timedelta(hours=8)
    depot = Depot.objects.create(name="Depot", address="Utrecht", lat=52.09, lng=5.12)
    shifts = {**SHIFTS, "sun": {"start": "08:00", "end": "17:00"}}
    drivers = []
    for number in range(DRIVERS):
        van = Vehicle.objects.create(
            name=f"Van {number + 1}",
            capacity_weight_kg=Decimal(1000),
            capacity_items=160,
            depot=depot,
        )
        user = User.objects.create(
            email=f"driver{number}@{slug}.test", role=Role.DRIVER, full_name=f"Driver {number:02d}"
        )
        drivers.append(
            Driver.objects.create(user=user, default_vehicle=van, depot=depot, shifts=shifts)
        )
    orders = Order.objects.bulk_create(
        [
            Order(
                external_id=f"B-{number}",
                recipient_name=f"Recipient {number}",
                address=f"Street {number}, Utrecht",
                lat=_place(number)[0],
                lng=_place(number)[1],
                location_status="provided",
                delivery_date=today,
                items=1,
                weight_kg=Decimal(5),
            )
            for number in range(ORDERS)
        ]
    )
    per_route = (ORDERS - UNASSIGNED) // DRIVERS
    stops = []
    for index, driver in enumerate(drivers):
        route = Route.objects.create(
            delivery_date=today,
            driver=driver,
            vehicle=driver.default_vehicle,
            status=Route.Status.STARTED,
            start_lat=depot.lat,
            start_lng=depot.lng,
            planned_start=start,
            planned_end=start + timedelta(hours=8),
            distance_m=42_000,
            duration_s=8 * 3600,
        )
        for sequence in range(1, per_route + 1):
            order = orders[index * per_route + sequence - 1]
            arrival = start + timedelta(minutes=20 * sequence)
            order.status, order.driver, order.route_id, order.sequence = (
                OrderStatus.OUT_FOR_DELIVERY,
                driver,
                route.pk,
                sequence,
            )
            stops.append(
                Stop(
                    route=route,
                    order=order,
                    sequence=sequence,
                    planned_arrival=arrival,
                    planned_departure=arrival + timedelta(minutes=5),
                    load_after={"items": per_route - sequence, "weight_kg": 5.0},
                )
            )
    Stop.objects.bulk_create(stops)
    Order.objects.bulk_update(
        orders[: DRIVERS * per_route], ["status", "driver", "route_id", "sequence"]
    )
    OptimizationJob.objects.create(
        delivery_date=today,
        status=OptimizationJob.Status.SUCCEEDED,
        progress=100,
        requested_by="bench",
        unassigned=[
            {"order": str(order.pk), "label": order.external_id, "reason": "did not fit"}
            for order in orders[DRIVERS * per_route :]
        ],
    )


def _time(client: Client, path: str) -> list[float]:
    assert client.get(path).status_code == 200  # warm-up, and a check
    samples = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        response = client.get(path)
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
    return samples


def run():
    slug = "bench-pages"
    provisioned = tenant_create(
        slug=slug,
        name="Bench pages",
        owner_email=f"owner@{slug}.test",
        owner_password="a-long-bench-password",
        owner_name="Owner",
        time_zone="Europe/Amsterdam",
    )
    try:
        client = Client(HTTP_HOST=provisioned.domain.domain)
        with schema_context(provisioned.tenant.schema_name):
            _day(slug)
            client.force_login(provisioned.owner)
        results = {path: summary(_time(client, path)) for path in ("/plan/", "/live/")}
    finally:
        tenant_delete(tenant=provisioned.tenant)
    rows = "\n".join(
        f"| `{path}` | {stats['median']:.1f} | {stats['p90']:.1f} | {stats['max']:.1f} | "
        f"{'yes' if stats['p90'] < GOAL_MS else '**no**'} |"
        for path, stats in results.items()
    )
    body = (
        f"{__doc__.strip()}\n\n"
        f"{ROUNDS} requests per page after one warm-up, in milliseconds.\n\n"
        f"| page | median | p90 | max | p90 under {GOAL_MS:.0f} ms |\n|---|---|---|---|---|\n"
        f"{rows}\n"
    )
    return write("plan_pages", "Plan and Live pages at 10× the demo", body)
