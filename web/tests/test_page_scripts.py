"""Pages load their scripts from files (ES modules for the dashboard and the driver's view) and
pass data through `json_script`: no inline script, ready for a strict Content-Security-Policy."""

import re

import pytest

from delivery.tests.factories import make_order
from tenants.accounts.models import Role

SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script>", re.S)


def scripts_of(html: str) -> list[tuple[str, str]]:
    return [(attributes.strip(), body.strip()) for attributes, body in SCRIPT.findall(html)]


def inline_code(html: str) -> list[str]:
    """Scripts with code in the page itself (a JSON data block is not code)."""
    return [
        body
        for attributes, body in scripts_of(html)
        if 'type="application/json"' not in attributes and body
    ]


@pytest.mark.parametrize(
    ("role", "path", "module"),
    [
        (Role.DISPATCHER, "/", "/static/web/dashboard/today.js"),
        (Role.DISPATCHER, "/orders/", "/static/web/dashboard/orders.js"),
        (Role.DISPATCHER, "/plan/", "/static/web/dashboard/plan.js"),
        (Role.DISPATCHER, "/live/", "/static/web/dashboard/live.js"),
        (Role.DRIVER, "/driver/", "/static/web/driver/driver.js"),
        (Role.DISPATCHER, "/orders/new/", "/static/web/dashboard/places.js"),
        (Role.ADMIN, "/settings/depots/new/", "/static/web/dashboard/places.js"),
    ],
)
def test_signed_in_pages_load_their_script_as_a_module_and_inline_none(
    tenant_a, role, path, module
):
    response = tenant_a.browser(role).get(path)

    assert response.status_code == 200
    html = response.content.decode()
    assert ('type="module" src="' + module + '"', "") in scripts_of(html)
    assert inline_code(html) == []


def test_the_tracking_page_passes_its_data_as_json_only(tenant_a):
    with tenant_a.use():
        order = make_order()

    response = tenant_a.anonymous().get(f"/t/{order.tracking_token}/")

    assert response.status_code == 200
    html = response.content.decode()
    assert inline_code(html) == []
    assert '<script id="tracking-config" type="application/json">' in html
    assert f'"socketPath": "/ws/track/{order.tracking_token}/"' in html
