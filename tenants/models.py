"""Businesses (one PostgreSQL schema each) and the host names that reach them."""

import zoneinfo

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import connection, models, transaction
from django_tenants.models import DomainMixin, TenantMixin
from django_tenants.postgresql_backend.base import _check_schema_name
from django_tenants.utils import schema_exists

from tenants.locale import LANGUAGES, Clock
from tenants.schemas import SchemaCloneUnsupported, schema_clone, schema_constraints_align

TIME_ZONE_CHOICES = sorted((name, name) for name in zoneinfo.available_timezones())


class Tenant(TenantMixin):
    """A business using the platform. `schema_name` is derived from `slug`."""

    class Kind(models.TextChoices):
        PUBLIC = "public", "Public site"
        TEMPLATE = "template", "Schema template"
        BUSINESS = "business", "Business"

    slug = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.BUSINESS)
    time_zone = models.CharField(max_length=64, choices=TIME_ZONE_CHOICES, default="UTC")
    # ISO 3166 alpha-2; phone numbers written without a country code are read as this country's.
    country = models.CharField(max_length=2, blank=True)
    # What recipients read (tracking page, default messages) unless theirs is known, and the
    # language of the business's own pages.
    language = models.CharField(max_length=8, choices=LANGUAGES, default="en")
    # 24- or 12-hour times; "auto" follows the country (tenants.locale).
    clock = models.CharField(max_length=4, choices=Clock.CHOICES, default=Clock.AUTOMATIC)
    # What a recipient may do from the tracking link (web.views.tracking): choose another of the
    # next N delivery days after a failed attempt (0: not offered), leave delivery instructions
    # before delivery, see the business's phone number.
    recipient_reschedule_days = models.PositiveSmallIntegerField(
        default=5, validators=[MaxValueValidator(14)]
    )
    recipient_instructions_allowed = models.BooleanField(default=True)
    recipient_contact_shown = models.BooleanField(default=True)
    api_rate_limit = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(10_000)],
        help_text="API requests per second per key; empty uses the platform default.",
    )
    # Shown next to the name in the dashboard's header (an https URL; nothing uploaded).
    logo_url = models.URLField(
        max_length=500,
        blank=True,
        help_text="A small square image shown next to the business's name in the header.",
    )
    # Planning a day that has begun starts no earlier than now plus this: the vans are loaded.
    loading_lead_minutes = models.PositiveSmallIntegerField(
        default=30,
        validators=[MaxValueValidator(600)],
        help_text="Minutes between pressing Plan on the day and the first route leaving.",
    )
    is_active = models.BooleanField(default=True)
    # Set when the owner closes the business: its hosts stop answering at once and its schema
    # is dropped TENANT_CLOSE_GRACE_DAYS later (tenants.services.tenants_closed_drop).
    closed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    auto_create_schema = True
    auto_drop_schema = True

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def create_schema(self, check_if_exists=False, sync_schema=True, verbosity=1):
        """A copy of the template in constant time (tenants.schemas.schema_clone), instead of
        django-tenants' clone whose catalog scans grow with every schema in the database."""
        template = self.get_base_schema()
        if not sync_schema or not template or template == self.schema_name:
            return super().create_schema(
                check_if_exists=check_if_exists, sync_schema=sync_schema, verbosity=verbosity
            )
        if check_if_exists and schema_exists(self.schema_name):
            return False
        if not schema_exists(template):
            return super().create_schema(sync_schema=sync_schema, verbosity=verbosity)
        _check_schema_name(self.schema_name)
        try:
            with transaction.atomic():
                schema_clone(template=template, schema=self.schema_name)
        except SchemaCloneUnsupported:
            super().create_schema(sync_schema=sync_schema, verbosity=verbosity)
            schema_constraints_align(template=template, schema=self.schema_name)
        connection.set_schema_to_public()
        return True


class Domain(DomainMixin):
    """A host name (`<slug>.<BASE_DOMAIN>`, later custom domains) that serves a tenant."""

    def __str__(self) -> str:
        return self.domain
