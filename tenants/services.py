"""Creating businesses: validation, schema (cloned from a template), host, owner, API key."""

import logging
import re
import time
import zoneinfo
from dataclasses import dataclass
from datetime import datetime, timedelta

import phonenumbers
from django.conf import settings
from django.db import IntegrityError, OperationalError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context, schema_exists

from tenants.accounts.models import ApiKey, Role, User
from tenants.accounts.services import (
    api_key_create,
    email_normalise,
    password_validate,
    user_create,
)
from tenants.errors import ApplicationError
from tenants.locale import LANGUAGE_CODES, Clock
from tenants.models import Domain, Tenant
from tenants.selectors import tenant_host
from tenants.validation import url_validate

logger = logging.getLogger(__name__)

SLUG_PATTERN = re.compile(r"^[a-z][a-z0-9-]{1,38}[a-z0-9]$")
SCHEMA_PREFIX = "t_"


@dataclass(frozen=True)
class ProvisionedTenant:
    tenant: Tenant
    domain: Domain
    owner: User
    api_key: str | None
    seconds: float


def tenant_schema_name(*, slug: str) -> str:
    return SCHEMA_PREFIX + slug.replace("-", "_")


def tenant_slug_validate(*, slug: str) -> str:
    """The slug, normalised, or an ApplicationError saying exactly what is wrong."""
    slug = (slug or "").strip().lower()

    def refuse(message: str) -> ApplicationError:
        return ApplicationError("validation_error", message, fields={"slug": [message]})

    if not SLUG_PATTERN.match(slug):
        raise refuse(
            _(
                "Use 3–40 characters: lowercase letters, digits and hyphens, starting with a "
                "letter and not ending with a hyphen."
            )
        )
    if "--" in slug:
        raise refuse(_("Use single hyphens only."))
    if slug in settings.RESERVED_TENANT_SLUGS:
        raise refuse(_("“%(slug)s” is reserved. Choose another address.") % {"slug": slug})
    if Tenant.objects.filter(slug=slug).exists():
        raise refuse(_("“%(slug)s” is already taken. Choose another address.") % {"slug": slug})
    return slug


def _name_validate(name: str) -> str:
    name = (name or "").strip()
    if not 2 <= len(name) <= 120:
        message = _("Give the business a name of 2–120 characters.")
        raise ApplicationError("validation_error", message, fields={"name": [message]})
    return name


def _country_validate(country: str) -> str:
    country = (country or "").strip().upper()
    if country and country not in phonenumbers.SUPPORTED_REGIONS:
        message = _("Unknown country %(country)s; use a two-letter code such as NL.") % {
            "country": repr(country)
        }
        raise ApplicationError("validation_error", message, fields={"country": [message]})
    return country


def _time_zone_validate(time_zone: str) -> str:
    if time_zone not in zoneinfo.available_timezones():
        message = _(
            "Unknown time zone %(time_zone)s; use an IANA name such as Europe/Amsterdam."
        ) % {"time_zone": repr(time_zone)}
        raise ApplicationError("validation_error", message, fields={"time_zone": [message]})
    return time_zone


def tenant_create(
    *,
    slug: str,
    name: str,
    owner_email: str,
    owner_password: str,
    owner_name: str = "",
    time_zone: str = "UTC",
    country: str = "",
    with_api_key: bool = False,
) -> ProvisionedTenant:
    """Create a business: everything is validated before the schema exists, and all of it
    (tenant row, schema, host, owner, key) commits together or not at all."""
    started = time.perf_counter()
    errors: dict[str, list[str]] = {}
    for check in (
        lambda: tenant_slug_validate(slug=slug),
        lambda: _name_validate(name),
        lambda: _time_zone_validate(time_zone),
        lambda: _country_validate(country),
        lambda: email_normalise(owner_email),
    ):
        try:
            check()
        except ApplicationError as error:
            errors.update(error.fields)
    if "email" in errors:
        errors["owner_email"] = errors.pop("email")
    if not errors:
        try:
            password_validate(
                password=owner_password,
                user=User(
                    email=email_normalise(owner_email), full_name=owner_name, role=Role.OWNER
                ),
            )
        except ApplicationError as error:
            errors["owner_password"] = error.fields["password"]
    if errors:
        first = next(iter(errors.values()))[0]
        raise ApplicationError("validation_error", first, fields=errors)

    slug = slug.strip().lower()
    if connection.schema_name != settings.PUBLIC_SCHEMA_NAME:
        connection.set_schema_to_public()
    try:
        with transaction.atomic():
            tenant = Tenant(
                slug=slug,
                name=name.strip(),
                schema_name=tenant_schema_name(slug=slug),
                time_zone=time_zone,
                country=_country_validate(country),
                kind=Tenant.Kind.BUSINESS,
            )
            tenant.save(verbosity=0)
            domain = Domain.objects.create(
                domain=tenant_host(slug=slug), tenant=tenant, is_primary=True
            )
            with schema_context(tenant.schema_name):
                owner = user_create(
                    email=owner_email,
                    role=Role.OWNER,
                    password=owner_password,
                    full_name=owner_name,
                )
                raw_key = None
                if with_api_key:
                    _key, raw_key = api_key_create(
                        name="Default key", role=ApiKey.KeyRole.ADMIN, created_by=owner
                    )
    except IntegrityError:
        message = _("“%(slug)s” is already taken. Choose another address.") % {"slug": slug}
        raise ApplicationError("validation_error", message, fields={"slug": [message]}) from None
    seconds = time.perf_counter() - started
    logger.info("tenant %s created in %.2fs", slug, seconds)
    return ProvisionedTenant(
        tenant=tenant, domain=domain, owner=owner, api_key=raw_key, seconds=seconds
    )


MAX_LOADING_LEAD_MINUTES = 600
MAX_RECIPIENT_RESCHEDULE_DAYS = 14


def _logo_url_validate(logo_url: str) -> str:
    try:
        return url_validate(logo_url or "", schemes=("https",), max_length=500)
    except ValueError:
        message = _("Give an https:// address of at most 500 characters, or leave it empty.")
        raise ApplicationError(
            "validation_error", message, fields={"logo_url": [message]}
        ) from None


def tenant_branding_update(
    *, tenant: Tenant, name: str, logo_url: str, loading_lead_minutes: int | None = None
) -> Tenant:
    """The business's name and logo as its pages show them (the address never changes), and
    the loading lead time planning a day that has begun keeps before the first van leaves."""
    tenant.name = _name_validate(name)
    tenant.logo_url = _logo_url_validate(logo_url)
    fields = ["name", "logo_url"]
    if loading_lead_minutes is not None:
        if not 0 <= loading_lead_minutes <= MAX_LOADING_LEAD_MINUTES:
            message = _("Give 0–%(maximum)s minutes.") % {"maximum": MAX_LOADING_LEAD_MINUTES}
            raise ApplicationError(
                "validation_error", message, fields={"loading_lead_minutes": [message]}
            )
        tenant.loading_lead_minutes = loading_lead_minutes
        fields.append("loading_lead_minutes")
    tenant.save(update_fields=fields)
    return tenant


def tenant_conventions_update(
    *, tenant: Tenant, time_zone: str, country: str, language: str, clock: str
) -> Tenant:
    """The business's time zone, country, language and clock. A new time zone moves how every
    time is shown and which day "today" is, not the times already stored (an order's window
    stays the same moment); a new country reads phone numbers written without a country code
    as its own from now on (numbers already saved keep theirs)."""
    errors: dict[str, list[str]] = {}
    for name, check in (
        ("time_zone", lambda: _time_zone_validate(time_zone)),
        ("country", lambda: _country_validate(country)),
    ):
        try:
            check()
        except ApplicationError as error:
            errors[name] = error.fields[name]
    if language not in LANGUAGE_CODES:
        errors["language"] = [
            _("Choose one of: %(choices)s.") % {"choices": ", ".join(sorted(LANGUAGE_CODES))}
        ]
    if clock not in {value for value, _label in Clock.CHOICES}:
        errors["clock"] = [_("Choose 24-hour, 12-hour or as usual in the country.")]
    if errors:
        raise ApplicationError("validation_error", next(iter(errors.values()))[0], fields=errors)
    tenant.time_zone = time_zone
    tenant.country = _country_validate(country)
    tenant.language = language
    tenant.clock = clock
    tenant.save(update_fields=["time_zone", "country", "language", "clock"])
    return tenant


def tenant_recipient_options_update(
    *,
    tenant: Tenant,
    recipient_reschedule_days: int,
    recipient_instructions_allowed: bool,
    recipient_contact_shown: bool,
) -> Tenant:
    """What recipients may do from their tracking link (see the model's fields)."""
    if not 0 <= recipient_reschedule_days <= MAX_RECIPIENT_RESCHEDULE_DAYS:
        message = _("Give 0–%(maximum)s days (0: recipients cannot choose).") % {
            "maximum": MAX_RECIPIENT_RESCHEDULE_DAYS
        }
        raise ApplicationError(
            "validation_error", message, fields={"recipient_reschedule_days": [message]}
        )
    tenant.recipient_reschedule_days = recipient_reschedule_days
    tenant.recipient_instructions_allowed = bool(recipient_instructions_allowed)
    tenant.recipient_contact_shown = bool(recipient_contact_shown)
    tenant.save(
        update_fields=[
            "recipient_reschedule_days",
            "recipient_instructions_allowed",
            "recipient_contact_shown",
        ]
    )
    return tenant


def tenant_close(*, tenant: Tenant, user: User, confirm_slug: str, password: str) -> Tenant:
    """The owner closes the business: its hosts, sessions and API keys stop working at once, and
    its schema (every order, user and file record) is dropped after the grace period."""
    if user.role != Role.OWNER or not user.is_active:
        raise ApplicationError("permission_denied", _("Only an owner may close the business."))
    errors: dict[str, list[str]] = {}
    if (confirm_slug or "").strip().lower() != tenant.slug:
        errors["confirm_slug"] = [_("Type “%(slug)s” to confirm.") % {"slug": tenant.slug}]
    if not user.check_password(password or ""):
        errors["password"] = [_("The password is not correct.")]
    if errors:
        first = next(iter(errors.values()))[0]
        raise ApplicationError("validation_error", first, fields=errors)
    with transaction.atomic():
        locked = Tenant.objects.select_for_update().get(pk=tenant.pk)
        if locked.closed_at is None:
            locked.closed_at = timezone.now()
        locked.is_active = False
        locked.save(update_fields=["is_active", "closed_at"])
    logger.info(
        "tenant %s closed by its owner; its schema goes in %s days",
        tenant.slug,
        settings.TENANT_CLOSE_GRACE_DAYS,
    )
    return locked


def tenant_reopen(*, tenant: Tenant) -> Tenant:
    """An operator reopens a closed business within its grace period (its data is still there)."""
    Tenant.objects.filter(pk=tenant.pk).update(is_active=True, closed_at=None)
    tenant.refresh_from_db()
    return tenant


def tenants_closed_drop(*, now: datetime | None = None) -> list[str]:
    """Drop the schemas of businesses closed longer ago than TENANT_CLOSE_GRACE_DAYS."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.TENANT_CLOSE_GRACE_DAYS)
    dropped = []
    due = Tenant.objects.filter(
        kind=Tenant.Kind.BUSINESS, is_active=False, closed_at__lte=cutoff
    ).order_by("closed_at")
    for tenant in due:
        tenant_delete(tenant=tenant)
        logger.info("tenant %s closed at %s: schema dropped", tenant.slug, tenant.closed_at)
        dropped.append(tenant.slug)
    return dropped


# What PostgreSQL answers when dropping a schema collides with a request or task still reading it:
# a deadlock (each holds a table the other wants) or, with the lock timeout below, a long wait.
DROP_RETRY_SQLSTATES = {"40P01", "55P03"}  # deadlock_detected, lock_not_available
DROP_LOCK_TIMEOUT = "5s"
DROP_ATTEMPTS = 5


def tenant_delete(*, tenant: Tenant) -> None:
    """Drop a business and its schema (tests, and an operator's explicit request).

    A web request or a queued task may still be reading the business's tables while its schema is
    dropped. PostgreSQL then aborts one side with a deadlock, or the drop waits behind a long
    reader: the drop is all or nothing (one transaction), so it is simply tried again."""
    connection.set_schema_to_public()
    for attempt in range(1, DROP_ATTEMPTS + 1):
        try:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute(f"SET LOCAL lock_timeout = '{DROP_LOCK_TIMEOUT}'")
                tenant.delete(force_drop=True)
            return
        except OperationalError as error:
            sqlstate = getattr(error.__cause__, "sqlstate", None)
            if sqlstate not in DROP_RETRY_SQLSTATES or attempt == DROP_ATTEMPTS:
                raise
            logger.warning(
                "dropping business %s collided with work still reading it (%s); trying again",
                tenant.slug,
                sqlstate,
            )
            time.sleep(0.2 * attempt)


def platform_ensure() -> None:
    """Make sure the public tenant and the schema template exist (after `migrate_schemas`)."""
    connection.set_schema_to_public()
    Tenant.objects.get_or_create(
        schema_name=settings.PUBLIC_SCHEMA_NAME,
        defaults={"slug": "public", "name": "Public site", "kind": Tenant.Kind.PUBLIC},
    )
    template = Tenant.objects.filter(schema_name=settings.TENANT_BASE_SCHEMA).first()
    if template is None:
        Tenant(
            schema_name=settings.TENANT_BASE_SCHEMA,
            slug="tenant-template",
            name="Schema template",
            kind=Tenant.Kind.TEMPLATE,
        ).save(verbosity=0)
    elif not schema_exists(settings.TENANT_BASE_SCHEMA):
        template.save(verbosity=0)  # recreates the missing schema
