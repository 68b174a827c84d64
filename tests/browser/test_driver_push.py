"""The driver's phone learns of the dispatcher's changes by push (issue 12): an order assigned to
the driver through the API appears on the open driver page within seconds, without a reload and
without the poll (set to an hour here)."""

import time as clock

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from delivery.models import Order
from delivery.services import driver_save
from delivery.tests.factories import make_order
from routing.tests.driver_routes import route_for_day
from tenants.accounts.models import Role
from tenants.selectors import tenant_time_zone
from tests.browser.dispatcher import sign_in_form_submit
from tests.browser.test_driver import database
from tests.fixtures.browser import off_loop, page_url

pytestmark = pytest.mark.browser

PUSH_TIMEOUT_MS = 15_000  # generous: two busy cores; the poll would take an hour
EVERY_DAY = {
    day: {"start": "00:00", "end": "23:59"}
    for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
}
AN_HOUR_MS = 3_600_000


def _driver_with_route_and_a_new_order(world):
    def make():
        with world.use():
            fields = {"shifts": EVERY_DAY, "start_lat": 52.3738, "start_lng": 4.8910}
            driver = driver_save(driver=None, fields=fields, user=world.users[Role.DRIVER])
            today = timezone.localdate(timezone.now(), tenant_time_zone())
            route = route_for_day(driver, day=today, tz=tenant_time_zone(), count=2)
            order = make_order(
                external_id="pushed",
                recipient_name="Pushed Recipient",
                delivery_date=today,
                location=(52.3715, 4.89),
            )
            return driver, route, order

    return off_loop(make)


def _slow_poll(route):
    """The driver page as served, with its poll interval set to an hour."""
    response = route.fetch()
    body = response.text()
    assert '"refresh_ms": 30000' in body
    route.fulfill(
        response=response, body=body.replace('"refresh_ms": 30000', f'"refresh_ms": {AN_HOUR_MS}')
    )


def test_an_order_assigned_by_the_dispatcher_appears_on_the_open_phone(
    asgi_server, committed_tenant, committed_db, browser_context, shoot
):
    # given a driver's phone open on their dispatched route of two stops, polling only hourly
    world = committed_tenant("drive-push")
    driver, route, order = _driver_with_route_and_a_new_order(world)
    context = browser_context(phone=True, service_workers="block")
    context.route("https://tile.openstreetmap.org/**", lambda request: request.abort())
    context.route("**/driver/", _slow_poll)
    reads = []
    context.on(
        "request",
        lambda request: reads.append(clock.monotonic()) if "/driver/data/" in request.url else None,
    )
    page = context.new_page()
    sign_in_form_submit(page, asgi_server, world, Role.DRIVER)
    page.wait_for_url(page_url(asgi_server, world.host, "/driver/"))
    expect(page.locator("body")).to_have_attribute("data-push", "open", timeout=PUSH_TIMEOUT_MS)
    page.get_by_role("button", name="List").click()
    stops = page.locator(".stop-item")
    expect(stops).to_have_count(2)
    expect(page.get_by_text("Pushed Recipient")).to_have_count(0)
    shoot(page, "before")

    # when the dispatcher assigns the new order to the driver through the API
    assigned_at = clock.monotonic()
    answer = asgi_server.request(
        "post",
        world.host,
        f"/api/v1/orders/{order.pk}/transition",
        json={"to": "assigned", "driver": str(driver.pk)},
        headers={"Authorization": f"Bearer {world.dispatcher_key}"},
    )
    assert answer.status_code == 200, answer.text

    # then it appears on the phone within seconds, without a reload
    expect(page.get_by_text("Pushed Recipient")).to_be_visible(timeout=PUSH_TIMEOUT_MS)
    expect(stops).to_have_count(3)
    shoot(page, "after-push")
    assert [moment for moment in reads if moment >= assigned_at], "no re-read after the push"
    assert page.evaluate("() => performance.getEntriesByType('navigation').length") == 1
    with database(world):
        assert Order.objects.get(pk=order.pk).route_id == route.pk
