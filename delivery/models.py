"""Depots, vehicles, drivers, orders and their audit trail and proofs of delivery."""

import secrets
import uuid

from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from delivery.customers.models import (  # noqa: F401 - models of this app, kept by topic
    Customer,
    CustomerPlace,
    Holiday,
    Occurrence,
    StandingOrder,
)
from tenants.accounts.models import ApiKey, User


class VehicleProfile(models.TextChoices):
    CAR = "car", _("Car")
    VAN = "van", _("Van")
    TRUCK = "truck", _("Truck")
    BIKE = "bike", _("Bike")
    CARGO_BIKE = "cargo_bike", _("Cargo bike")
    WALK = "walk", _("On foot")


class Fuel(models.TextChoices):
    PETROL = "petrol", _("Petrol")
    DIESEL = "diesel", _("Diesel")
    ELECTRIC = "electric", _("Electric")
    NONE = "none", _("None (human-powered)")


class OrderStatus(models.TextChoices):
    UNASSIGNED = "unassigned", _("Unassigned")
    ASSIGNED = "assigned", _("Assigned")
    OUT_FOR_DELIVERY = "out_for_delivery", _("Out for delivery")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


class LocationStatus(models.TextChoices):
    PROVIDED = "provided", _("Coordinates given")
    GEOCODED = "geocoded", _("Found from the address")
    PENDING = "pending", _("Looking up the address")
    NEEDS_LOCATION = "needs_location", _("Needs a location")


class FailureReason(models.TextChoices):
    NOT_HOME = "not_home", _("Recipient not home")
    REFUSED = "refused", _("Refused")
    WRONG_ADDRESS = "wrong_address", _("Wrong address")
    DAMAGED = "damaged", _("Damaged")
    NO_ACCESS = "no_access", _("No access")
    OTHER = "other", _("Other")


def skills_field():
    return ArrayField(models.CharField(max_length=50), default=list, blank=True)


class Depot(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=120)
    address = models.CharField(max_length=300)
    lat = models.FloatField()
    lng = models.FloatField()
    # {"mon": [{"start": "07:00", "end": "18:00"}], …}; a missing day is closed.
    opening_hours = models.JSONField(default=dict, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Vehicle(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=120)
    capacity_weight_kg = models.DecimalField(max_digits=10, decimal_places=3, null=True, blank=True)
    capacity_volume_l = models.DecimalField(max_digits=10, decimal_places=3, null=True, blank=True)
    capacity_items = models.PositiveIntegerField(null=True, blank=True)
    skills = skills_field()
    profile = models.CharField(
        max_length=12, choices=VehicleProfile.choices, default=VehicleProfile.VAN
    )
    fuel = models.CharField(max_length=10, choices=Fuel.choices, default=Fuel.DIESEL)
    depot = models.ForeignKey(
        Depot, null=True, blank=True, on_delete=models.SET_NULL, related_name="vehicles"
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Driver(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.OneToOneField(User, on_delete=models.PROTECT, related_name="driver")
    phone = models.CharField(max_length=20, blank=True)
    default_vehicle = models.ForeignKey(
        Vehicle, null=True, blank=True, on_delete=models.SET_NULL, related_name="drivers"
    )
    depot = models.ForeignKey(
        Depot, null=True, blank=True, on_delete=models.SET_NULL, related_name="drivers"
    )
    # {"mon": {"start": "08:00", "end": "16:30"}, …}; a missing day is a day off.
    shifts = models.JSONField(default=dict, blank=True)
    # [{"start": "12:00", "end": "14:00", "minutes": 30}]: a break of `minutes` that must
    # begin between start and end, every working day.
    breaks = models.JSONField(default=list, blank=True)
    max_stops = models.PositiveIntegerField(null=True, blank=True)  # per route
    max_drive_minutes = models.PositiveIntegerField(null=True, blank=True)  # travel per route
    skills = skills_field()
    start_address = models.CharField(max_length=300, blank=True)
    start_lat = models.FloatField(null=True, blank=True)
    start_lng = models.FloatField(null=True, blank=True)
    end_address = models.CharField(max_length=300, blank=True)
    end_lat = models.FloatField(null=True, blank=True)
    end_lng = models.FloatField(null=True, blank=True)
    # Open routes: the route ends at its last stop (no drive back to the depot or end place).
    open_route = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    # The driver's last known GPS position (newest accepted fix), written by tracking when it
    # stores positions; kept here, below routing, so that mid-day re-planning can start a van
    # under way from where it is (`routing.selectors`).
    last_lat = models.FloatField(null=True, blank=True)
    last_lng = models.FloatField(null=True, blank=True)
    last_position_at = models.DateTimeField(null=True, blank=True)  # recorded on the phone
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.user.full_name or self.user.email

    def last_position(self, *, now, max_age) -> tuple[float, float] | None:
        """(lat, lng) of the last known position when it is at most `max_age` old at `now`."""
        if self.last_position_at is None or self.last_lat is None or self.last_lng is None:
            return None
        if now - self.last_position_at > max_age:
            return None
        return (self.last_lat, self.last_lng)


def tracking_token_new() -> str:
    """The recipient's tracking-page token: 256 random bits, URL-safe (43 characters)."""
    return secrets.token_urlsafe(32)


class Order(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # NULL, not "", for "none": the unique constraint below applies only to given ids.
    external_id = models.CharField(max_length=100, null=True, blank=True)  # noqa: DJ001
    recipient_name = models.CharField(max_length=200)
    recipient_phone = models.CharField(max_length=20, blank=True)
    recipient_email = models.EmailField(max_length=254, blank=True)
    address = models.CharField(max_length=300)
    lat = models.FloatField(null=True, blank=True)
    lng = models.FloatField(null=True, blank=True)
    location_status = models.CharField(max_length=16, choices=LocationStatus.choices)
    location_note = models.CharField(max_length=300, blank=True)
    delivery_date = models.DateField()
    # [{"start": "2026-11-26T09:00:00+01:00", "end": "…"}], sorted, non-overlapping.
    time_windows = models.JSONField(default=list, blank=True)
    service_seconds = models.PositiveIntegerField(default=300)
    weight_kg = models.DecimalField(max_digits=10, decimal_places=3, default=0)
    volume_l = models.DecimalField(max_digits=10, decimal_places=3, default=0)
    items = models.PositiveIntegerField(default=0)
    skills = skills_field()
    priority = models.PositiveSmallIntegerField(
        default=0, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    notes = models.TextField(blank=True)
    # What the recipient asked from the tracking link (gate code, leave with the neighbour): shown
    # on the driver's stop card and to the dispatcher, apart from the business's own notes.
    delivery_instructions = models.CharField(max_length=300, blank=True)
    # The recipient's language (BCP 47) when known: from the customer record or the order.
    recipient_language = models.CharField(max_length=10, blank=True)
    # Pickup-and-delivery: when set, the driver collects the goods here first (same route).
    pickup_address = models.CharField(max_length=300, blank=True)
    pickup_lat = models.FloatField(null=True, blank=True)
    pickup_lng = models.FloatField(null=True, blank=True)
    pickup_time_windows = models.JSONField(default=list, blank=True)
    pickup_service_seconds = models.PositiveIntegerField(default=0)
    status = models.CharField(
        max_length=16, choices=OrderStatus.choices, default=OrderStatus.UNASSIGNED
    )
    driver = models.ForeignKey(
        Driver, null=True, blank=True, on_delete=models.SET_NULL, related_name="orders"
    )
    # Set by the planner (routing) through delivery's services; no import of routing here.
    route_id = models.UUIDField(null=True, blank=True)
    sequence = models.PositiveIntegerField(null=True, blank=True)
    eta = models.DateTimeField(null=True, blank=True)
    source = models.CharField(max_length=20, default="api")
    # The customer and place the order is for (delivery.customers); the recipient fields above
    # are a copy taken when the order was made, so history keeps what was delivered where.
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="orders"
    )
    customer_place = models.ForeignKey(
        CustomerPlace, null=True, blank=True, on_delete=models.SET_NULL, related_name="orders"
    )
    # The recipient's public tracking page /t/<token>/ (delivery.links); replaced to revoke it.
    tracking_token = models.CharField(
        max_length=43, unique=True, default=tracking_token_new, editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["external_id"],
                condition=Q(external_id__isnull=False),
                name="order_external_id_unique",
            ),
            models.CheckConstraint(condition=Q(priority__lte=100), name="order_priority_range"),
            models.CheckConstraint(
                condition=Q(pickup_lat__isnull=True, pickup_lng__isnull=True)
                | Q(
                    pickup_lat__gte=-90,
                    pickup_lat__lte=90,
                    pickup_lng__gte=-180,
                    pickup_lng__lte=180,
                ),
                name="order_pickup_location_range",
            ),
            models.CheckConstraint(
                condition=(Q(lat__isnull=True) & Q(lng__isnull=True))
                | (Q(lat__gte=-90, lat__lte=90) & Q(lng__gte=-180, lng__lte=180)),
                name="order_location_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["delivery_date", "status"], name="order_date_status_idx"),
            models.Index(fields=["updated_at"], name="order_updated_idx"),
            models.Index(fields=["driver", "delivery_date"], name="order_driver_date_idx"),
            models.Index(fields=["route_id"], name="order_route_idx"),
        ]

    def __str__(self) -> str:
        return self.external_id or str(self.id)

    @property
    def has_pickup(self) -> bool:
        return self.pickup_lat is not None

    @property
    def has_location(self) -> bool:
        return self.lat is not None and self.lng is not None


class OrderEvent(models.Model):
    """The audit trail: who changed what, when, where, and why."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Created")
        UPDATED = "updated", _("Updated")
        STATUS_CHANGED = "status_changed", _("Status changed")
        LOCATED = "located", _("Location found")
        PROOF_ADDED = "proof_added", _("Proof added")
        PICKED_UP = "picked_up", _("Picked up")
        INSTRUCTIONS = "instructions", _("Instructions left")

    id = models.BigAutoField(primary_key=True)
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16, blank=True)
    reason = models.CharField(max_length=30, blank=True)
    note = models.TextField(blank=True)
    actor_kind = models.CharField(max_length=12)  # user, api_key, system, integration
    actor_user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_api_key = models.ForeignKey(
        ApiKey, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=254)
    lat = models.FloatField(null=True, blank=True)
    lng = models.FloatField(null=True, blank=True)
    occurred_at = models.DateTimeField()

    class Meta:
        ordering = ["occurred_at", "id"]
        indexes = [models.Index(fields=["order", "occurred_at"], name="order_event_order_idx")]

    def __str__(self) -> str:
        return f"{self.order_id} {self.kind} {self.to_status}"


class DeliveryAttempt(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="attempts")
    driver = models.ForeignKey(
        Driver, null=True, blank=True, on_delete=models.SET_NULL, related_name="attempts"
    )
    outcome = models.CharField(
        max_length=16,
        choices=[
            (OrderStatus.DELIVERED, OrderStatus.DELIVERED.label),
            (OrderStatus.FAILED, OrderStatus.FAILED.label),
        ],
    )
    failure_reason = models.CharField(max_length=20, choices=FailureReason.choices, blank=True)
    recipient_name = models.CharField(max_length=200, blank=True)
    note = models.TextField(blank=True)
    lat = models.FloatField(null=True, blank=True)
    lng = models.FloatField(null=True, blank=True)
    attempted_at = models.DateTimeField()

    class Meta:
        ordering = ["attempted_at"]

    def __str__(self) -> str:
        return f"{self.order_id} {self.outcome}"


def proof_upload_to(instance: "ProofFile", filename: str) -> str:
    from django.db import connection

    extension = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}.get(
        instance.content_type, "bin"
    )
    # The tenant's schema is part of every stored path.
    return f"tenants/{connection.schema_name}/proofs/{instance.order_id}/{instance.id}.{extension}"


class ProofFile(models.Model):
    class Kind(models.TextChoices):
        PHOTO = "photo", _("Photo")
        SIGNATURE = "signature", _("Signature")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="proofs")
    attempt = models.ForeignKey(
        DeliveryAttempt, null=True, blank=True, on_delete=models.SET_NULL, related_name="proofs"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    file = models.FileField(upload_to=proof_upload_to, max_length=300)
    content_type = models.CharField(max_length=50)
    size_bytes = models.PositiveIntegerField()
    recipient_name = models.CharField(max_length=200, blank=True)
    note = models.TextField(blank=True)
    lat = models.FloatField(null=True, blank=True)
    lng = models.FloatField(null=True, blank=True)
    uploaded_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at"]

    def __str__(self) -> str:
        return f"{self.kind} for {self.order_id}"


class ShopifyConnection(models.Model):
    """A shop that sends this business its orders by webhook (the EasyRoutes use case)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    shop_domain = models.CharField(max_length=255, unique=True)
    webhook_secret = models.CharField(max_length=255)
    # The Admin API access token (a custom app's `shpat_…`, scope write_fulfillments or
    # write_merchant_managed_fulfillment_orders) for writing deliveries back; never shown back.
    access_token = models.CharField(max_length=255, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.shop_domain


class ShopifyWebhookReceipt(models.Model):
    """Every webhook id seen once: Shopify retries, we must not create the order twice."""

    webhook_id = models.CharField(max_length=100, unique=True)
    topic = models.CharField(max_length=60)
    outcome = models.CharField(max_length=20)  # created, ignored, rejected
    detail = models.TextField(blank=True)  # why it was ignored or rejected
    order = models.ForeignKey(
        Order, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    received_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.webhook_id


class ShopifyOrderSync(models.Model):
    """An order from Shopify and the write-back of its delivery to the shop: a fulfillment with
    the tracking link, then a `delivered` or `attempted_delivery` event (delivery.shopify_sync).

    `outcome_number` counts the delivery attempts to tell the shop, `synced_number` those told:
    the row is synced when they are equal."""

    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting for the delivery")
        PENDING = "pending", _("Writing back")
        SYNCED = "synced", _("Written back")
        FAILED = "failed", _("Failed")

    class Outcome(models.TextChoices):
        DELIVERED = "delivered", _("Delivered")
        ATTEMPTED_DELIVERY = "attempted_delivery", _("Attempted delivery")

    order = models.OneToOneField(
        Order, primary_key=True, on_delete=models.CASCADE, related_name="shopify_sync"
    )
    connection = models.ForeignKey(
        ShopifyConnection, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    shop_domain = models.CharField(max_length=255)
    shopify_order_id = models.CharField(max_length=100)  # gid://shopify/Order/…
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.WAITING)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)
    outcome_at = models.DateTimeField(null=True, blank=True)
    outcome_number = models.PositiveIntegerField(default=0)
    synced_number = models.PositiveIntegerField(default=0)
    fulfillment_id = models.CharField(max_length=100, blank=True)  # gid://shopify/Fulfillment/…
    attempts = models.PositiveIntegerField(default=0)  # calls for the current outcome
    last_error = models.CharField(max_length=500, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    synced_at = models.DateTimeField(null=True, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["status", "updated_at"], name="shopify_sync_status_idx")]

    def __str__(self) -> str:
        return f"{self.shopify_order_id} {self.status}"
