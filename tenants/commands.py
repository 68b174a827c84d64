"""What the management commands that act on one business share: its `--slug` option and
looking the business up by it."""

from django.core.management.base import CommandError

from tenants.models import Tenant


def business_slug_argument(parser, *, default: str = "demo") -> None:
    parser.add_argument("--slug", default=default, help=f"The business (default: {default}).")


def business_by_slug(slug: str, *, missing_hint: str = "") -> Tenant:
    """The business with this slug; a CommandError naming it (and `missing_hint`) otherwise."""
    tenant = Tenant.objects.filter(slug=slug, kind=Tenant.Kind.BUSINESS).first()
    if tenant is None:
        raise CommandError(f"No business with slug {slug!r}{missing_hint}.")
    return tenant
