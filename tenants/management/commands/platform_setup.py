"""`manage.py platform_setup`: migrate every schema, then ensure the public tenant and template."""

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import OperationalError, connection

from tenants.services import platform_ensure


class Command(BaseCommand):
    help = "Apply migrations to all schemas and create the public tenant and schema template."

    def handle(self, *args, **options):
        verbosity = options["verbosity"]
        try:
            connection.ensure_connection()
        except OperationalError as error:
            # One line that says what to do, not a traceback (e.g. DATABASE_URL names a database
            # that was never created).
            reason = str(error).strip().splitlines()[-1]
            raise CommandError(
                f"cannot reach the database of DATABASE_URL: {reason}. Create it (createdb) or "
                "unset DATABASE_URL for the embedded one (make run / make test)."
            ) from error
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
