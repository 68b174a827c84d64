"""Helpers for the dispatcher's pages in Chromium: sign in through the form, and keep the browser
on our own server (map tiles and anything else outside are refused, and recorded)."""

import re

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


def our_server_only(target, port: int) -> list[str]:
    """Keep a browser context or page on the live server, on any of its hosts: outside requests
    (map tiles included: pages must cope) are refused and listed, and redirects to a host
    without the server's port (tenant_url in tests, as after a sign-up) get it."""
    outside: list[str] = []

    def handle(route):
        url = route.request.url
        if re.match(rf"^http://([a-z0-9-]+\.)?localhost:{port}/", url):
            return route.continue_()
        if re.match(r"^http://([a-z0-9-]+\.)?localhost/", url):
            fixed = re.sub(r"localhost/", f"localhost:{port}/", url, count=1)
            return route.fulfill(status=302, headers={"Location": fixed})
        outside.append(url)
        return route.abort()

    target.route("**/*", handle)
    return outside


def sign_in_form_submit(page, server, world, role: str, *, path: str = "/login/") -> None:
    """Open the sign-in page at `path` and send `role`'s e-mail and password (without a `next`,
    the user lands on their role's home); the caller waits for what it expects next."""
    page.goto(page_url(server, world.host, path))
    page.get_by_label("E-mail").fill(world.users[role].email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def sign_in(page, server, world, role: str = "dispatcher", then: str = "/") -> None:
    sign_in_form_submit(page, server, world, role, path=f"/login/?next={then}")
    page.wait_for_url(page_url(server, world.host, then) + "*")
