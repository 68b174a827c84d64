"""`manage.py provision_tenant --slug S --name N --owner-email E --owner-password P --json`."""

import json

from django.core.management.base import BaseCommand, CommandError

from tenants.errors import ApplicationError
from tenants.services import tenant_create


class Command(BaseCommand):
    help = "Create a business: its schema, host, owner and one API key."

    def add_arguments(self, parser):
        parser.add_argument("--slug", required=True)
        parser.add_argument("--name", required=True)
        parser.add_argument("--owner-email", required=True)
        parser.add_argument("--owner-password", required=True)
        parser.add_argument("--owner-name", default="")
        parser.add_argument("--time-zone", default="UTC")
        parser.add_argument("--country", default="", help="Two-letter code, e.g. NL.")
        parser.add_argument("--json", action="store_true", help="Print one JSON object.")

    def handle(self, *args, **options):
        try:
            provisioned = tenant_create(
                slug=options["slug"],
                name=options["name"],
                owner_email=options["owner_email"],
                owner_password=options["owner_password"],
                owner_name=options["owner_name"],
                time_zone=options["time_zone"],
                country=options["country"],
                with_api_key=True,
            )
        except ApplicationError as error:
            details = "; ".join(
                f"{field}: {' '.join(msgs)}" for field, msgs in error.fields.items()
            )
            raise CommandError(details or error.message) from None
        result = {
            "slug": provisioned.tenant.slug,
            "schema": provisioned.tenant.schema_name,
            "domain": provisioned.domain.domain,
            "api_key": provisioned.api_key,
        }
        if options["json"]:
            self.stdout.write(json.dumps(result))
        else:
            self.stdout.write(
                f"Created {provisioned.tenant.name} at {result['domain']} "
                f"(schema {result['schema']}) in {provisioned.seconds:.2f}s.\n"
                f"API key (shown once): {result['api_key']}"
            )
