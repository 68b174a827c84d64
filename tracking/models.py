"""Driver positions (append-only) and the once-only "approaching" marker of an order."""

from django.contrib.postgres.indexes import BrinIndex
from django.db import models

from delivery.models import Driver, Order


class Position(models.Model):
    """One accepted GPS fix of a driver. Rows are only ever inserted (and purged when old)."""

    id = models.BigAutoField(primary_key=True)
    driver = models.ForeignKey(
        Driver, on_delete=models.CASCADE, related_name="positions", db_index=False
    )
    # The route the driver was on (started) when the fix was taken; a plain id, so that
    # re-planning (which deletes planned routes) never touches this history.
    route_id = models.UUIDField(null=True, blank=True)
    lat = models.FloatField()
    lng = models.FloatField()
    accuracy = models.FloatField()  # metres
    heading = models.FloatField(null=True, blank=True)  # degrees from north
    speed = models.FloatField(null=True, blank=True)  # metres per second
    recorded_at = models.DateTimeField()  # on the phone
    received_at = models.DateTimeField()  # by us

    class Meta:
        ordering = ["driver", "recorded_at"]
        constraints = [
            # Also the (driver, recorded_at) index every read uses; a repeated fix is refused.
            models.UniqueConstraint(
                fields=["driver", "recorded_at"], name="position_driver_time_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(lat__gte=-90, lat__lte=90, lng__gte=-180, lng__lte=180),
                name="position_coordinates_valid",
            ),
        ]
        # Retention deletes by age; a BRIN index is tiny and costs inserts almost nothing.
        indexes = [BrinIndex(fields=["recorded_at"], name="position_recorded_brin")]

    def __str__(self) -> str:
        return f"{self.driver_id} {self.recorded_at.isoformat()}"


class OrderApproach(models.Model):
    """The driver came within the approach distance or time of this order: recorded once, so
    the recipient is told once (`order.approaching`)."""

    order = models.OneToOneField(
        Order, on_delete=models.CASCADE, primary_key=True, related_name="approach"
    )
    driver = models.ForeignKey(
        Driver, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    distance_m = models.PositiveIntegerField()
    eta = models.DateTimeField(null=True, blank=True)
    noticed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.order_id} approached {self.noticed_at.isoformat()}"
