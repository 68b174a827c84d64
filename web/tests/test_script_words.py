"""The words and conventions of the pages' scripts: Django's JavaScript catalog from our own host
(in the business's language, the address naming it), and the driver's phone told the business's
clock, order of day and month and zone."""

import json
import re

from tenants.accounts.models import Role
from tenants.models import Tenant


def catalog(client, path: str) -> dict:
    response = client.get(path)
    assert response.status_code == 200
    assert response["Content-Type"] == 'text/javascript; charset="utf-8"'
    body = response.content.decode()
    found = re.search(r"const newcatalog = (\{.*?\});\n", body, re.S)
    return json.loads(found.group(1))


def test_the_catalog_has_the_driver_s_words_in_dutch_and_german(tenant_a):
    client = tenant_a.anonymous()

    dutch = catalog(client, "/jsi18n/nl/")
    german = catalog(client, "/jsi18n/de/")

    assert dutch["Start route"] == "Route starten"
    assert dutch["%(count)s stop"] == ["%(count)s stop", "%(count)s stops"]
    assert german["Start route"] == "Tour starten"
    assert german["%(count)s action waiting"] == [
        "%(count)s Aktion wartet",
        "%(count)s Aktionen warten",
    ]


def test_the_catalog_in_english_has_no_translations_and_an_unknown_language_is_a_404(tenant_a):
    client = tenant_a.anonymous()

    english = client.get("/jsi18n/en/")
    assert english.status_code == 200
    assert "const newcatalog" not in english.content.decode()  # the words as written
    assert client.get("/jsi18n/fr/").status_code == 404
    assert client.get("/jsi18n/NL/").status_code == 404


def test_the_catalog_is_served_on_the_public_site_too(db, client, settings):
    response = client.get("/jsi18n/en/", HTTP_HOST=settings.BASE_DOMAIN)

    assert response.status_code == 200
    assert response["Content-Type"] == 'text/javascript; charset="utf-8"'


def test_pages_load_the_catalog_of_the_business_s_language_before_their_modules(tenant_a):
    Tenant.objects.filter(pk=tenant_a.tenant.pk).update(language="nl")

    dashboard = tenant_a.browser(Role.DISPATCHER).get("/plan/").content.decode()
    phone = tenant_a.browser(Role.DRIVER).get("/driver/").content.decode()

    # (deferred scripts and modules run in the document's order, after it is read)
    dashboard_tag = '<script src="/jsi18n/nl/" defer></script>'
    assert dashboard.index(dashboard_tag) < dashboard.index('src="/static/web/dashboard/plan.js"')
    phone_tag = '<script src="/jsi18n/nl/"></script>'
    assert phone.index(phone_tag) < phone.index('src="/static/web/driver/driver.js"')
    assert '<html lang="nl">' in phone


def test_the_driver_s_phone_is_told_the_business_s_conventions(tenant_a):
    Tenant.objects.filter(pk=tenant_a.tenant.pk).update(
        country="US", clock="auto", time_zone="America/Chicago"
    )

    response = tenant_a.browser(Role.DRIVER).get("/driver/")

    config = json.loads(
        re.search(
            r'<script id="driver-config" type="application/json">(.*?)</script>',
            response.content.decode(),
            re.S,
        ).group(1)
    )
    assert {key: config[key] for key in ("locale", "hour12", "timeZone", "monthFirst")} == {
        "locale": "en-US",
        "hour12": True,
        "timeZone": "America/Chicago",
        "monthFirst": True,
    }


def test_the_phone_keeps_the_catalog_of_the_business_s_language_for_dead_spots(tenant_a):
    Tenant.objects.filter(pk=tenant_a.tenant.pk).update(language="de")

    body = tenant_a.anonymous().get("/driver/sw.js").content.decode()

    assert '"/static/leaflet/leaflet.js", "/jsi18n/de/"];' in body
