"""The public site's sign-in: a link from the landing page, and a page that asks which business
and sends the user to its sign-in page (an unknown address says only that)."""

import pytest
from django.test import Client

from tenants.models import Domain


def public() -> Client:
    return Client(HTTP_HOST="localhost")


def test_the_landing_page_links_to_sign_in(worlds, db):
    response = public().get("/")

    assert response.status_code == 200
    assert b'<a href="/login/" style="margin-left:auto">Sign in</a>' in response.content


def test_the_public_sign_in_page_asks_for_the_business(worlds, db):
    response = public().get("/login/")

    assert response.status_code == 200
    assert b"<h1>Sign in</h1>" in response.content
    assert b"Your business&#x27;s address" in response.content


@pytest.mark.parametrize(
    "address",
    [
        "alpha",
        " Alpha ",
        "alpha.localhost",
        "ALPHA.localhost:8000",
        "http://alpha.localhost:8000/orders/?date=2026-12-03",
        "https://alpha.localhost/",
        "alpha.localhost/login/",
    ],
)
def test_a_business_address_leads_to_its_sign_in_page(worlds, db, address):
    response = public().post("/login/", {"address": address})

    assert response.status_code == 302
    assert response["Location"] == "http://alpha.localhost/login/"


def test_a_custom_domain_leads_to_the_business(worlds, db):
    Domain.objects.create(
        domain="deliveries.bravo.example", tenant=worlds["b"].tenant, is_primary=False
    )

    response = public().post("/login/", {"address": "https://deliveries.bravo.example/"})

    assert response.status_code == 302
    # to the business's primary host, where its sign-in page lives
    assert response["Location"] == "http://bravo.localhost/login/"


@pytest.mark.parametrize(
    "address", ["ghost", "ghost.localhost", "localhost", "www.localhost", "template", "a b/c"]
)
def test_an_unknown_address_is_a_clear_error(worlds, db, address):
    response = public().post("/login/", {"address": address})

    assert response.status_code == 400
    assert "No business uses the address “" in response.content.decode()
    assert "Check the spelling" in response.content.decode()


def test_an_empty_address_is_required(worlds, db):
    response = public().post("/login/", {"address": ""})

    assert response.status_code == 400
    assert b"This field is required." in response.content


def test_look_ups_are_rate_limited_per_client_address(worlds, db, settings):
    settings.BUSINESS_LOOKUP_RATE_LIMIT_PER_HOUR = 2
    client = public()
    client.post("/login/", {"address": "ghost1"})
    client.post("/login/", {"address": "alpha"})

    refused = client.post("/login/", {"address": "alpha"})

    assert refused.status_code == 429
    assert b"Too many business look-ups" in refused.content


@pytest.mark.parametrize("address", ["al\x00pha", "x" * 301, "bäckerei", "http://", "://:/"])
def test_odd_input_is_a_400_never_a_500(worlds, db, address):
    response = public().post("/login/", {"address": address})

    assert response.status_code == 400
