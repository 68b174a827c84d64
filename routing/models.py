"""Optimisation jobs, routes and their stops."""

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from delivery.models import Driver, Order, Vehicle


class OptimizationJob(models.Model):
    """One press of "Plan": what was asked, how it went, what came out."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    delivery_date = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)  # percent
    # What was asked: order ids / driver ids (empty = all of the day), time budget, …
    params = models.JSONField(default=dict, blank=True)
    # What came out: routes, distance, duration, solver path, timings.
    summary = models.JSONField(default=dict, blank=True)
    # [{"order": id, "external_id": …, "reason": "…"}]
    unassigned = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)
    requested_by = models.CharField(max_length=254)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # When its task last reached the broker (a queued job never sent is sent again by the sweep).
    sent_at = models.DateTimeField(null=True, blank=True)
    # Runs started (a job whose worker stopped is run once more), by which process ("host:pid").
    attempts = models.PositiveSmallIntegerField(default=0)
    worker = models.CharField(max_length=200, blank=True)
    # A running job's last sign of life, and when the next one is due at the latest (its own
    # budget while the solver runs): past the deadline the worker is taken as stopped.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    deadline_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["delivery_date", "status"], name="optimization_date_idx")]

    def __str__(self) -> str:
        return f"{self.delivery_date} {self.status}"


class Route(models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        DISPATCHED = "dispatched", _("Dispatched")
        STARTED = "started", _("Started")
        COMPLETED = "completed", _("Completed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    delivery_date = models.DateField()
    driver = models.ForeignKey(Driver, on_delete=models.PROTECT, related_name="routes")
    vehicle = models.ForeignKey(
        Vehicle, null=True, blank=True, on_delete=models.SET_NULL, related_name="routes"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PLANNED)
    optimization = models.ForeignKey(
        OptimizationJob, null=True, blank=True, on_delete=models.SET_NULL, related_name="routes"
    )
    start_lat = models.FloatField()
    start_lng = models.FloatField()
    end_lat = models.FloatField(null=True, blank=True)  # null: the route ends at its last stop
    end_lng = models.FloatField(null=True, blank=True)
    planned_start = models.DateTimeField()
    planned_end = models.DateTimeField()
    distance_m = models.PositiveIntegerField(default=0)
    duration_s = models.PositiveIntegerField(default=0)  # start to end, waiting and service incl.
    travel_s = models.PositiveIntegerField(default=0)
    # Problems an edit introduced: [{"stop": id, "kind": "late"|"over_capacity", "message": …}]
    violations = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["delivery_date", "created_at"]
        indexes = [models.Index(fields=["delivery_date", "status"], name="route_date_status_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["delivery_date", "driver"], name="route_one_per_driver_per_day"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.delivery_date} {self.driver}"


class Stop(models.Model):
    class Kind(models.TextChoices):
        DELIVERY = "delivery", _("Delivery")
        PICKUP = "pickup", "Pickup"  # of a pickup-and-delivery order, before its delivery

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    route = models.ForeignKey(Route, on_delete=models.CASCADE, related_name="stops")
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="stops")
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.DELIVERY)
    sequence = models.PositiveIntegerField()
    planned_arrival = models.DateTimeField()
    planned_departure = models.DateTimeField()
    waiting_s = models.PositiveIntegerField(default=0)
    eta = models.DateTimeField(null=True, blank=True)  # live, from positions (tracking)
    # What the vehicle carries after this stop: {"weight_kg": …, "volume_l": …, "items": …}
    load_after = models.JSONField(default=dict, blank=True)
    locked = models.BooleanField(default=False)  # done or under way: re-planning keeps it
    # A pickup is done when the driver confirms it (a delivery stop is done with its order).
    picked_up_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["route", "sequence"]
        constraints = [
            models.UniqueConstraint(
                fields=["route", "sequence"],
                name="stop_sequence_unique",
                deferrable=models.Deferrable.DEFERRED,
            ),
            models.UniqueConstraint(fields=["order", "kind"], name="stop_order_kind_once"),
        ]

    def __str__(self) -> str:
        return f"{self.route_id} #{self.sequence}"
