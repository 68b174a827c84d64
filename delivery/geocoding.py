"""Addresses to coordinates through a pluggable geocoder (geopy), cached per tenant.

Configured by settings: GEOCODER (a geopy geocoder name such as "nominatim", "google", "here";
empty = none), GEOCODER_OPTIONS (keyword arguments, e.g. api_key or domain), GEOCODER_TIMEOUT.
Without a geocoder, orders without coordinates are kept as `needs_location`.
"""

import hashlib
import logging

from django.conf import settings
from django.core.cache import cache
from geopy.exc import GeocoderServiceError, GeopyError
from geopy.geocoders import get_geocoder_for_service

logger = logging.getLogger(__name__)

CACHE_SECONDS = 30 * 24 * 3600
NOT_FOUND = "not-found"


class GeocodingUnavailable(Exception):
    """The geocoder could not answer now (network, quota, 5xx): worth retrying later."""


def geocoder_configured() -> bool:
    return bool(settings.GEOCODER)


def _geocoder():
    service = get_geocoder_for_service(settings.GEOCODER)
    options = {"timeout": settings.GEOCODER_TIMEOUT, **settings.GEOCODER_OPTIONS}
    if settings.GEOCODER == "nominatim":
        options.setdefault("user_agent", settings.GEOCODER_USER_AGENT)
    return service(**options)


def address_geocode(address: str) -> tuple[float, float] | None:
    """Coordinates of `address`, None when the geocoder knows no such place."""
    # The cache key function adds the tenant's schema: one business never sees another's lookups.
    key = "geocode:" + hashlib.sha256(address.strip().lower().encode()).hexdigest()
    cached = cache.get(key)
    if cached == NOT_FOUND:
        return None
    if cached is not None:
        return tuple(cached)
    try:
        found = _geocoder().geocode(address, exactly_one=True)
    except GeocoderServiceError as error:
        raise GeocodingUnavailable(str(error)) from error
    except GeopyError as error:
        raise GeocodingUnavailable(str(error)) from error
    if found is None or (found.latitude == 0 and found.longitude == 0):
        cache.set(key, NOT_FOUND, CACHE_SECONDS)
        return None
    result = (float(found.latitude), float(found.longitude))
    cache.set(key, list(result), CACHE_SECONDS)
    return result
