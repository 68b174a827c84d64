"""Travel times and distances between places: a provider interface, the offline default
(great-circle distance × detour factor, speed by vehicle profile) and OSRM / Valhalla servers by
URL. Matrices are cached per tenant and set of places.

Settings: ROUTING_MATRIX_PROVIDER ("great_circle", "osrm", "valhalla"), ROUTING_MATRIX_URL,
ROUTING_MATRIX_TIMEOUT (seconds per HTTP call), ROUTING_MATRIX_BLOCK (places per request),
ROUTING_DETOUR_FACTOR, ROUTING_SPEEDS_KMH.
"""

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import requests
from django.conf import settings
from django.core.cache import cache

EARTH_RADIUS_M = 6_371_008.8
CACHE_SECONDS = 24 * 3600

# Our vehicle profiles in each routing server's words.
OSRM_PROFILES = {
    "car": "driving",
    "van": "driving",
    "truck": "driving",
    "bike": "cycling",
    "cargo_bike": "cycling",
    "walk": "foot",
}
VALHALLA_COSTING = {
    "car": "auto",
    "van": "auto",
    "truck": "truck",
    "bike": "bicycle",
    "cargo_bike": "bicycle",
    "walk": "pedestrian",
}

Point = tuple[float, float]  # (lat, lng)


class MatrixError(Exception):
    """The matrix could not be had. `retryable` says whether trying again later may help."""

    def __init__(self, message: str, *, retryable: bool) -> None:
        super().__init__(message)
        self.retryable = retryable


@dataclass(frozen=True)
class Matrix:
    durations: np.ndarray  # seconds, integers
    distances: np.ndarray  # metres, integers


class MatrixProvider(Protocol):
    name: str

    def matrix(self, points: Sequence[Point], *, profile: str) -> Matrix: ...


def great_circle_metres(points: Sequence[Point]) -> np.ndarray:
    """Haversine distances between every pair of points, vectorised."""
    coordinates = np.radians(np.asarray(points, dtype=float).reshape(-1, 2))
    lat, lng = coordinates[:, 0][:, None], coordinates[:, 1][:, None]
    half_dlat = (lat - lat.T) / 2
    half_dlng = (lng - lng.T) / 2
    a = np.sin(half_dlat) ** 2 + np.cos(lat) * np.cos(lat.T) * np.sin(half_dlng) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


class GreatCircleProvider:
    """Works offline: straight-line distance × a detour factor, at a speed per profile."""

    name = "great_circle"

    def __init__(self, *, detour_factor: float, speeds_kmh: dict[str, float]) -> None:
        self.detour_factor = detour_factor
        self.speeds_kmh = speeds_kmh

    def matrix(self, points: Sequence[Point], *, profile: str) -> Matrix:
        if profile not in self.speeds_kmh:
            raise MatrixError(f"No speed configured for profile {profile!r}.", retryable=False)
        metres = great_circle_metres(points) * self.detour_factor
        seconds = metres / (self.speeds_kmh[profile] / 3.6)
        return Matrix(
            durations=np.rint(seconds).astype(np.int64), distances=np.rint(metres).astype(np.int64)
        )


def _blocks(count: int, size: int) -> list[range]:
    return [range(start, min(start + size, count)) for start in range(0, count, size)]


class _HttpProvider:
    def __init__(self, *, base_url: str, timeout: float, block: int) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.block = block

    def _call(self, method: str, url: str, **kwargs) -> dict:
        try:
            response = requests.request(method, url, timeout=self.timeout, **kwargs)
        except requests.Timeout:
            raise MatrixError(
                f"{self.name} did not answer within {self.timeout}s.", retryable=True
            ) from None
        except requests.RequestException as error:
            raise MatrixError(f"{self.name} is unreachable: {error}", retryable=True) from None
        if response.status_code >= 500 or response.status_code == 429:
            raise MatrixError(f"{self.name} answered {response.status_code}.", retryable=True)
        try:
            body = response.json()
        except ValueError:
            raise MatrixError(
                f"{self.name} answered {response.status_code} with no JSON.",
                retryable=response.status_code >= 500,
            ) from None
        if response.status_code >= 400:
            message = body.get("message") or body.get("error") or response.reason
            raise MatrixError(f"{self.name} refused the request: {message}", retryable=False)
        return body

    def matrix(self, points: Sequence[Point], *, profile: str) -> Matrix:
        count = len(points)
        durations = np.zeros((count, count), dtype=np.int64)
        distances = np.zeros((count, count), dtype=np.int64)
        for sources in _blocks(count, self.block):
            for targets in _blocks(count, self.block):
                block_durations, block_distances = self._block(
                    points, sources, targets, profile=profile
                )
                durations[sources.start : sources.stop, targets.start : targets.stop] = (
                    block_durations
                )
                distances[sources.start : sources.stop, targets.start : targets.stop] = (
                    block_distances
                )
        return Matrix(durations=durations, distances=distances)


def _unreachable(values, name: str) -> None:
    if any(value is None for row in values for value in row):
        raise MatrixError(
            f"{name} found no road between some places (is one off the map?).", retryable=False
        )


class OsrmProvider(_HttpProvider):
    """OSRM's `table` service."""

    name = "OSRM"

    def _block(self, points, sources: range, targets: range, *, profile: str):
        indexes = list(dict.fromkeys([*sources, *targets]))
        position = {index: offset for offset, index in enumerate(indexes)}
        coordinates = ";".join(f"{points[i][1]:.6f},{points[i][0]:.6f}" for i in indexes)
        body = self._call(
            "GET",
            f"{self.base_url}/table/v1/{OSRM_PROFILES.get(profile, 'driving')}/{coordinates}",
            params={
                "sources": ";".join(str(position[i]) for i in sources),
                "destinations": ";".join(str(position[i]) for i in targets),
                "annotations": "duration,distance",
            },
        )
        if body.get("code") != "Ok":
            raise MatrixError(
                f"OSRM answered {body.get('code')}: {body.get('message', '')}", retryable=False
            )
        _unreachable(body["durations"], self.name)
        _unreachable(body["distances"], self.name)
        return np.rint(body["durations"]), np.rint(body["distances"])


class ValhallaProvider(_HttpProvider):
    """Valhalla's `sources_to_targets` service (distances in kilometres)."""

    name = "Valhalla"

    def _block(self, points, sources: range, targets: range, *, profile: str):
        def place(i):
            return {"lat": points[i][0], "lon": points[i][1]}

        body = self._call(
            "POST",
            f"{self.base_url}/sources_to_targets",
            json={
                "sources": [place(i) for i in sources],
                "targets": [place(i) for i in targets],
                "costing": VALHALLA_COSTING.get(profile, "auto"),
                "units": "kilometers",
            },
        )
        rows = body.get("sources_to_targets")
        if not isinstance(rows, list):
            raise MatrixError("Valhalla answered without sources_to_targets.", retryable=False)
        times = [[cell.get("time") for cell in row] for row in rows]
        kilometres = [[cell.get("distance") for cell in row] for row in rows]
        _unreachable(times, self.name)
        return np.rint(times), np.rint(np.asarray(kilometres, dtype=float) * 1000)


def matrix_provider() -> MatrixProvider:
    kind = settings.ROUTING_MATRIX_PROVIDER
    if kind == "great_circle":
        return GreatCircleProvider(
            detour_factor=settings.ROUTING_DETOUR_FACTOR, speeds_kmh=settings.ROUTING_SPEEDS_KMH
        )
    options = {
        "base_url": settings.ROUTING_MATRIX_URL,
        "timeout": settings.ROUTING_MATRIX_TIMEOUT,
        "block": settings.ROUTING_MATRIX_BLOCK,
    }
    if kind == "osrm":
        return OsrmProvider(**options)
    if kind == "valhalla":
        return ValhallaProvider(**options)
    raise MatrixError(f"Unknown ROUTING_MATRIX_PROVIDER {kind!r}.", retryable=False)


def travel_matrix(
    points: Sequence[Point], *, profile: str, provider: MatrixProvider | None = None
) -> Matrix:
    """The matrix for `points`, from the tenant's cache or the provider."""
    provider = provider or matrix_provider()
    rounded = [(round(lat, 6), round(lng, 6)) for lat, lng in points]
    digest = hashlib.sha256(json.dumps(rounded).encode()).hexdigest()
    # The cache's key function adds the tenant's schema.
    key = f"matrix:{provider.name}:{profile}:{digest}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    result = provider.matrix(rounded, profile=profile)
    cache.set(key, result, CACHE_SECONDS)
    return result
