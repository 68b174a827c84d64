"""A driver's route for the day, dispatched and with assigned orders, as the planner leaves it."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction

from delivery.models import Driver
from delivery.services import orders_plan_apply
from delivery.tests.factories import TEST_ACTOR, make_order
from routing.models import Route, Stop

DEPOT = (52.3738, 4.8910)


def route_for_day(
    driver: Driver, *, day: date, tz: ZoneInfo, count: int = 2, status: str = "dispatched"
) -> Route:
    start = datetime.combine(day, time(9, 0), tzinfo=tz)
    route = Route.objects.create(
        delivery_date=day,
        driver=driver,
        vehicle=driver.default_vehicle,
        status=status,
        start_lat=DEPOT[0],
        start_lng=DEPOT[1],
        planned_start=start,
        planned_end=start + timedelta(hours=3),
        dispatched_at=start - timedelta(hours=1) if status != "planned" else None,
    )
    assignments = []
    for sequence in range(1, count + 1):
        order = make_order(
            external_id=f"{str(route.pk)[:8]}-{sequence}",
            recipient_name=f"Recipient {sequence}",
            recipient_phone=f"+3161234567{sequence}",
            delivery_date=day,
            location=(52.37 + 0.001 * sequence, 4.89),
            time_windows=[
                {
                    "start": (start + timedelta(hours=sequence - 1)).isoformat(),
                    "end": (start + timedelta(hours=sequence)).isoformat(),
                }
            ],
            notes=f"Ring twice at door {sequence}",
        )
        arrival = start + timedelta(minutes=20 * sequence)
        Stop.objects.create(
            route=route,
            order=order,
            sequence=sequence,
            planned_arrival=arrival,
            planned_departure=arrival + timedelta(minutes=5),
            load_after={"items": float(count - sequence)},
        )
        assignments.append((order.pk, driver.pk, route.pk, sequence, arrival))
    with transaction.atomic():
        orders_plan_apply(assignments=assignments, unassigned=[], actor=TEST_ACTOR)
    return route


def pickup_route_for_day(driver: Driver, *, day: date, tz: ZoneInfo) -> Route:
    """One pickup-and-delivery order: collect at the shop (stop 1), deliver it (stop 2)."""
    start = datetime.combine(day, time(9, 0), tzinfo=tz)
    route = Route.objects.create(
        delivery_date=day,
        driver=driver,
        vehicle=driver.default_vehicle,
        status="dispatched",
        start_lat=DEPOT[0],
        start_lng=DEPOT[1],
        planned_start=start,
        planned_end=start + timedelta(hours=2),
        dispatched_at=start - timedelta(hours=1),
    )
    order = make_order(
        external_id=f"{str(route.pk)[:8]}-pd",
        recipient_name="Recipient 1",
        recipient_phone="+31612345671",
        delivery_date=day,
        location=(52.371, 4.89),
        pickup_address="Flower market, Singel 630, Amsterdam",
        pickup_location=(52.3667, 4.8913),
    )
    for sequence, kind in ((1, Stop.Kind.PICKUP), (2, Stop.Kind.DELIVERY)):
        arrival = start + timedelta(minutes=20 * sequence)
        Stop.objects.create(
            route=route,
            order=order,
            kind=kind,
            sequence=sequence,
            planned_arrival=arrival,
            planned_departure=arrival + timedelta(minutes=5),
            load_after={"items": float(2 - sequence)},
        )
    with transaction.atomic():
        orders_plan_apply(
            assignments=[(order.pk, driver.pk, route.pk, 2, start + timedelta(minutes=40))],
            unassigned=[],
            actor=TEST_ACTOR,
        )
    return route
