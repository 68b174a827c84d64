"""Where a map of a business opens before it has a place of its own (a depot): its country
whole, for the countries businesses sign up from most; the world otherwise."""

from dataclasses import dataclass


@dataclass(frozen=True)
class MapView:
    lat: float
    lng: float
    zoom: int

    def as_dict(self) -> dict:
        return {"lat": self.lat, "lng": self.lng, "zoom": self.zoom}


WORLD_VIEW = MapView(20.0, 0.0, 2)

# ISO 3166 alpha-2 → the country's centre and the Leaflet zoom that shows most of it.
COUNTRY_VIEWS = {
    "AT": MapView(47.6, 14.1, 7),
    "AU": MapView(-25.7, 134.5, 4),
    "BE": MapView(50.6, 4.6, 8),
    "BG": MapView(42.7, 25.3, 7),
    "CA": MapView(56.0, -96.0, 4),
    "CH": MapView(46.8, 8.2, 8),
    "CY": MapView(35.0, 33.2, 9),
    "CZ": MapView(49.8, 15.5, 7),
    "DE": MapView(51.2, 10.4, 6),
    "DK": MapView(56.0, 10.0, 7),
    "EE": MapView(58.6, 25.0, 7),
    "ES": MapView(40.2, -3.7, 6),
    "FI": MapView(64.5, 26.0, 5),
    "FR": MapView(46.6, 2.4, 6),
    "GB": MapView(54.4, -2.9, 6),
    "GR": MapView(39.1, 22.9, 6),
    "HR": MapView(44.5, 16.4, 7),
    "HU": MapView(47.2, 19.4, 7),
    "IE": MapView(53.4, -8.0, 7),
    "IN": MapView(22.0, 79.0, 5),
    "IS": MapView(64.9, -18.6, 6),
    "IT": MapView(42.8, 12.6, 6),
    "LT": MapView(55.2, 23.9, 7),
    "LU": MapView(49.8, 6.1, 9),
    "LV": MapView(56.9, 24.6, 7),
    "MT": MapView(35.9, 14.4, 10),
    "MX": MapView(23.6, -102.5, 5),
    "NL": MapView(52.2, 5.3, 8),
    "NO": MapView(64.5, 12.0, 5),
    "NZ": MapView(-41.0, 173.0, 5),
    "PL": MapView(52.1, 19.4, 6),
    "PT": MapView(39.6, -8.0, 7),
    "RO": MapView(45.9, 24.9, 7),
    "SE": MapView(62.0, 15.0, 5),
    "SI": MapView(46.1, 14.8, 8),
    "SK": MapView(48.7, 19.7, 7),
    "US": MapView(39.8, -98.6, 4),
    "ZA": MapView(-29.0, 24.7, 5),
}


def country_view(country: str | None) -> MapView:
    """The view showing `country` (ISO code, any case) whole; the world for one not listed."""
    return COUNTRY_VIEWS.get((country or "").upper(), WORLD_VIEW)
