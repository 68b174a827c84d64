"""Customers, their places, standing orders, their occurrences and the business's holidays.

Part of the delivery app (imported by delivery.models): orders point at a customer and place."""

import uuid

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

WEEKDAY_CHOICES = [
    ("mon", _("Monday")),
    ("tue", _("Tuesday")),
    ("wed", _("Wednesday")),
    ("thu", _("Thursday")),
    ("fri", _("Friday")),
    ("sat", _("Saturday")),
    ("sun", _("Sunday")),
]


class Customer(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # NULL, not "", for "none": unique only among given ids.
    external_id = models.CharField(max_length=100, null=True, blank=True)  # noqa: DJ001
    name = models.CharField(max_length=200)
    phones = ArrayField(models.CharField(max_length=20), default=list, blank=True)  # E.164
    email = models.EmailField(max_length=254, blank=True)  # normalised (lower-case)
    language = models.CharField(max_length=10, blank=True)  # BCP 47, e.g. "nl", "en-GB"
    # The recipient's own choices; notifications are not sent on a channel turned off here.
    notify_sms = models.BooleanField(default=True)
    notify_email = models.BooleanField(default=True)
    tags = ArrayField(models.CharField(max_length=50), default=list, blank=True)
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["external_id"],
                condition=Q(external_id__isnull=False),
                name="customer_external_id_unique",
            ),
        ]
        indexes = [
            GinIndex(fields=["phones"], name="customer_phones_idx"),
            GinIndex(fields=["tags"], name="customer_tags_idx"),
            models.Index(fields=["email"], name="customer_email_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def phone(self) -> str:
        return self.phones[0] if self.phones else ""


class CustomerPlace(models.Model):
    """Where a customer takes deliveries (home, office, the shop's back door)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="places")
    label = models.CharField(max_length=60, blank=True)
    address = models.CharField(max_length=300)
    lat = models.FloatField(null=True, blank=True)
    lng = models.FloatField(null=True, blank=True)
    instructions = models.TextField(blank=True)  # for the driver: "leave at the back door"
    access_notes = models.TextField(blank=True)  # door codes, gates, dogs
    # [{"start": "09:00", "end": "12:00"}]: clock times, on any delivery date.
    time_windows = models.JSONField(default=list, blank=True)
    weekdays = ArrayField(models.CharField(max_length=3, choices=WEEKDAY_CHOICES), default=list)
    position = models.PositiveSmallIntegerField(default=0)  # 0 is the default place
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "created_at"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(lat__isnull=True) & Q(lng__isnull=True))
                | (Q(lat__gte=-90, lat__lte=90) & Q(lng__gte=-180, lng__lte=180)),
                name="customer_place_location_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.label or self.address


class StandingOrder(models.Model):
    """A customer's repeating delivery: every `interval_weeks` weeks on `weekdays`, from
    `start_date`, until `end_date` or `count` deliveries."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="standing_orders")
    place = models.ForeignKey(CustomerPlace, on_delete=models.PROTECT, related_name="+")
    weekdays = ArrayField(models.CharField(max_length=3, choices=WEEKDAY_CHOICES))
    interval_weeks = models.PositiveSmallIntegerField(default=1)
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    count = models.PositiveIntegerField(null=True, blank=True)
    weight_kg = models.DecimalField(max_digits=10, decimal_places=3, default=0)
    volume_l = models.DecimalField(max_digits=10, decimal_places=3, default=0)
    items = models.PositiveIntegerField(default=0)
    service_seconds = models.PositiveIntegerField(default=300)
    # Clock times; empty means the place's preferred windows.
    time_windows = models.JSONField(default=list, blank=True)
    notes = models.TextField(blank=True)
    is_paused = models.BooleanField(default=False)
    # "shopify": a subscription sold in a Shopify shop. The shop makes an order every cycle and
    # each becomes the occurrence of its date; the generator makes none itself.
    source = models.CharField(max_length=20, default="dashboard")
    # The subscription's key in its source (e.g. "shopify:<shop>:selling-plan:<id>"), per customer.
    external_id = models.CharField(max_length=200, null=True, blank=True)  # noqa: DJ001
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "external_id"],
                condition=Q(external_id__isnull=False),
                name="standing_order_external_id_unique",
            ),
            models.CheckConstraint(
                condition=Q(interval_weeks__gte=1, interval_weeks__lte=52),
                name="standing_order_interval_range",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="standing_order_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} every {self.interval_weeks} week(s)"


class Occurrence(models.Model):
    """One date of a standing order, claimed once: the unique constraint is what makes the
    generator safe to run twice or concurrently."""

    class Status(models.TextChoices):
        GENERATED = "generated", _("Order generated")
        SKIPPED = "skipped", _("Skipped")

    class SkipReason(models.TextChoices):
        HOLIDAY = "holiday", _("Holiday")
        RECIPIENT = "recipient", _("Not this week (recipient)")
        DISPATCHER = "dispatcher", _("Not this week (dashboard)")

    id = models.BigAutoField(primary_key=True)
    standing_order = models.ForeignKey(
        StandingOrder, on_delete=models.CASCADE, related_name="occurrences"
    )
    date = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices)
    skip_reason = models.CharField(max_length=12, choices=SkipReason.choices, blank=True)
    order = models.OneToOneField(
        "delivery.Order",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="occurrence",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(
                fields=["standing_order", "date"], name="occurrence_one_per_date"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.standing_order_id} {self.date} {self.status}"


class Holiday(models.Model):
    """A day the business does not deliver standing orders (their occurrences are skipped)."""

    date = models.DateField(unique=True)
    name = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"
