"""Where the pages' maps open when they have nothing of their own to show yet: around the
business's first depot, else its country whole (tenants.countries), else the world."""

from delivery.models import Depot
from tenants.countries import MapView, country_view
from tenants.locale import business_locale

DEPOT_ZOOM = 11


def map_view() -> dict:
    """{"lat", "lng", "zoom"} of the business the connection is on, for a page's map script."""
    depot = (
        Depot.objects.filter(is_active=True)
        .order_by("created_at")
        .values_list("lat", "lng")
        .first()
    )
    if depot is not None:
        return MapView(depot[0], depot[1], DEPOT_ZOOM).as_dict()
    return country_view(business_locale().country).as_dict()
