"""Reads about tenants and their hosts."""

from datetime import timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection

from tenants.models import Domain, Tenant


def tenant_host(*, slug: str) -> str:
    return f"{slug}.{settings.BASE_DOMAIN}"


def tenant_primary_host(*, tenant: Tenant) -> str:
    domain = Domain.objects.filter(tenant=tenant, is_primary=True).first()
    return domain.domain if domain else tenant_host(slug=tenant.slug)


def tenant_url(*, tenant: Tenant, path: str = "/") -> str:
    port = f":{settings.SITE_PORT}" if settings.SITE_PORT else ""
    return f"{settings.SITE_SCHEME}://{tenant_primary_host(tenant=tenant)}{port}{path}"


def business_tenants():
    """Every business tenant (not the public site nor the schema template)."""
    return Tenant.objects.filter(kind=Tenant.Kind.BUSINESS, is_active=True).order_by("schema_name")


def tenant_for_host(*, hostname: str) -> Tenant | None:
    """The tenant serving `hostname` (without port): the public site on BASE_DOMAIN, a business
    on its domains; None for anything else (an unknown, template or deactivated business)."""
    hostname = hostname.lower().rstrip(".")
    if hostname.startswith("www."):
        hostname = hostname[4:]
    if hostname == settings.BASE_DOMAIN:
        return Tenant.objects.filter(schema_name=settings.PUBLIC_SCHEMA_NAME).first()
    domain = (
        Domain.objects.select_related("tenant")
        .filter(domain=hostname, tenant__kind=Tenant.Kind.BUSINESS, tenant__is_active=True)
        .first()
    )
    return domain.tenant if domain else None


def business_for_address(*, address: str) -> Tenant | None:
    """The active business a user means by `address`: its address name (`bakery`), one of its
    hosts (`bakery.example.com`) or a link on it (`https://bakery.example.com/login/`); None for
    anything else, the public site included."""
    text = address.strip().lower()
    if "://" in text:
        text = text.split("://", 1)[1]
    host = text.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0].rsplit("@", 1)[-1]
    host = host.split(":", 1)[0].rstrip(".")
    if not host or len(host) > 253:
        return None
    if "." not in host:
        host = tenant_host(slug=host)
    tenant = tenant_for_host(hostname=host)
    if tenant is None or tenant.kind != Tenant.Kind.BUSINESS:
        return None
    return tenant


def current_tenant() -> Tenant:
    """The business the database connection is switched to (a request, a task or a test)."""
    tenant = getattr(connection, "tenant", None)
    if isinstance(tenant, Tenant):
        return tenant
    return Tenant.objects.get(schema_name=connection.schema_name)


def tenant_time_zone() -> ZoneInfo:
    """The business's time zone: delivery dates, shifts and every time shown are in it."""
    return ZoneInfo(current_tenant().time_zone)


def tenant_loading_lead() -> timedelta:
    """How long after "now" the first van can leave when a day that has begun is planned."""
    return timedelta(minutes=current_tenant().loading_lead_minutes)


def tenant_phone_region() -> str | None:
    """The business's country, for phone numbers written without their country code."""
    return current_tenant().country or None
