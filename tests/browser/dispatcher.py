"""Helpers for the dispatcher's pages in Chromium: sign in through the form, and keep the browser
on our own server (map tiles and anything else outside are refused, and recorded)."""

import pytest
from django.db import connections

from tests.fixtures.browser import page_url
from tests.fixtures.tenants import PASSWORD


def local_only(context, server, host: str) -> list[str]:
    """Abort every request that leaves the live server; returns the list of refused URLs."""
    refused: list[str] = []
    prefix = f"http://{host}:{server.port}/"

    def handle(route):
        if route.request.url.startswith(prefix):
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort()

    context.route("**/*", handle)
    return refused


def sign_in(page, server, world, role: str = "dispatcher", then: str = "/") -> None:
    page.goto(page_url(server, world.host, f"/login/?next={then}"))
    page.get_by_label("E-mail").fill(world.users[role].email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(page_url(server, world.host, then) + "*")


@pytest.fixture
def own_connections_closed():
    """Name it first among a test's fixtures, so that it is torn down last. Playwright's sync API
    runs an event loop in the test's thread, so Django gives the ORM calls made while the browser
    is open a database connection of their own (asgiref's Local sees an async context); nothing
    closes it, and the session could not drop the test database. Closes it after the test and
    after `committed_tenant` has dropped its business."""
    yield
    connections.close_all()
