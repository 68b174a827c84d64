"""`manage.py seed_demo_orders --slug demo`: the demo business's fleet and today's orders, once."""

from zoneinfo import ZoneInfo

from django.core.management.base import BaseCommand
from django.utils import timezone
from django_tenants.utils import schema_context

from delivery.demo import demo_deliveries_seed
from tenants.commands import business_by_slug, business_slug_argument


class Command(BaseCommand):
    help = (
        "Give a business (the demo one by default) a depot, 3 vans, its drivers and ~60 orders "
        "for today around Utrecht, unless it already has a depot. Prints one line."
    )

    def add_arguments(self, parser):
        business_slug_argument(parser)

    def handle(self, *args, **options):
        slug = options["slug"]
        tenant = business_by_slug(slug, missing_hint="; run seed_demo first")
        # "Today" is the business's, not the server's: a van leaves at 08:00 Utrecht time.
        today = timezone.localdate(timezone=ZoneInfo(tenant.time_zone))
        with schema_context(tenant.schema_name):
            seeded = demo_deliveries_seed(today=today)
        if seeded is None:
            self.stdout.write(f"Demo deliveries for {slug}: already there (it has a depot).")
        else:
            self.stdout.write(
                f"Demo deliveries for {slug}: {seeded.depots} depot, {seeded.vehicles} vans, "
                f"{seeded.drivers} drivers, {seeded.orders} orders for {today.isoformat()}."
            )
