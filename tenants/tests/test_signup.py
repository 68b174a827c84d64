"""Public site: landing page and sign-up, which creates the business and signs the owner in."""

import re

import pytest
from django.db import connection
from django.test import Client
from django_tenants.utils import schema_exists

from tenants.models import Domain, Tenant
from tenants.services import tenant_delete

VALID = {
    "name": "Eggcellent Farm",
    "slug": "eggcellent",
    "owner_name": "Erin",
    "owner_email": "erin@eggcellent.test",
    "owner_password": "seven-thousand-eggs",
    "time_zone": "Europe/Amsterdam",
}


@pytest.fixture
def public():
    return Client(HTTP_HOST="localhost")


def test_landing_page(public, worlds, db):
    response = public.get("/")

    assert response.status_code == 200
    assert b"Start your business" in response.content


def test_sign_up_creates_the_business_and_signs_the_owner_in(public, worlds, django_db_blocker):
    # sign-up commits a schema, so this test cleans up after itself
    with django_db_blocker.unblock():
        try:
            # when
            response = public.post("/signup/", VALID)

            # then the browser is sent to the new host with a one-time sign-in link
            assert response.status_code == 302
            match = re.fullmatch(
                r"http://eggcellent\.localhost/login/token/([^/]+)/", response["Location"]
            )
            assert match, response["Location"]
            tenant = Tenant.objects.get(slug="eggcellent")
            assert (tenant.name, tenant.schema_name, tenant.time_zone) == (
                "Eggcellent Farm",
                "t_eggcellent",
                "Europe/Amsterdam",
            )
            assert Domain.objects.get(tenant=tenant).domain == "eggcellent.localhost"

            # and following the link on the new host signs the owner in, once
            owner_browser = Client(HTTP_HOST="eggcellent.localhost")
            landed = owner_browser.get(f"/login/token/{match[1]}/")
            assert landed.status_code == 302
            assert landed["Location"] == "/"
            dashboard = owner_browser.get("/")
            assert dashboard.status_code == 200
            assert b"Signed in as erin@eggcellent.test (owner)" in dashboard.content
            again = Client(HTTP_HOST="eggcellent.localhost").get(f"/login/token/{match[1]}/")
            assert again.status_code == 400
            assert b"This sign-in link was already used." in again.content
        finally:
            connection.set_schema_to_public()
            for tenant in Tenant.objects.filter(slug="eggcellent"):
                tenant_delete(tenant=tenant)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"slug": "alpha"}, "slug", "“alpha” is already taken. Choose another address."),
        ({"slug": "www"}, "slug", "“www” is reserved. Choose another address."),
        ({"slug": "api"}, "slug", "“api” is reserved. Choose another address."),
        ({"slug": "admin"}, "slug", "“admin” is reserved. Choose another address."),
        (
            {"slug": "Egg_Farm!"},
            "slug",
            "Use 3–40 characters: lowercase letters, digits and hyphens, starting with a letter "
            "and not ending with a hyphen.",
        ),
        (
            {"slug": "ab"},
            "slug",
            "Use 3–40 characters: lowercase letters, digits and hyphens, starting with a letter "
            "and not ending with a hyphen.",
        ),
        ({"owner_password": "password1"}, "owner_password", "This password is too common."),
        (
            {"owner_password": "short"},
            "owner_password",
            "This password is too short. It must contain at least 10 characters.",
        ),
        ({"owner_email": "not-an-email"}, "owner_email", "Enter a valid email address."),
    ],
)
def test_bad_sign_up_input_is_refused_and_creates_nothing(
    public, worlds, db, changes, field, message
):
    schemas_before = list(Tenant.objects.values_list("schema_name", flat=True))

    response = public.post("/signup/", {**VALID, **changes})

    assert response.status_code == 400
    assert message in response.context["form"].errors[field]
    assert list(Tenant.objects.values_list("schema_name", flat=True)) == schemas_before
    assert not schema_exists("t_eggcellent")


def test_an_expired_or_forged_sign_in_link_is_refused(tenant_a):
    response = tenant_a.anonymous().get("/login/token/forged:token/")

    assert response.status_code == 400
    assert b"This sign-in link is invalid or has expired." in response.content


def test_the_country_is_kept_and_checked(public, worlds, db):
    bad = public.post("/signup/", {**VALID, "country": "XX"})

    assert bad.status_code == 400
    assert (
        "Select a valid choice. XX is not one of the available choices."
        in (bad.context["form"].errors["country"])
    )


def test_the_country_reads_national_phone_numbers(worlds, django_db_blocker):
    from tenants.services import tenant_create

    with django_db_blocker.unblock():
        try:
            provisioned = tenant_create(
                slug="dutch-eggs",
                name="Dutch Eggs",
                owner_email="o@dutch.test",
                owner_password="seven-thousand-eggs",
                country="nl",
            )
            assert provisioned.tenant.country == "NL"
        finally:
            connection.set_schema_to_public()
            for tenant in Tenant.objects.filter(slug="dutch-eggs"):
                tenant_delete(tenant=tenant)
