"""Helpers for the dispatcher's pages in Chromium: sign in through the form, and keep the browser
on our own server (map tiles and anything else outside are refused, and recorded)."""

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
