"""The demo business's deliveries: fleet, drivers and a day of orders around Utrecht, once."""

import io
import math
from collections import Counter
from datetime import date
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from delivery.api.orders import order_as_input
from delivery.demo import CITY_BOX, ORDERS_PER_DAY, demo_deliveries_seed
from delivery.models import Depot, Driver, Order, OrderEvent, Vehicle
from delivery.validation import order_input_parse, phone_normalise
from tenants.accounts.models import Role
from tenants.accounts.services import user_create

TODAY = date(2026, 11, 27)
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
DEMO_DRIVERS = ["driver1@demo.localhost", "driver2@demo.localhost", "driver3@demo.localhost"]
WORKDAY = {"start": "08:00", "end": "17:00"}


def metres_between(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lng1, lat2, lng2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lng2 - lng1) / 2) ** 2
    )
    return 2 * 6_371_000 * math.asin(math.sqrt(h))


def demo_team() -> None:
    """The driver logins `seed_demo` creates (call inside the business's schema)."""
    for email in DEMO_DRIVERS:
        user_create(email=email, role=Role.DRIVER, password=None, full_name="Demo Driver")


@pytest.fixture
def seeded(tenant_a):
    with tenant_a.use():
        demo_team()
        summary = demo_deliveries_seed(today=TODAY)
    return summary


def test_the_summary_counts_what_was_made(tenant_a, seeded):
    with tenant_a.use():
        counts = (
            Depot.objects.count(),
            Vehicle.objects.count(),
            Driver.objects.count(),
            Order.objects.count(),
        )

    assert (seeded.depots, seeded.vehicles, seeded.drivers, seeded.orders) == (1, 3, 3, 60)
    assert counts == (1, 3, 3, ORDERS_PER_DAY)


def test_a_depot_in_utrecht_and_three_vans_with_capacities(tenant_a, seeded):
    with tenant_a.use():
        depot = Depot.objects.get()
        vans = list(Vehicle.objects.order_by("name"))

    south, west, north, east = CITY_BOX
    assert south <= depot.lat <= north and west <= depot.lng <= east
    assert depot.address.endswith(", Utrecht")
    assert set(depot.opening_hours) == {"mon", "tue", "wed", "thu", "fri", "sat"}
    assert [van.profile for van in vans] == ["van", "van", "van"]
    for van in vans:
        assert van.depot_id == depot.pk
        assert van.capacity_weight_kg > 0
        assert van.capacity_items > 0
    assert [van.skills for van in vans] == [[], ["fridge"], []]  # one van keeps pastry cold


def test_the_demo_drivers_get_phones_shifts_and_a_van_each(tenant_a, seeded):
    with tenant_a.use():
        drivers = list(Driver.objects.select_related("user").order_by("user__email"))
        depot = Depot.objects.get()

    assert [driver.user.email for driver in drivers] == DEMO_DRIVERS
    for driver in drivers:
        assert driver.phone == phone_normalise(driver.phone, region=None)
        assert driver.phone.startswith("+316")
        assert driver.shifts == {day: WORKDAY for day in ("mon", "tue", "wed", "thu", "fri", "sat")}
        assert driver.depot_id == depot.pk
        assert driver.is_active
    assert len({driver.default_vehicle_id for driver in drivers} - {None}) == 3


def test_sixty_orders_for_the_day_all_inside_the_city_and_near_the_depot(tenant_a, seeded):
    with tenant_a.use():
        depot = Depot.objects.get()
        orders = list(Order.objects.all())

    south, west, north, east = CITY_BOX
    assert len(orders) == 60
    for order in orders:
        assert order.delivery_date == TODAY
        assert order.status == "unassigned"
        assert (order.location_status, order.source) == ("provided", "demo")
        assert south <= order.lat <= north, order.address
        assert west <= order.lng <= east, order.address
        assert metres_between((depot.lat, depot.lng), (order.lat, order.lng)) < 8_000
        assert order.address.endswith(", Utrecht")
    assert len({order.external_id for order in orders}) == 60
    assert len({order.address for order in orders}) > 50
    # spread over the city, not piled on a few points
    assert max(o.lat for o in orders) - min(o.lat for o in orders) > 0.02
    assert max(o.lng for o in orders) - min(o.lng for o in orders) > 0.03


def test_the_orders_are_a_realistic_mix(tenant_a, seeded):
    with tenant_a.use():
        orders = list(Order.objects.all())

    starts = Counter(
        "none"
        if not order.time_windows
        else "morning"
        if order.time_windows[0]["start"] < "2026-11-27T12:00"
        else "afternoon"
        for order in orders
    )
    assert set(starts) == {"none", "morning", "afternoon"}
    assert 0 < sum("fridge" in order.skills for order in orders) < 30
    assert len({order.priority for order in orders}) >= 3
    assert all(order.items > 0 and order.weight_kg > 0 for order in orders)
    assert all(order.recipient_phone.startswith("+316") for order in orders)
    assert all(order.recipient_email.endswith("example.com") for order in orders)
    # the vans can carry the day
    assert sum(order.items for order in orders) <= 150 + 100 + 160
    assert sum(order.weight_kg for order in orders) <= 1000 + 750 + 1100


def test_time_windows_are_on_the_day_in_the_business_zone(tenant_a, seeded):
    with tenant_a.use():
        windows = [window for order in Order.objects.all() for window in order.time_windows]

    assert windows
    for window in windows:
        assert window["start"].startswith("2026-11-27T")
        assert window["start"].endswith("+01:00") and window["end"].endswith("+01:00")


def test_every_order_passes_the_api_validation_as_it_stands(tenant_a, seeded):
    with tenant_a.use():
        orders = list(Order.objects.all())

        for order in orders:
            parsed = order_input_parse(order_as_input(order), tz=AMSTERDAM, phone_region=None)
            assert (parsed.recipient_phone, parsed.time_windows, parsed.skills) == (
                order.recipient_phone,
                order.time_windows,
                order.skills,
            )
            assert (parsed.items, parsed.weight_kg, parsed.priority) == (
                order.items,
                order.weight_kg,
                order.priority,
            )


def test_every_order_has_its_created_event_by_the_demo(tenant_a, seeded):
    with tenant_a.use():
        events = list(OrderEvent.objects.values_list("kind", "actor_kind", "actor_label"))

    assert events == [("created", "system", "demo")] * 60


def test_seeding_twice_adds_nothing(tenant_a, seeded):
    with tenant_a.use():
        before = [
            list(model.objects.order_by("pk").values_list("pk", flat=True))
            for model in (Depot, Vehicle, Driver, Order, OrderEvent)
        ]

        again = demo_deliveries_seed(today=date(2026, 11, 28))

        after = [
            list(model.objects.order_by("pk").values_list("pk", flat=True))
            for model in (Depot, Vehicle, Driver, Order, OrderEvent)
        ]
    assert again is None
    assert after == before


def test_the_same_day_gives_the_same_orders(tenant_a, tenant_b, seeded):
    with tenant_b.use():
        demo_team()
        demo_deliveries_seed(today=TODAY)
    fields = ("external_id", "address", "lat", "lng", "time_windows", "items", "recipient_name")

    with tenant_a.use():
        in_a = list(Order.objects.order_by("external_id").values_list(*fields))
    with tenant_b.use():
        in_b = list(Order.objects.order_by("external_id").values_list(*fields))

    assert in_a == in_b


def test_without_the_demo_logins_the_fleet_comes_without_drivers(tenant_a):
    with tenant_a.use():
        summary = demo_deliveries_seed(today=TODAY)
        drivers = Driver.objects.count()

    assert (summary.depots, summary.vehicles, summary.drivers, summary.orders) == (1, 3, 0, 60)
    assert drivers == 0


def test_the_command_seeds_the_business_once_and_says_so(tenant_a):
    with tenant_a.use():
        demo_team()
    first, second = io.StringIO(), io.StringIO()
    today = timezone.localdate(timezone=AMSTERDAM)

    call_command("seed_demo_orders", "--slug", "alpha", stdout=first)
    call_command("seed_demo_orders", "--slug", "alpha", stdout=second)

    assert first.getvalue() == (
        f"Demo deliveries for alpha: 1 depot, 3 vans, 3 drivers, 60 orders for {today}.\n"
    )
    assert second.getvalue() == "Demo deliveries for alpha: already there (it has a depot).\n"
    with tenant_a.use():
        assert set(Order.objects.values_list("delivery_date", flat=True)) == {today}
        assert Order.objects.count() == 60


def test_the_command_refuses_an_unknown_business(tenant_a):
    with pytest.raises(CommandError) as raised:
        call_command("seed_demo_orders", "--slug", "nope")

    assert str(raised.value) == "No business with slug 'nope'; run seed_demo first."
