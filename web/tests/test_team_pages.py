"""The owners' and admins' team and API-key pages."""

import re

from tenants.accounts.models import ApiKey, User
from tests.fixtures.tenants import PASSWORD


def test_team_page_is_for_owners_and_admins(tenant_a):
    assert tenant_a.browser("owner").get("/team/").status_code == 200
    assert tenant_a.browser("dispatcher").get("/team/").status_code == 403
    # a driver is sent to their own view, as from every dashboard page
    response = tenant_a.browser("driver").get("/team/")
    assert (response.status_code, response["Location"]) == (302, "/driver/")


def test_deactivate_from_the_team_page(tenant_a):
    driver = tenant_a.users["driver"]

    response = tenant_a.browser("owner").post(f"/team/{driver.pk}/deactivate/")

    assert response.status_code == 302
    with tenant_a.use():
        assert User.objects.get(pk=driver.pk).is_active is False
    refused = tenant_a.anonymous().post(
        "/login/", {"username": "driver@alpha.test", "password": PASSWORD}
    )
    assert b"Please enter a correct email and password." in refused.content


def test_api_keys_page_shows_a_new_key_once_and_revokes(tenant_a):
    browser = tenant_a.browser("admin")

    created = browser.post("/settings/api-keys/", {"name": "Shopify", "role": "admin"})

    secret = re.search(rb'id="created-key">(dk_[^<]+)<', created.content)
    assert secret
    assert tenant_a.api(key=secret[1].decode()).get("/api/v1/me").status_code == 200
    assert secret[1] not in browser.get("/settings/api-keys/").content
    with tenant_a.use():
        key = ApiKey.objects.get(name="Shopify")
    browser.post(f"/settings/api-keys/{key.pk}/revoke/")
    assert tenant_a.api(key=secret[1].decode()).get("/api/v1/me").status_code == 401
