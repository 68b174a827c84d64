"""`manage.py seed_demo_day --slug demo`: the demo business's fleet, its past week and a live
day planned from now (routing.demo), each made once."""

from django.core.management.base import BaseCommand
from django_tenants.utils import schema_context

from routing.demo import demo_day_seed
from tenants.commands import business_by_slug, business_slug_argument


class Command(BaseCommand):
    help = (
        "Give a business (the demo one by default) its depot, vans and drivers, a week of "
        "completed routes, and today's orders planned from now with one route under way. Parts "
        "already there are left as they are. Prints one line."
    )

    def add_arguments(self, parser):
        business_slug_argument(parser)

    def handle(self, *args, **options):
        slug = options["slug"]
        tenant = business_by_slug(slug, missing_hint="; run seed_demo first")
        with schema_context(tenant.schema_name):
            day = demo_day_seed()
        self.stdout.write(
            f"Demo day for {slug}: {day.history_orders} orders over {day.history_days} past "
            f"days; today {day.orders} new orders on {day.routes} routes, "
            f"{day.unplaced} not on a route."
        )
