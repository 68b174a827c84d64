"""Users with roles, API keys and idempotency records: all live in the tenant's schema."""

import uuid

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    ADMIN = "admin", _("Admin")
    DISPATCHER = "dispatcher", _("Dispatcher")
    DRIVER = "driver", _("Driver")


MANAGER_ROLES = frozenset({Role.OWNER, Role.ADMIN})
OPERATIONS_ROLES = frozenset({Role.OWNER, Role.ADMIN, Role.DISPATCHER})


class UserManager(BaseUserManager):
    def get_by_natural_key(self, username):
        return self.get(email=(username or "").strip().lower())


class User(AbstractBaseUser):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    email = models.EmailField(max_length=254, unique=True)  # stored lower-case
    full_name = models.CharField(max_length=150, blank=True)
    role = models.CharField(max_length=12, choices=Role.choices)
    is_active = models.BooleanField(default=True)
    invited_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    deactivated_at = models.DateTimeField(null=True, blank=True)
    # The invitation e-mail: when it was last asked for, and when the mail server took it.
    invitation_requested_at = models.DateTimeField(null=True, blank=True)
    invitation_sent_at = models.DateTimeField(null=True, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["role"]

    class Meta:
        ordering = ["email"]

    def __str__(self) -> str:
        return self.email

    @property
    def is_manager(self) -> bool:
        return self.role in MANAGER_ROLES

    @property
    def is_operations(self) -> bool:
        return self.role in OPERATIONS_ROLES


class ApiKey(models.Model):
    """A secret an integrator sends as `Authorization: Bearer <key>`. Only its hash is stored."""

    class KeyRole(models.TextChoices):
        ADMIN = Role.ADMIN.value, Role.ADMIN.label
        DISPATCHER = Role.DISPATCHER.value, Role.DISPATCHER.label

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, unique=True)
    key_hash = models.CharField(max_length=64, unique=True)
    role = models.CharField(max_length=12, choices=KeyRole.choices, default=KeyRole.ADMIN)
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="api_keys"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class IdempotencyRecord(models.Model):
    """The first response to a POST carrying an `Idempotency-Key`, replayed to retries for 24 h."""

    principal = models.CharField(max_length=64)
    key = models.CharField(max_length=255)
    request_fingerprint = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.BinaryField(null=True, blank=True)
    response_content_type = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField()
    locked_until = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["principal", "key"], name="idempotency_unique_key"),
        ]
        indexes = [models.Index(fields=["created_at"], name="idempotency_created_idx")]

    def __str__(self) -> str:
        return f"{self.principal} {self.key}"

    @property
    def is_complete(self) -> bool:
        return self.response_status is not None
