"""Addresses to coordinates through a pluggable geocoder (geopy), cached per tenant.

Configured by settings: GEOCODER (a geopy geocoder name such as "nominatim", "google", "here";
empty = none), GEOCODER_OPTIONS (keyword arguments, e.g. api_key or domain), GEOCODER_TIMEOUT.
Without a geocoder, orders without coordinates are kept as `needs_location`.
"""

import hashlib
import logging

import redis
from django.conf import settings
from django.core.cache import cache
from geopy.adapters import URLLibAdapter
from geopy.exc import GeocoderQueryError, GeopyError
from geopy.geocoders import get_geocoder_for_service

from delivery import validation

logger = logging.getLogger(__name__)

CACHE_SECONDS = 30 * 24 * 3600
NOT_FOUND = "not-found"


class GeocodingUnavailable(Exception):
    """The geocoder could not answer now (network, timeout, quota, 5xx): worth retrying later,
    not before `retry_after` seconds when the geocoder said so (HTTP 429 Retry-After)."""

    def __init__(self, message: str, *, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def geocoder_configured() -> bool:
    return bool(settings.GEOCODER)


def _geocoder():
    service = get_geocoder_for_service(settings.GEOCODER)
    options = {
        "timeout": settings.GEOCODER_TIMEOUT,
        # The standard library's client, in every environment: geopy would pick `requests`
        # where it is installed, which retries twice inside the call (3 × the timeout, and
        # three hits on a rate-limited service). The task retries, with backoff.
        "adapter_factory": URLLibAdapter,
        **settings.GEOCODER_OPTIONS,
    }
    if settings.GEOCODER == "nominatim":
        options.setdefault("user_agent", settings.GEOCODER_USER_AGENT)
    return service(**options)


def _cache_key(address: str) -> str:
    # The cache key function adds the tenant's schema: one business never sees another's lookups.
    return "geocode:" + hashlib.sha256(" ".join(address.lower().split()).encode()).hexdigest()


def _cache_get(key: str):
    try:
        return cache.get(key)
    except redis.RedisError:
        # The cache saves lookups; losing it must not stop geocoding.
        logger.warning("geocoding cache unavailable", exc_info=True)
        return None


def _cache_set(key: str, value) -> None:
    try:
        cache.set(key, value, CACHE_SECONDS)
    except redis.RedisError:
        logger.warning("geocoding cache unavailable", exc_info=True)


def address_geocode(address: str) -> tuple[float, float] | None:
    """Coordinates of `address`, None when the geocoder knows no such place (or names one no
    delivery can go to, such as (0, 0)). Raises GeocodingUnavailable when it cannot answer."""
    key = _cache_key(address)
    cached = _cache_get(key)
    if cached == NOT_FOUND:
        return None
    if cached is not None:
        return tuple(cached)
    try:
        found = _geocoder().geocode(address, exactly_one=True)
    except GeocoderQueryError as error:
        # The geocoder refuses this query itself (HTTP 400): asking again will not help.
        logger.info("geocoder refused %r: %s", address, error)
        found = None
    except GeopyError as error:
        retry_after = getattr(error, "retry_after", None)  # GeocoderRateLimited
        raise GeocodingUnavailable(
            f"{type(error).__name__}: {error}",
            retry_after=int(retry_after) if retry_after else None,
        ) from error
    location = None
    if found is not None:
        try:
            location = validation.coordinates(found.latitude, found.longitude)
        except ValueError:
            logger.info("geocoder placed %r at unusable coordinates %s", address, found.point)
    _cache_set(key, list(location) if location else NOT_FOUND)
    return location
