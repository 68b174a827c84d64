"""A simulated driver's phone for the demo: it starts the driver's route of today when its
planned start comes (`starts_routes`), drives it at a van's speed (along the roads when a
routing server is configured), waits for a stop's window to open, spends the stop's service
time there, and posts what a phone posts — its positions (POST /api/v1/positions), each
delivery (POST /api/v1/orders/{id}/transition), the route's start and end (POST
/api/v1/routes/{id}/start, /complete) — over HTTP to the running server, signed in as the
driver. It reads the route from the database; it writes only through the API, so the
dispatcher's Live page, the ETAs and the recipients' tracking pages move as they would for a
real phone. `make run` starts it for the demo business (DEMO_SIMULATOR=0 leaves it out)."""

import logging
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from importlib import import_module

import requests
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.utils import timezone

from delivery.models import Driver, OrderStatus
from routing.geometry import road_path
from routing.models import Route, Stop
from tenants.selectors import tenant_time_zone

logger = logging.getLogger(__name__)

EARTH_RADIUS_M = 6_371_008.8
HTTP_TIMEOUT_S = 10
MAX_STEP_S = 60  # a pause longer than this (a suspended laptop) is not driven in one jump
ACCURACY_M = 8.0
# A plan may arrive at a window's very last minute: the phone leaves a little early rather than
# a few seconds late (a route starts on the step after its time).
START_EARLY = timedelta(minutes=2)


def metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lng1, lat2, lng2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lng2 - lng1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(min(1.0, h)))


def heading(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lng1, lat2, lng2 = map(math.radians, (*a, *b))
    y = math.sin(lng2 - lng1) * math.cos(lat2)
    x = math.cos(lat1) * math.sin(lat2) - math.sin(lat1) * math.cos(lat2) * math.cos(lng2 - lng1)
    return (math.degrees(math.atan2(y, x)) + 360) % 360


def driver_session(driver: Driver) -> str:
    """A signed-in session for the driver in the current business (what the login form makes);
    its key is the phone's session cookie."""
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(driver.user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = driver.user.get_session_auth_hash()
    store.set_expiry(settings.DRIVER_SESSION_AGE)
    store.create()
    return store.session_key


class PhoneApi:
    """The phone's side of the API, as the signed-in driver."""

    def __init__(self, *, base_url: str, host: str, session_key: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.http = requests.Session()
        token = secrets.token_hex(16)  # 32 characters: Django's CSRF secret length
        self.http.cookies.set(settings.SESSION_COOKIE_NAME, session_key)
        self.http.cookies.set(settings.CSRF_COOKIE_NAME, token)
        self.http.headers.update({"Host": host, "X-CSRFToken": token, "Accept": "application/json"})

    def post(self, path: str, body: dict | None = None) -> requests.Response:
        response = self.http.post(f"{self.base_url}{path}", json=body, timeout=HTTP_TIMEOUT_S)
        if response.status_code >= 400:
            logger.warning(
                "simulator: %s answered %s: %s", path, response.status_code, response.text
            )
        return response

    def position(self, *, at: tuple[float, float], moment: datetime, bearing, speed) -> None:
        self.post(
            "/api/v1/positions",
            {
                "positions": [
                    {
                        "lat": round(at[0], 6),
                        "lng": round(at[1], 6),
                        "accuracy": ACCURACY_M,
                        "heading": round(bearing, 1) if bearing is not None else None,
                        "speed": round(speed, 2),
                        "recorded_at": moment.isoformat(),
                    }
                ]
            },
        )

    def delivered(self, *, order_id, at: tuple[float, float], recipient: str) -> None:
        self.post(
            f"/api/v1/orders/{order_id}/transition",
            {
                "to": OrderStatus.DELIVERED,
                "location": {"lat": at[0], "lng": at[1]},
                "recipient_name": recipient,
            },
        )

    def complete(self, *, route_id) -> None:
        self.post(f"/api/v1/routes/{route_id}/complete")

    def start(self, *, route_id) -> None:
        self.post(f"/api/v1/routes/{route_id}/start")


@dataclass
class Visit:
    stop_id: object
    order_id: object
    place: tuple[float, float]
    opens: datetime | None
    service_s: int
    recipient: str


class PhoneSimulator:
    """One driver's phone. `step(now)` moves it by the time since the last step and posts what
    happened. Call it in the business's schema."""

    def __init__(
        self, *, driver: Driver, api: PhoneApi, speed_kmh: float = 30.0, starts_routes=False
    ) -> None:
        self.driver = driver
        self.starts_routes = starts_routes
        self.api = api
        self.speed_ms = speed_kmh / 3.6
        self.position: tuple[float, float] | None = None
        self.last: datetime | None = None
        self.busy_until: datetime | None = None  # at a stop, handing over the goods
        self.visit: Visit | None = None
        self.target: tuple[float, float] | None = None  # where it drives to…
        self.path: list[tuple[float, float]] = []  # …by these points
        vehicle = driver.default_vehicle
        self.profile = vehicle.profile if vehicle else "van"

    def route(self, now: datetime) -> Route | None:
        """The driver's route under way today; a dispatched one is started (as the driver
        does on the phone) when its planned start comes (START_EARLY before)."""
        today = now.astimezone(tenant_time_zone()).date()
        routes = Route.objects.filter(driver=self.driver, delivery_date=today)
        route = routes.filter(status=Route.Status.STARTED).first()
        if route is not None or not self.starts_routes:
            return route
        due = routes.filter(
            status=Route.Status.DISPATCHED, planned_start__lte=now + START_EARLY
        ).first()
        if due is None:
            return None
        self.api.start(route_id=due.pk)
        return routes.filter(pk=due.pk, status=Route.Status.STARTED).first()

    def next_visit(self, route: Route) -> Visit | None:
        stop = (
            Stop.objects.select_related("order")
            .filter(
                route=route,
                kind=Stop.Kind.DELIVERY,
                order__status=OrderStatus.OUT_FOR_DELIVERY,
                order__lat__isnull=False,
            )
            .order_by("sequence")
            .first()
        )
        if stop is None:
            return None
        order = stop.order
        windows = [datetime.fromisoformat(w["start"]) for w in order.time_windows or []]
        return Visit(
            stop_id=stop.pk,
            order_id=order.pk,
            place=(order.lat, order.lng),
            opens=min(windows) if windows else None,
            service_s=order.service_seconds,
            recipient=order.recipient_name.split(" ")[0],
        )

    def step(self, now: datetime | None = None) -> str:
        """One tick; says what the phone did: idle, driving, waiting, delivered, completed."""
        now = now or timezone.now()
        elapsed = 0.0 if self.last is None else (now - self.last).total_seconds()
        self.last = now
        route = self.route(now)
        if route is None:
            self.position, self.visit, self.busy_until, self.target = None, None, None, None
            return "idle"
        if self.position is None:
            self.position = (route.start_lat, route.start_lng)
        if self.busy_until is not None and self.visit is not None:
            if now < self.busy_until:
                self._post(now, None, 0.0)
                return "waiting"
            self.api.delivered(
                order_id=self.visit.order_id, at=self.position, recipient=self.visit.recipient
            )
            self.busy_until, self.visit = None, None
            self._post(now, None, 0.0)
            return "delivered"
        self.visit = self.next_visit(route)
        if self.visit is not None:
            target = self.visit.place
        elif route.end_lat is not None and route.end_lng is not None:
            target = (route.end_lat, route.end_lng)
        else:
            target = self.position
        if self.target != target:
            # Along the roads when a routing server is configured, else straight there.
            road = road_path([self.position, target], profile=self.profile)
            self.target, self.path = target, [*(road[1:] if road else []), target]
        reach = self.speed_ms * min(elapsed, MAX_STEP_S)
        bearing = None
        while self.path:
            ahead = self.path[0]
            left = metres(self.position, ahead)
            if left > 1:
                bearing = heading(self.position, ahead)
            if reach < left:
                fraction = reach / left
                self.position = (
                    self.position[0] + (ahead[0] - self.position[0]) * fraction,
                    self.position[1] + (ahead[1] - self.position[1]) * fraction,
                )
                self._post(now, bearing, self.speed_ms if reach else 0.0)
                return "driving"
            reach -= left
            self.position = self.path.pop(0)
        self.position, self.target = target, None
        if self.visit is None:
            self._post(now, None, 0.0)
            self.api.complete(route_id=route.pk)
            return "completed"
        opens = self.visit.opens or now
        self.busy_until = max(now, opens) + timedelta(seconds=self.visit.service_s)
        self._post(now, None, 0.0)
        return "arrived"

    def _post(self, now: datetime, bearing, speed: float) -> None:
        self.api.position(at=self.position, moment=now, bearing=bearing, speed=speed)
