"""Where the pages' maps open before they have anything to show: around the business's first
depot, else its country whole, else the world — one JSON ("map-view") that the map scripts
(maps.js, today.js) read, never a hard-coded city."""

import json
import re

import pytest

from delivery.tests.factories import make_depot
from tenants.accounts.models import Role
from tenants.countries import WORLD_VIEW, MapView, country_view
from tenants.models import Tenant

PAGES = ["/settings/depots/new/", "/settings/drivers/new/", "/orders/new/", "/", "/plan/", "/live/"]
MAP_VIEW = re.compile(r'<script id="map-view" type="application/json">(.*?)</script>')


def opening_view(response) -> dict:
    assert response.status_code == 200
    (found,) = MAP_VIEW.findall(response.content.decode())
    return json.loads(found)


def test_a_listed_country_opens_whole_and_any_other_on_the_world():
    assert country_view("gb") == MapView(54.4, -2.9, 6)
    assert country_view("NL") == MapView(52.2, 5.3, 8)
    assert country_view("XX") == WORLD_VIEW
    assert country_view("") == WORLD_VIEW
    assert WORLD_VIEW.as_dict() == {"lat": 20.0, "lng": 0.0, "zoom": 2}


@pytest.mark.parametrize("page", PAGES)
def test_a_british_business_without_a_depot_opens_its_maps_on_great_britain(tenant_a, page):
    Tenant.objects.filter(pk=tenant_a.tenant.pk).update(country="GB")

    response = tenant_a.browser(Role.OWNER).get(page)

    assert opening_view(response) == {"lat": 54.4, "lng": -2.9, "zoom": 6}


def test_a_business_without_a_country_or_depot_opens_on_the_world(tenant_a):
    Tenant.objects.filter(pk=tenant_a.tenant.pk).update(country="")

    response = tenant_a.browser(Role.OWNER).get("/settings/depots/new/")

    assert opening_view(response) == {"lat": 20.0, "lng": 0.0, "zoom": 2}


def test_a_business_with_a_depot_opens_its_maps_around_it(tenant_a):
    Tenant.objects.filter(pk=tenant_a.tenant.pk).update(country="GB")
    with tenant_a.use():
        make_depot(lat=51.4543, lng=-2.6021)
    client = tenant_a.browser(Role.OWNER)

    views = [opening_view(client.get(page)) for page in ("/settings/vehicles/new/", "/")]

    assert views == [{"lat": 51.4543, "lng": -2.6021, "zoom": 11}] * 2
