"""Addresses to coordinates through a pluggable geocoder (geopy), cached per business.

Settings: GEOCODER (a geopy service name: "photon" by default, "nominatim", "google", …; empty or
"off" = none), GEOCODER_URL (the service's address, e.g. a self-hosted Photon; empty = the
service's public one), GEOCODER_OPTIONS (more keyword arguments, e.g. api_key), GEOCODER_TIMEOUT
and GEOCODER_SEARCH_TIMEOUT (seconds), GEOCODER_USER_AGENT (who we are, as the public services'
usage policies ask), GEOCODER_MIN_INTERVAL_SECONDS (one request per second by default, across
every process) and GEOCODER_BACKOFF_SECONDS (how long an unreachable geocoder is left alone).
Without a geocoder, orders without coordinates are kept as `needs_location`.
"""

import hashlib
import logging
from dataclasses import dataclass
from urllib.error import HTTPError, URLError
from urllib.parse import urlsplit

import redis
from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from geopy.adapters import AdapterHTTPError, URLLibAdapter
from geopy.exc import (
    GeocoderQueryError,
    GeocoderRateLimited,
    GeocoderTimedOut,
    GeocoderUnavailable,
    GeopyError,
)
from geopy.geocoders import get_geocoder_for_service

from delivery import geocoding_policy, validation

logger = logging.getLogger(__name__)

CACHE_SECONDS = 30 * 24 * 3600
SEARCH_CACHE_SECONDS = 7 * 24 * 3600
NOT_FOUND = "not-found"
OFF_VALUES = frozenset({"", "off", "none", "false", "0"})
# How long a lookup may wait for its turn (one request a second across the deployment): a person
# typing gets an answer or "busy" quickly; the background task can queue longer.
SEARCH_LONGEST_WAIT = 2.0
TASK_LONGEST_WAIT = 10.0

DISABLED_MESSAGE = gettext_noop(
    "Address lookup is switched off on this server: place the pin on the map."
)


class GeocodingUnavailable(Exception):
    """The geocoder could not answer now (network, timeout, quota, 5xx, busy): worth retrying
    later, not before `retry_after` seconds when that is known."""

    def __init__(self, message: str, *, retry_after: int | None = None, busy: bool = False) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.busy = busy  # only waiting for its turn (one request a second), not failing


class GeocodingDisabled(Exception):
    """No geocoder is configured."""


@dataclass(frozen=True)
class Place:
    """One suggestion for an address: what to show and where it is."""

    label: str
    lat: float
    lng: float

    def as_dict(self) -> dict:
        return {"label": self.label, "lat": self.lat, "lng": self.lng}


def geocoder_configured() -> bool:
    return str(settings.GEOCODER).strip().lower() not in OFF_VALUES


def geocoder_state() -> tuple[str, str]:
    """("off" | "unreachable" | "ready", what to tell the user)."""
    if not geocoder_configured():
        return "off", DISABLED_MESSAGE
    waiting = geocoding_policy.circuit_open_seconds()
    if waiting:
        return "unreachable", _unreachable_message(waiting)
    return "ready", ""


def _unreachable_message(seconds: int) -> str:
    return (
        "Address lookup is not answering right now (offline?); it is tried again in "
        f"{seconds} s. Meanwhile, place the pin on the map."
    )


def _service_name() -> str:
    return str(settings.GEOCODER).strip().lower()


def _geocoder(*, timeout: float):
    name = _service_name()
    service = get_geocoder_for_service(name)
    options = {
        "timeout": timeout,
        # The standard library's client, in every environment: geopy would pick `requests`
        # where it is installed, which retries twice inside the call (3 × the timeout, and
        # three hits on a rate-limited service). The task retries, with backoff.
        "adapter_factory": URLLibAdapter,
        "user_agent": settings.GEOCODER_USER_AGENT,
    }
    if settings.GEOCODER_URL:
        url = urlsplit(settings.GEOCODER_URL)
        options["scheme"] = url.scheme or "https"
        options["domain"] = (url.netloc + url.path).rstrip("/")
    options.update(settings.GEOCODER_OPTIONS)
    return service(**options)


def _normalised(text: str) -> str:
    return " ".join(text.lower().split())


def _cache_key(address: str) -> str:
    # The cache key function adds the tenant's schema: one business never sees another's lookups.
    return "geocode:" + hashlib.sha256(_normalised(address).encode()).hexdigest()


def _cache_get(key: str):
    try:
        return cache.get(key)
    except redis.RedisError:
        # The cache saves lookups; losing it must not stop geocoding.
        logger.warning("geocoding cache unavailable", exc_info=True)
        return None


def _cache_set(key: str, value, seconds: int = CACHE_SECONDS) -> None:
    try:
        cache.set(key, value, seconds)
    except redis.RedisError:
        logger.warning("geocoding cache unavailable", exc_info=True)


def _not_answering(error: GeopyError) -> bool:
    """Unreachable, timed out or over quota — rather than answering with an error: geopy's
    standard-library adapter reports a refused connection or an unknown host as a service
    error, whose cause is the URLError."""
    if isinstance(error, GeocoderUnavailable | GeocoderTimedOut | GeocoderRateLimited):
        return True
    cause = error.__cause__ or error.__context__
    # An HTTP answer (geopy's AdapterHTTPError is an OSError too) is the service answering.
    return isinstance(cause, URLError | OSError) and not isinstance(
        cause, HTTPError | AdapterHTTPError
    )


def _ask(call, *, longest_wait: float):
    """One request to the geocoder, within the usage policy and behind the circuit."""
    if not geocoder_configured():
        raise GeocodingDisabled(DISABLED_MESSAGE)
    waiting = geocoding_policy.circuit_open_seconds()
    if waiting:
        raise GeocodingUnavailable(_unreachable_message(waiting), retry_after=waiting)
    try:
        geocoding_policy.request_slot_wait(longest_wait=longest_wait)
    except geocoding_policy.GeocoderBusy as busy:
        raise GeocodingUnavailable(
            "Address lookup is busy; try again in a moment.",
            retry_after=max(1, round(busy.wait_seconds)),
            busy=True,
        ) from busy
    try:
        answer = call()
    except GeocoderQueryError:
        raise  # the geocoder refuses this query itself: nothing wrong with the geocoder
    except GeopyError as error:
        if not _not_answering(error):
            logger.warning("geocoder failed to answer: %s", error)
            raise GeocodingUnavailable(f"{type(error).__name__}: {error}") from error
        retry_after = getattr(error, "retry_after", None)
        seconds = geocoding_policy.circuit_trip(at_least=int(retry_after) if retry_after else None)
        logger.warning("geocoder did not answer (%s); left alone for %d s", error, seconds)
        raise GeocodingUnavailable(
            f"{type(error).__name__}: {error}",
            retry_after=int(retry_after) if retry_after else (seconds or None),
        ) from error
    geocoding_policy.circuit_close()
    return answer


def _label(location) -> str:
    """How a suggestion reads: Photon's parts in postal order (geopy's own join repeats the
    street), other services' display name."""
    properties = (location.raw or {}).get("properties") if isinstance(location.raw, dict) else None
    if not properties:
        return location.address or ""
    street = " ".join(
        part for part in (properties.get("housenumber"), properties.get("street")) if part
    )
    town = " ".join(part for part in (properties.get("postcode"), properties.get("city")) if part)
    parts = [properties.get("name"), street, town, properties.get("country")]
    seen: list[str] = []
    for part in parts:
        if part and part not in seen:
            seen.append(part)
    return ", ".join(seen)


def _usable(location) -> tuple[float, float] | None:
    try:
        return validation.coordinates(location.latitude, location.longitude)
    except ValueError:
        logger.info("geocoder placed %r at unusable coordinates", location.address)
        return None


def address_geocode(address: str) -> tuple[float, float] | None:
    """Coordinates of `address`, None when the geocoder knows no such place (or names one no
    delivery can go to, such as (0, 0)). Raises GeocodingUnavailable when it cannot answer now,
    GeocodingDisabled when there is no geocoder."""
    key = _cache_key(address)
    cached = _cache_get(key)
    if cached == NOT_FOUND:
        return None
    if cached is not None:
        return tuple(cached)
    timeout = settings.GEOCODER_TIMEOUT
    try:
        found = _ask(
            lambda: _geocoder(timeout=timeout).geocode(address, exactly_one=True),
            longest_wait=TASK_LONGEST_WAIT,
        )
    except GeocoderQueryError as error:
        # The geocoder refuses this query itself (HTTP 400): asking again will not help.
        logger.info("geocoder refused %r: %s", address, error)
        found = None
    location = _usable(found) if found is not None else None
    _cache_set(key, list(location) if location else NOT_FOUND)
    return location


def address_search(
    query: str, *, limit: int = 5, near: tuple[float, float] | None = None
) -> list[Place]:
    """Places matching `query` (what a person typed so far), best first, at most `limit`;
    `near`: prefer places around this point (Photon) — the business's depot. Cached per
    business. Raises GeocodingUnavailable / GeocodingDisabled as address_geocode does."""
    bias = f"{near[0]:.2f},{near[1]:.2f}" if near else ""
    key = "geosearch:" + hashlib.sha256(f"{_normalised(query)}|{limit}|{bias}".encode()).hexdigest()
    cached = _cache_get(key)
    if cached is not None:
        return [Place(**item) for item in cached]
    options: dict = {"exactly_one": False, "limit": limit}
    if near and _service_name() == "photon":
        options["location_bias"] = near
    try:
        found = _ask(
            lambda: _geocoder(timeout=settings.GEOCODER_SEARCH_TIMEOUT).geocode(query, **options),
            longest_wait=SEARCH_LONGEST_WAIT,
        )
    except GeocoderQueryError as error:
        logger.info("geocoder refused %r: %s", query, error)
        found = None
    places = []
    for location in found or []:
        point = _usable(location)
        if point and len(places) < limit:
            places.append(Place(label=_label(location) or query, lat=point[0], lng=point[1]))
    _cache_set(key, [place.as_dict() for place in places], SEARCH_CACHE_SECONDS)
    return places


def address_locate(address: str) -> tuple[float, float]:
    """Coordinates of `address` for a form being saved now (a depot, a driver's start): raises
    ValueError with what the person can do when it cannot be found or looked up."""
    try:
        location = address_geocode(address)
    except GeocodingDisabled:
        raise ValueError(
            _("Address lookup is switched off: place the pin on the map or give the coordinates.")
        ) from None
    except GeocodingUnavailable:
        raise ValueError(
            _(
                "The address could not be looked up now (the geocoder is not answering): place "
                "the pin on the map or give the coordinates, or try again later."
            )
        ) from None
    if location is None:
        raise ValueError(
            _("No place found for this address: pick a suggestion, or place the pin on the map.")
        )
    return location
