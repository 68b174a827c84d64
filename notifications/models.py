"""The outbox (events), webhook endpoints and their deliveries, recipient messages, templates,
opt-outs and the business's notification settings. Data and invariants only."""

import uuid

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _

# The events of SPEC.md, exactly.
EVENT_NAMES = (
    "order.created",
    "order.assigned",
    "order.out_for_delivery",
    "order.approaching",
    "order.delivered",
    "order.failed",
    "order.cancelled",
    "route.dispatched",
    "route.started",
    "route.completed",
    "optimization.succeeded",
    "optimization.failed",
)
# Events that tell the recipient something (SMS and e-mail).
RECIPIENT_EVENTS = (
    "order.out_for_delivery",
    "order.approaching",
    "order.delivered",
    "order.failed",
)


class Channel(models.TextChoices):
    SMS = "sms", _("SMS")
    EMAIL = "email", _("E-mail")


class Event(models.Model):
    """One thing that happened, written in the transaction of the change (the outbox).
    `dispatched_at` is set once its webhook deliveries and messages exist."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=40)
    data = models.JSONField()
    created_at = models.DateTimeField()
    dispatched_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(
                fields=["created_at"],
                name="event_undispatched",
                condition=models.Q(dispatched_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.pk}"


class WebhookEndpoint(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    url = models.URLField(max_length=2000)
    description = models.CharField(max_length=200, blank=True)
    # Event names this endpoint receives; empty means every event.
    events = ArrayField(models.CharField(max_length=40), default=list, blank=True)
    secret = models.CharField(max_length=100)
    enabled = models.BooleanField(default=True)
    disabled_reason = models.CharField(max_length=300, blank=True)
    # Failing since the first failed attempt after the last success (auto-disable reads it).
    failing_since = models.DateTimeField(null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.url

    def wants(self, event_name: str) -> bool:
        return not self.events or event_name in self.events


class WebhookDelivery(models.Model):
    """One event to one endpoint: at most one per pair, however often a task runs."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", "Failed"  # gave up after the last retry, or endpoint disabled

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="deliveries")
    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # A sender holds the delivery until then; another sender leaves it alone meanwhile.
    claimed_until = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    last_duration_ms = models.PositiveIntegerField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["event", "endpoint"], name="one_delivery_per_endpoint")
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="delivery_due")]

    def __str__(self) -> str:
        return f"{self.event_id} → {self.endpoint_id} ({self.status})"


class WebhookAttempt(models.Model):
    """The delivery log: every HTTP call made for a delivery."""

    id = models.BigAutoField(primary_key=True)
    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="log")
    attempted_at = models.DateTimeField()
    status_code = models.PositiveIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField()
    error = models.CharField(max_length=500, blank=True)
    response_body = models.CharField(max_length=1000, blank=True)

    class Meta:
        ordering = ["-attempted_at", "-id"]

    def __str__(self) -> str:
        return f"{self.delivery_id} {self.status_code or self.error}"


class NotificationTemplate(models.Model):
    """A business's own wording for one event and channel (defaults live in code)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    event = models.CharField(max_length=40)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField()
    enabled = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["event", "channel"]
        constraints = [
            models.UniqueConstraint(fields=["event", "channel"], name="one_template_per_channel")
        ]

    def __str__(self) -> str:
        return f"{self.event}/{self.channel}"


class NotificationSettings(models.Model):
    """One row per business: quiet hours (local time) and what to tell about rescheduling."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    quiet_hours_start = models.TimeField(null=True, blank=True)
    quiet_hours_end = models.TimeField(null=True, blank=True)
    reschedule_instructions = models.CharField(max_length=300, blank=True)
    contact_phone = models.CharField(max_length=30, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="settings_singleton")]

    def __str__(self) -> str:
        return "notification settings"


class OptOut(models.Model):
    """A recipient who asked for no more messages on a channel (phone in E.164, e-mail lower)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    address = models.CharField(max_length=254)
    source = models.CharField(max_length=20, default="api")  # api, dashboard, unsubscribe_link
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["channel", "address"], name="one_opt_out_per_address")
        ]

    def __str__(self) -> str:
        return f"{self.channel}:{self.address}"


class Message(models.Model):
    """An SMS or e-mail to a recipient, from the rendering to the provider's answer."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        HELD = "held", _("Held (quiet hours)")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        SKIPPED = "skipped", _("Skipped")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    event = models.ForeignKey(
        Event, on_delete=models.SET_NULL, null=True, blank=True, related_name="messages"
    )
    event_name = models.CharField(max_length=40)
    order_id = models.UUIDField(null=True, blank=True)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    to = models.CharField(max_length=254)
    subject = models.CharField(max_length=300, blank=True)
    body = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    send_after = models.DateTimeField()
    claimed_until = models.DateTimeField(null=True, blank=True)
    provider_id = models.CharField(max_length=200, blank=True)
    error = models.CharField(max_length=500, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["event", "channel"], name="one_message_per_channel")
        ]
        indexes = [models.Index(fields=["status", "send_after"], name="message_due")]

    def __str__(self) -> str:
        return f"{self.channel} to {self.to} ({self.status})"
