"""`manage.py platform_setup`: migrate every schema, then ensure the public tenant and template."""

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from tenants.services import platform_ensure


class Command(BaseCommand):
    help = "Apply migrations to all schemas and create the public tenant and schema template."

    def handle(self, *args, **options):
        verbosity = options["verbosity"]
        call_command("migrate_schemas", shared=True, interactive=False, verbosity=verbosity)
        platform_ensure()
        # Every business's schema, MIGRATION_PROCESSES at a time (each process one schema).
        processes = settings.MIGRATION_PROCESSES
        call_command(
            "migrate_schemas",
            tenant=True,
            executor="multiprocessing" if processes > 1 else "standard",
            interactive=False,
            verbosity=verbosity,
        )
        self.stdout.write("Platform ready.")
