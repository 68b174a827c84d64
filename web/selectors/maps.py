"""Where the pages' maps open when they have nothing of their own to show yet: around the
business's first depot, else its country whole (tenants.countries), else the world."""

from delivery.models import Depot
from tenants.countries import MapView, country_view
from tenants.locale import business_locale

DEPOT_ZOOM = 11


def map_view(*, depots: list[dict] | None = None) -> dict:
    """{"lat", "lng", "zoom"} of the business the connection is on, for a page's map script.
    `depots`: its active depots, oldest first, when the page has read them already."""
    if depots is None:
        depots = list(
            Depot.objects.filter(is_active=True).order_by("created_at").values("lat", "lng")[:1]
        )
    if depots:
        return MapView(depots[0]["lat"], depots[0]["lng"], DEPOT_ZOOM).as_dict()
    return country_view(business_locale().country).as_dict()
