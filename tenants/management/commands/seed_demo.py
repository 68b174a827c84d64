"""`manage.py seed_demo`: the `demo` business with its team, created once; prints the logins."""

import json
import secrets
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django_tenants.utils import schema_context

from tenants.accounts.models import Role, User
from tenants.accounts.services import user_create, user_password_set
from tenants.models import Tenant
from tenants.selectors import tenant_url
from tenants.services import tenant_create

DEMO_SLUG = "demo"
DEMO_TEAM = [
    ("dispatcher@demo.localhost", "Dana Verhoeven", Role.DISPATCHER),
    ("driver1@demo.localhost", "Dirk de Groot", Role.DRIVER),
    ("driver2@demo.localhost", "Fatima El Idrissi", Role.DRIVER),
    ("driver3@demo.localhost", "Sem Mulder", Role.DRIVER),
]
OWNER_EMAIL = "owner@demo.localhost"


class Command(BaseCommand):
    help = "Create the demo business the first time; always print its logins."

    def add_arguments(self, parser):
        parser.add_argument(
            "--credentials-file",
            default=str(settings.BASE_DIR / ".data" / "demo.json"),
            help="Where the generated demo password is kept between runs.",
        )

    def handle(self, *args, **options):
        path = Path(options["credentials_file"])
        stored = json.loads(path.read_text()) if path.exists() else {}
        password = stored.get("password") or f"demo-{secrets.token_urlsafe(9)}"
        tenant = Tenant.objects.filter(slug=DEMO_SLUG).first()
        if tenant is None:
            tenant = tenant_create(
                slug=DEMO_SLUG,
                name="Demo Bakery",
                owner_email=OWNER_EMAIL,
                owner_password=password,
                owner_name="Olivia Bakker",
                time_zone="Europe/Amsterdam",
                country="NL",
            ).tenant
        with schema_context(tenant.schema_name):
            for email, name, role in DEMO_TEAM:
                if not User.objects.filter(email=email).exists():
                    user_create(email=email, role=role, password=password, full_name=name)
            if not stored.get("password"):
                # The stored password was lost: give every demo login the new one.
                for user in User.objects.filter(email__endswith="@demo.localhost"):
                    user_password_set(user=user, password=password)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"password": password}))
        path.chmod(0o600)
        self.stdout.write(
            f"Demo business: {tenant_url(tenant=tenant)}\n"
            f"  owner      {OWNER_EMAIL} / {password}\n"
            f"  dispatcher dispatcher@demo.localhost / {password}\n"
            f"  drivers    driver1..3@demo.localhost / {password}"
        )
