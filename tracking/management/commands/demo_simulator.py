"""`manage.py demo_simulator --slug demo --base-url http://127.0.0.1:8000`: the demo driver's
phone, moving along their route under way until SIGINT/SIGTERM (tracking.simulator)."""

import signal
import threading

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django_tenants.utils import schema_context

from delivery.models import Driver
from routing.models import Route
from tenants.models import Tenant
from tenants.selectors import tenant_time_zone
from tracking.simulator import PhoneApi, PhoneSimulator, driver_session


def _driver(email: str | None) -> Driver | None:
    drivers = Driver.objects.select_related("user")
    if email:
        return drivers.filter(user__email=email).first()
    route = (
        Route.objects.filter(
            status=Route.Status.STARTED,
            delivery_date=timezone.localdate(timezone=tenant_time_zone()),
        )
        .order_by("started_at")
        .first()
    )
    return drivers.filter(pk=route.driver_id).first() if route else None


class Command(BaseCommand):
    help = (
        "Carry the demo driver's phone along their route under way: positions, deliveries and "
        "the route's end go to the server through the API, as the driver. Stops on Ctrl-C."
    )

    def add_arguments(self, parser):
        parser.add_argument("--slug", default="demo", help="The business (default: demo).")
        parser.add_argument(
            "--base-url", required=True, help="The running server, e.g. http://127.0.0.1:8000"
        )
        parser.add_argument("--host", help="The business's host (default: <slug>.localhost).")
        parser.add_argument(
            "--driver", help="The driver's e-mail (default: the driver of today's route under way)."
        )
        parser.add_argument(
            "--interval", type=float, default=5.0, help="Seconds between positions."
        )
        parser.add_argument("--speed-kmh", type=float, default=30.0, help="The van's speed.")
        parser.add_argument("--steps", type=int, default=0, help="Stop after this many (0: never).")

    def _phone(self, options, host: str) -> PhoneSimulator | None:
        driver = _driver(options["driver"])
        if driver is None:
            return None
        api = PhoneApi(base_url=options["base_url"], host=host, session_key=driver_session(driver))
        self.stdout.write(f"Simulating {driver.user.email}'s phone on {host} (Ctrl-C stops).")
        return PhoneSimulator(driver=driver, api=api, speed_kmh=options["speed_kmh"])

    def handle(self, *args, **options):
        tenant = Tenant.objects.filter(slug=options["slug"], kind=Tenant.Kind.BUSINESS).first()
        if tenant is None:
            raise CommandError(f"No business with slug {options['slug']!r}.")
        if options["interval"] <= 0 or options["speed_kmh"] <= 0:
            raise CommandError("--interval and --speed-kmh must be positive.")
        stop = threading.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stop.set())
        host = options["host"] or f"{options['slug']}.localhost"
        with schema_context(tenant.schema_name):
            phone, steps = None, 0
            while not stop.is_set():
                try:
                    # Until a route is under way (or after a mistyped e-mail) it keeps looking.
                    phone = phone or self._phone(options, host)
                    done = phone.step() if phone else "idle"
                except Exception as error:  # noqa: BLE001 - a demo keeps going; the server may restart
                    done = f"error: {error.__class__.__name__}: {error}"
                steps += 1
                if done not in ("driving", "waiting", "idle"):
                    self.stdout.write(f"simulator: {done}")
                if options["steps"] and steps >= options["steps"]:
                    break
                stop.wait(options["interval"])
        self.stdout.write("Simulator stopped.")
