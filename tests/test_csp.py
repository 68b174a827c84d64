"""Every page carries a strict Content-Security-Policy (django-csp): the browser runs only our own
script files, nothing is framed, no plugins, no <base>, images from us and the map tile host."""

import pytest

from config.settings.base import content_security_policy
from tenants.accounts.models import Role


def directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    parsed = {}
    for directive in policy.split(";"):
        name, *values = directive.split()
        parsed[name] = values
    return parsed


@pytest.mark.parametrize("path", ["/", "/plan/", "/live/", "/orders/", "/team/"])
def test_pages_carry_a_strict_policy(tenant_a, path):
    response = tenant_a.browser(Role.OWNER).get(path)

    policy = directives(response)
    assert response.status_code == 200
    assert policy["script-src"][0] == "'self'"
    assert not {"'unsafe-inline'", "'unsafe-eval'", "*"} & set(policy["script-src"])
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["default-src"] == ["'self'"]
    assert policy["connect-src"] == ["'self'", "ws://localhost:*", "ws://*.localhost:*"]


def test_the_public_tracking_page_sign_in_and_sign_up_carry_it_too(tenant_a):
    assert "base-uri 'none'" in tenant_a.anonymous().get("/login/")["Content-Security-Policy"]
    assert "object-src 'none'" in tenant_a.anonymous().get("/t/nope/")["Content-Security-Policy"]
    public = tenant_a.anonymous()
    public.defaults["HTTP_HOST"] = "localhost"
    assert "frame-ancestors 'none'" in public.get("/signup/")["Content-Security-Policy"]


def test_the_tile_host_and_secure_websockets_follow_the_settings():
    policy = content_security_policy(
        base_domain="example.com",
        site_scheme="https",
        tile_url="https://{s}.tiles.example.net/{z}/{x}/{y}.png",
    )["DIRECTIVES"]

    assert policy["img-src"] == ["'self'", "data:", "blob:", "https://*.tiles.example.net"]
    assert policy["connect-src"] == ["'self'", "wss://example.com:*", "wss://*.example.com:*"]
