"""Road geometry for the maps: the path along the roads through a route's places, from the OSRM
or Valhalla server that gives the travel times (ROUTING_MATRIX_PROVIDER, ROUTING_MATRIX_URL),
asked with ROUTING_GEOMETRY_TIMEOUT and cached per business and places. Without such a server,
or when it fails, there is no geometry (None) and the map draws straight lines between stops."""

import hashlib
import json
import logging
from collections.abc import Sequence

import requests
from django.conf import settings
from django.core.cache import cache

from routing.matrices import OSRM_PROFILES, VALHALLA_COSTING, Point

logger = logging.getLogger(__name__)

CACHE_SECONDS = 24 * 3600
# A server that failed is not asked again for the same places for a minute.
FAILURE_CACHE_SECONDS = 60
FAILED = "failed"


class GeometryError(Exception):
    """The server gave no usable path."""


def _call(method: str, url: str, *, timeout: float, **kwargs) -> dict:
    try:
        response = requests.request(method, url, timeout=timeout, **kwargs)
    except requests.Timeout:
        raise GeometryError(f"no answer within {timeout}s") from None
    except requests.RequestException as error:
        raise GeometryError(f"unreachable: {error}") from None
    if response.status_code != 200:
        raise GeometryError(f"answered {response.status_code}")
    try:
        body = response.json()
    except ValueError:
        raise GeometryError("answered without JSON") from None
    if not isinstance(body, dict):
        raise GeometryError("answered something else than an object")
    return body


def osrm_path(points: Sequence[Point], *, profile: str, base_url: str, timeout: float):
    """OSRM's `route` service, the full overview as GeoJSON ([lng, lat] pairs)."""
    coordinates = ";".join(f"{lng:.6f},{lat:.6f}" for lat, lng in points)
    body = _call(
        "GET",
        f"{base_url}/route/v1/{OSRM_PROFILES.get(profile, 'driving')}/{coordinates}",
        params={"overview": "full", "geometries": "geojson", "steps": "false"},
        timeout=timeout,
    )
    if body.get("code") != "Ok" or not body.get("routes"):
        raise GeometryError(f"answered {body.get('code')}: {body.get('message', '')}")
    try:
        pairs = body["routes"][0]["geometry"]["coordinates"]
        return [(float(lat), float(lng)) for lng, lat in pairs]
    except (KeyError, TypeError, ValueError) as error:
        raise GeometryError(f"answered an unreadable geometry ({error})") from None


def polyline_decode(text: str, *, precision: int = 6) -> list[Point]:
    """Google's encoded polyline (Valhalla writes it with 6 decimals)."""
    points, index, lat, lng = [], 0, 0, 0
    factor = 10**precision
    while index < len(text):
        deltas = []
        for _ in range(2):
            shift = result = 0
            while True:
                if index >= len(text):
                    raise GeometryError("answered a truncated shape")
                byte = ord(text[index]) - 63
                index += 1
                result |= (byte & 0x1F) << shift
                shift += 5
                if byte < 0x20:
                    break
            deltas.append(~(result >> 1) if result & 1 else result >> 1)
        lat, lng = lat + deltas[0], lng + deltas[1]
        points.append((lat / factor, lng / factor))
    return points


def valhalla_path(points: Sequence[Point], *, profile: str, base_url: str, timeout: float):
    """Valhalla's `route` service: one encoded shape per leg."""
    body = _call(
        "POST",
        f"{base_url}/route",
        json={
            "locations": [{"lat": lat, "lon": lng, "type": "break"} for lat, lng in points],
            "costing": VALHALLA_COSTING.get(profile, "auto"),
            "directions_options": {"units": "kilometers", "directions_type": "none"},
        },
        timeout=timeout,
    )
    try:
        legs = body["trip"]["legs"]
        path: list[Point] = []
        for leg in legs:
            shape = polyline_decode(leg["shape"])
            path.extend(shape[1:] if path and shape and shape[0] == path[-1] else shape)
    except (KeyError, TypeError) as error:
        raise GeometryError(f"answered without legs ({error})") from None
    return path


PROVIDERS = {"osrm": ("OSRM", osrm_path), "valhalla": ("Valhalla", valhalla_path)}


def road_geometry_configured() -> bool:
    """Whether maps can ask for road paths at all (an OSRM or Valhalla server by URL)."""
    return settings.ROUTING_MATRIX_PROVIDER in PROVIDERS and bool(settings.ROUTING_MATRIX_URL)


def road_path(points: Sequence[Point], *, profile: str) -> list[Point] | None:
    """The road path through `points` in order, or None: no routing server is configured (the
    great-circle default), fewer than two places, or the server failed (logged, remembered for
    a minute). Cached per business (the cache key adds the schema) and places."""
    kind = settings.ROUTING_MATRIX_PROVIDER
    if not road_geometry_configured() or len(points) < 2:
        return None
    name, fetch = PROVIDERS[kind]
    rounded = [(round(lat, 6), round(lng, 6)) for lat, lng in points]
    digest = hashlib.sha256(json.dumps(rounded).encode()).hexdigest()
    key = f"geometry:{kind}:{profile}:{digest}"
    cached = cache.get(key)
    if cached == FAILED:
        return None
    if cached is not None:
        return [tuple(point) for point in cached]
    try:
        path = fetch(
            rounded,
            profile=profile,
            base_url=settings.ROUTING_MATRIX_URL.rstrip("/"),
            timeout=settings.ROUTING_GEOMETRY_TIMEOUT,
        )
    except GeometryError as error:
        logger.warning("%s gave no route geometry: %s", name, error)
        cache.set(key, FAILED, FAILURE_CACHE_SECONDS)
        return None
    if len(path) < 2:
        cache.set(key, FAILED, FAILURE_CACHE_SECONDS)
        return None
    cache.set(key, [list(point) for point in path], CACHE_SECONDS)
    return path


def route_places(route, stops) -> list[Point]:
    """Where the route goes, in order: its start, each stop with a location, its end."""
    places: list[Point] = [(route.start_lat, route.start_lng)]
    for stop in stops:
        order = stop.order
        if stop.kind == "pickup":
            if order.pickup_lat is not None and order.pickup_lng is not None:
                places.append((order.pickup_lat, order.pickup_lng))
        elif order.lat is not None and order.lng is not None:
            places.append((order.lat, order.lng))
    if route.end_lat is not None and route.end_lng is not None and len(places) > 1:
        places.append((route.end_lat, route.end_lng))
    return places


def route_geometry(route, stops, *, profile: str) -> dict:
    """What a map draws for a route: the road path when a server gave one ("road": true),
    otherwise the straight lines between its places."""
    places = route_places(route, stops)
    path = road_path(places, profile=profile)
    if path is None:
        return {"road": False, "path": [list(point) for point in places]}
    return {"road": True, "path": [list(point) for point in path]}
