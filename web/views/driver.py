"""The driver's pages: the app shell with today's route embedded, the same data as JSON for the
phone to refresh, and the service worker that keeps both usable in dead spots. Drivers only."""

import hashlib

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from tenants.accounts.sessions import session_expiry_set
from tenants.locale import business_locale, locale_script_config
from web.access import DRIVERS, page_view
from web.selectors.driver import driver_today

# What the service worker keeps for offline use, besides the page and its data.
# driver.js is an ES module that imports the others: all of them must be cached.
DRIVER_MODULES = (
    "state",
    "dom",
    "outbox",
    "actions",
    "location",
    "push",
    "screens",
    "signature",
    "driver",
)
STATIC_FILES = (
    "web/driver/driver.css",
    "web/conventions.js",
    *(f"web/driver/{module}.js" for module in DRIVER_MODULES),
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


def _session_renewed(request) -> None:
    """Each visit renews a driver's session (a phone stays signed in while it is used)."""
    session_expiry_set(session=request.session, user=request.user)


@require_GET
@never_cache
@page_view(roles=DRIVERS)
def driver_home(request):
    _session_renewed(request)
    config = {
        "csrf_token": get_token(request),
        "data_url": reverse("driver-data"),
        "service_worker_url": reverse("driver-service-worker"),
        "login_url": f"{reverse('login')}?next={reverse('driver-home')}",
        "socket_path": "/ws/driver/",
        "route_socket_path": "/ws/driver/route/",
        "refresh_ms": settings.DRIVER_REFRESH_SECONDS * 1000,
        "time_zone": request.tenant.time_zone,
        # The business's language, clock and order of day and month (web/conventions.js).
        **locale_script_config(business_locale(request.tenant)),
        "map_tile_url": settings.MAP_TILE_URL,
        "map_tile_attribution": settings.MAP_TILE_ATTRIBUTION,
    }
    return render(
        request,
        "web/driver/home.html",
        {"today": driver_today(user=request.user), "config": config},
    )


@require_GET
@never_cache
@page_view(roles=DRIVERS)
def driver_data(request):
    _session_renewed(request)
    return JsonResponse(driver_today(user=request.user))


@require_GET
@never_cache
def service_worker(request):
    """Served from `/driver/sw.js` so that its scope is `/driver/`. Public: it holds no data, and
    a signed-out phone must still be able to update it."""
    # The words of the phone's scripts (the JavaScript catalog) are kept too, for dead spots.
    language = business_locale(request.tenant).language
    static_urls = [static(name) for name in STATIC_FILES]
    static_urls.append(reverse("javascript-catalog", args=[language]))
    response = render(
        request,
        "web/driver/sw.js",
        {"static_urls": static_urls, "version": _static_version(static_urls)},
        content_type="application/javascript",
    )
    response["Service-Worker-Allowed"] = "/driver/"
    return response
