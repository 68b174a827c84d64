"""`manage.py demo_simulator --slug demo --base-url http://127.0.0.1:8000`: the phones of the
demo's drivers with a route today, each starting its route when its planned start comes and
driving it, until SIGINT/SIGTERM (tracking.simulator)."""

import signal
import threading
import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django_tenants.utils import schema_context

from delivery.models import Driver
from routing.models import Route
from tenants.commands import business_by_slug, business_slug_argument
from tenants.selectors import tenant_time_zone
from tracking.simulator import PhoneApi, PhoneSimulator, driver_session


def _drivers(email: str | None) -> list[Driver]:
    """The driver asked for, or every driver with a route today."""
    drivers = Driver.objects.select_related("user", "default_vehicle")
    if email:
        return list(drivers.filter(user__email=email))
    today = timezone.localdate(timezone=tenant_time_zone())
    on_routes = Route.objects.filter(delivery_date=today).values("driver_id")
    return list(drivers.filter(pk__in=on_routes).order_by("user__email"))


def _step(phone: PhoneSimulator) -> str:
    try:
        return phone.step()
    except Exception as error:  # noqa: BLE001 - a demo keeps going; the server may restart
        return f"error: {error.__class__.__name__}: {error}"


class Command(BaseCommand):
    help = (
        "Carry the demo drivers' phones along their routes of today (each started when its "
        "planned start comes): positions, deliveries and the route's end go to the server "
        "through the API, as the driver. Stops on Ctrl-C."
    )

    def add_arguments(self, parser):
        business_slug_argument(parser)
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

    def _phones(self, options, host: str, phones: dict) -> dict:
        """A phone for each driver with a route today (new ones join as routes are made)."""
        for driver in _drivers(options["driver"]):
            if driver.pk not in phones:
                session = driver_session(driver)
                api = PhoneApi(base_url=options["base_url"], host=host, session_key=session)
                phones[driver.pk] = PhoneSimulator(
                    driver=driver, api=api, speed_kmh=options["speed_kmh"], starts_routes=True
                )
                self.stdout.write(f"Simulating {driver.user.email}'s phone on {host}.")
        return phones

    def handle(self, *args, **options):
        tenant = business_by_slug(options["slug"])
        if options["interval"] <= 0 or options["speed_kmh"] <= 0:
            raise CommandError("--interval and --speed-kmh must be positive.")
        stop = threading.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stop.set())
        host = options["host"] or f"{options['slug']}.localhost"
        with schema_context(tenant.schema_name):
            phones, steps, looked = {}, 0, None
            while not stop.is_set():
                try:
                    # Each minute it looks for drivers with a route (made since, or after a
                    # mistyped e-mail); each phone starts its route when its time comes.
                    if looked is None or time.monotonic() - looked > 60:
                        phones, looked = self._phones(options, host, phones), time.monotonic()
                except Exception as error:  # noqa: BLE001 - a demo keeps going
                    self.stdout.write(f"simulator: error: {error.__class__.__name__}: {error}")
                done = [_step(phone) for phone in phones.values()]
                steps += 1
                for what in done:
                    if what not in ("driving", "waiting", "idle"):
                        self.stdout.write(f"simulator: {what}")
                if options["steps"] and steps >= options["steps"]:
                    break
                stop.wait(options["interval"])
        self.stdout.write("Simulator stopped.")
