"""Today's live parts in Chromium: a `driver.position` on /ws/dispatch/ puts the driver on the
map, and an `order.updated` makes the page re-fetch its numbers (htmx)."""

import time

from playwright.sync_api import expect

from routing.realtime import dispatchers_notify
from tests.browser.dispatcher import sign_in_form_submit
from tests.fixtures.browser import off_loop, page_url


def notify(tenant_id: int, message: dict) -> None:
    off_loop(dispatchers_notify, tenant_id=tenant_id, message=message)


def test_today_moves_drivers_and_refreshes_on_dispatch_messages(
    asgi_server, worlds, browser_context, shoot
):
    world = worlds["a"]
    page = browser_context().new_page()
    sign_in_form_submit(page, asgi_server, world, "dispatcher")
    page.get_by_role("heading", name=f"Today at {world.tenant.name}").wait_for()
    status = page.locator("#map-status")
    position = {
        "type": "driver.position",
        "data": {
            "driver": "3f1c2a8e-0000-4000-8000-000000000001",
            "route": None,
            "lat": 52.09,
            "lng": 5.12,
            "accuracy": 8,
            "heading": 90,
            "speed": 5.5,
            "recorded_at": "2026-11-26T09:00:00+01:00",
        },
    }

    # The socket connects after the page loads: repeat until the marker is there.
    deadline = time.monotonic() + 10
    while status.inner_text() != "1 driver sharing their position.":
        assert time.monotonic() < deadline, status.inner_text()
        notify(world.tenant.pk, position)
        time.sleep(0.3)
    assert page.locator("#today-map .leaflet-interactive").count() == 1
    shoot(page, "driver-on-map")

    with page.expect_response(
        lambda response: response.request.headers.get("hx-request") == "true"
    ) as answered:
        notify(world.tenant.pk, {"type": "order.updated", "data": {"id": "x"}})
    assert (answered.value.url, answered.value.status) == (
        page_url(asgi_server, world.host, "/"),
        200,
    )
    # (a locator, not wait_for_function: a predicate string it has to poll is eval'd in the
    # page, which the CSP refuses)
    expect(page.locator(".htmx-request, .htmx-swapping, .htmx-settling")).to_have_count(0)
    # The numbers were swapped in; the map (outside them) keeps its driver.
    assert page.locator("#today-summary .stat").count() == 7
    assert page.locator("#today-map .leaflet-interactive").count() == 1
