"""Businesses (one PostgreSQL schema each) and the host names that reach them."""

import zoneinfo

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django_tenants.models import DomainMixin, TenantMixin

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
    created_at = models.DateTimeField(auto_now_add=True)

    auto_create_schema = True
    auto_drop_schema = True

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def create_schema(self, check_if_exists=False, sync_schema=True, verbosity=1):
        created = super().create_schema(
            check_if_exists=check_if_exists, sync_schema=sync_schema, verbosity=verbosity
        )
        template = self.get_base_schema()
        if sync_schema and template and template != self.schema_name:
            from tenants.schemas import schema_constraints_align

            schema_constraints_align(template=template, schema=self.schema_name)
        return created


class Domain(DomainMixin):
    """A host name (`<slug>.<BASE_DOMAIN>`, later custom domains) that serves a tenant."""

    def __str__(self) -> str:
        return self.domain
