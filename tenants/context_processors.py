"""Template context: the current business (or the public site) and the platform's base domain."""

from django.conf import settings

from tenants.locale import business_locale


def tenant(request) -> dict:
    current = getattr(request, "tenant", None)
    is_public = current is None or current.schema_name == settings.PUBLIC_SCHEMA_NAME
    return {
        "tenant": None if is_public else current,
        "base_domain": settings.BASE_DOMAIN,
    }


def conventions(request) -> dict:
    """The business's language and clock, for the page's <html> (its scripts format times with
    them: Intl.DateTimeFormat(locale, {hour12})); the platform's defaults on the public site."""
    return {"business_locale": business_locale(getattr(request, "tenant", None))}


def map_tiles(request) -> dict:
    """Map tiles: the one thing pages load from outside, by a configurable URL."""
    return {
        "map_tile_url": settings.MAP_TILE_URL,
        "map_tile_attribution": settings.MAP_TILE_ATTRIBUTION,
    }
