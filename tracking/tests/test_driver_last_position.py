"""Storing positions keeps each driver's last known position on their row (`Driver.last_*`),
where mid-day re-planning (routing, below tracking) reads it."""

from datetime import timedelta

from django.utils import timezone

from delivery.models import Driver
from tenants.accounts.models import Role
from tests.api import send
from tracking.services import PositionEntry, positions_store
from tracking.tests.helpers import driver_of, point
from tracking.validation import PositionInput

POSITIONS = "/api/v1/positions"


def test_a_batch_leaves_the_newest_fix_on_the_driver(tenant_a):
    # given a driver sending a batch of two fixes
    driver = driver_of(tenant_a)
    now = timezone.now()
    older, newer = now - timedelta(minutes=2), now - timedelta(minutes=1)
    batch = [point(older, lat=52.1), point(newer, lat=52.2, lng=4.9)]

    # when
    response = send(tenant_a.browser(Role.DRIVER), "post", POSITIONS, {"positions": batch})

    # then the driver's last known position is the newer fix
    assert response.status_code == 200, response.content
    with tenant_a.use():
        driver = Driver.objects.get(pk=driver.pk)
        assert (driver.last_lat, driver.last_lng, driver.last_position_at) == (52.2, 4.9, newer)


def test_a_late_older_fix_never_replaces_a_newer_one(tenant_a):
    # given a driver whose last known position is from a minute ago
    driver = driver_of(tenant_a)
    now = timezone.now()
    with tenant_a.use():
        Driver.objects.filter(pk=driver.pk).update(
            last_lat=52.3, last_lng=4.8, last_position_at=now - timedelta(minutes=1)
        )

        # when a fix taken earlier arrives late (from the phone's offline buffer)
        positions_store(
            entries=[
                PositionEntry(
                    driver_id=driver.pk,
                    position=PositionInput(
                        lat=51.0,
                        lng=4.0,
                        accuracy=5.0,
                        heading=None,
                        speed=None,
                        recorded_at=now - timedelta(minutes=5),
                    ),
                )
            ]
        )

        # then the newer position stays, and nothing else of the driver changed
        driver = Driver.objects.get(pk=driver.pk)
        assert (driver.last_lat, driver.last_lng, driver.last_position_at) == (
            52.3,
            4.8,
            now - timedelta(minutes=1),
        )


def test_positions_stay_in_their_business(tenant_a, tenant_b):
    # given drivers in both businesses
    driver_a, driver_b = driver_of(tenant_a), driver_of(tenant_b)
    with tenant_b.use():
        before = Driver.objects.values_list("last_position_at", flat=True).get(pk=driver_b.pk)

    # when business A's driver sends a fix
    response = send(tenant_a.browser(Role.DRIVER), "post", POSITIONS, {"positions": [point()]})

    # then only that driver's last position changed
    assert response.status_code == 200, response.content
    with tenant_a.use():
        assert Driver.objects.get(pk=driver_a.pk).last_position_at is not None
    with tenant_b.use():
        assert Driver.objects.get(pk=driver_b.pk).last_position_at == before
