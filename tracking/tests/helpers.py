"""Shared bits of the tracking tests: a driver profile for a world's driver user, positions."""

from datetime import datetime, timedelta

from django.utils import timezone

from delivery.models import Driver
from delivery.services import driver_save
from tenants.accounts.models import Role


def driver_of(world) -> Driver:
    """The Driver record of `world`'s driver user (made once)."""
    with world.use():
        user = world.users[Role.DRIVER]
        existing = Driver.objects.filter(user=user).first()
        return existing or driver_save(driver=None, fields={}, user=user)


def point(recorded_at: datetime | None = None, *, seconds_ago: float = 5, **fields) -> dict:
    moment = recorded_at or timezone.now() - timedelta(seconds=seconds_ago)
    values = {
        "lat": 52.3702,
        "lng": 4.8952,
        "accuracy": 8.0,
        "heading": 90.0,
        "speed": 6.5,
        "recorded_at": moment.isoformat(),
    }
    return {**values, **fields}
