"""The driver's pages: the app shell with today's route embedded, the same data as JSON for the
phone to refresh, and the service worker that keeps both usable in dead spots. Drivers only."""

import hashlib
from functools import wraps

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.http import JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from delivery.driver.selectors import driver_today
from tenants.accounts.models import Role
from tenants.accounts.sessions import session_expiry_set

# What the service worker keeps for offline use, besides the page and its data.
STATIC_FILES = (
    "driver/driver.css",
    "driver/queue.js",
    "driver/signature.js",
    "driver/driver.js",
    "leaflet/leaflet.css",
    "leaflet/leaflet.js",
)


def _static_version(static_urls: list[str]) -> str:
    """Changes whenever a cached file changes (its hashed URL in production, its content in
    development), so the phone's service worker replaces its copies."""
    digest = hashlib.sha256()
    for url in static_urls:
        digest.update(url.encode())
    for name in STATIC_FILES:
        path = finders.find(name)
        if path:
            with open(path, "rb") as source:
                digest.update(source.read())
    return digest.hexdigest()[:16]


def driver_required(view):
    """Signed-in drivers only; everyone else goes to `/`. Each visit renews a driver's session."""

    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if request.user.role != Role.DRIVER:
            return redirect("/")
        session_expiry_set(session=request.session, user=request.user)
        return view(request, *args, **kwargs)

    return wrapper


@require_GET
@never_cache
@driver_required
def driver_home(request):
    config = {
        "csrf_token": get_token(request),
        "data_url": reverse("driver-data"),
        "service_worker_url": reverse("driver-service-worker"),
        "login_url": f"{reverse('login')}?next={reverse('driver-home')}",
        "socket_path": "/ws/driver/",
        "time_zone": request.tenant.time_zone,
        "map_tile_url": settings.MAP_TILE_URL,
        "map_tile_attribution": settings.MAP_TILE_ATTRIBUTION,
    }
    return render(
        request, "driver/home.html", {"today": driver_today(user=request.user), "config": config}
    )


@require_GET
@never_cache
@driver_required
def driver_data(request):
    return JsonResponse(driver_today(user=request.user))


@require_GET
@never_cache
def service_worker(request):
    """Served from `/driver/sw.js` so that its scope is `/driver/`. Public: it holds no data, and
    a signed-out phone must still be able to update it."""
    static_urls = [static(name) for name in STATIC_FILES]
    response = render(
        request,
        "driver/sw.js",
        {"static_urls": static_urls, "version": _static_version(static_urls)},
        content_type="application/javascript",
    )
    response["Service-Worker-Allowed"] = "/driver/"
    return response
