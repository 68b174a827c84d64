"""Template context: the current business (or the public site) and the platform's base domain."""

from django.conf import settings


def tenant(request) -> dict:
    current = getattr(request, "tenant", None)
    is_public = current is None or current.schema_name == settings.PUBLIC_SCHEMA_NAME
    return {
        "tenant": None if is_public else current,
        "base_domain": settings.BASE_DOMAIN,
    }


def map_tiles(request) -> dict:
    """Map tiles: the one thing pages load from outside, by a configurable URL."""
    return {
        "map_tile_url": settings.MAP_TILE_URL,
        "map_tile_attribution": settings.MAP_TILE_ATTRIBUTION,
    }
