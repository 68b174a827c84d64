"""The recipient's page in real Chromium on a phone: the map works without tiles (outside requests
are blocked), the driver shows while heading here, and a delivery arrives live over the socket."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from delivery.arrival import arrival_window as eta_window
from delivery.services import order_transition
from delivery.tests.factories import TEST_ACTOR, make_driver, make_order
from tenants.realtime import send_now
from tests.browser.dispatcher import local_only
from tests.fixtures.browser import off_loop, page_url
from tracking import state
from tracking.ingest import position_sends
from tracking.services import PositionEntry, positions_store
from tracking.validation import PositionInput


@pytest.mark.browser
def test_the_tracking_page_on_a_phone_without_tiles_updates_live(
    asgi_server, committed_tenant, committed_db, browser_context, shoot
):
    # given an order out for delivery whose driver is heading to it
    world = committed_tenant("trk-browser")
    made = {}

    def arrange():
        with world.use():
            driver = make_driver(email="mia.jansen@example.test")
            order = make_order(recipient_name="Ada Recipient")
            order_transition(order_id=order.pk, to="assigned", actor=TEST_ACTOR, driver=driver)
            order_transition(order_id=order.pk, to="out_for_delivery", actor=TEST_ACTOR)
            order.refresh_from_db()
            order.eta = timezone.now() + timedelta(minutes=25)
            order.save(update_fields=["eta"])
            positions_store(
                entries=[
                    PositionEntry(
                        driver_id=driver.pk,
                        position=PositionInput(
                            lat=52.37,
                            lng=4.88,
                            accuracy=5,
                            heading=0,
                            speed=5,
                            recorded_at=timezone.now() - timedelta(seconds=2),
                        ),
                    )
                ]
            )
            state.next_stop_set(driver_id=driver.pk, order_id=order.pk, route_id=None)
            made["order"], made["driver"] = order, driver

    off_loop(arrange)
    order = made["order"]
    context = browser_context(phone=True)
    outside = local_only(context, asgi_server, world.host)
    page = context.new_page()

    # when the recipient opens their link
    page.goto(page_url(asgi_server, world.host, f"/t/{order.tracking_token}/"))

    # then status, ETA, the driver's first name and both dots show, with a map but no tiles
    page.get_by_text("Live: this page updates by itself.").wait_for()
    assert page.locator("#status").inner_text() == "Out for delivery"
    assert page.locator("#eta").is_visible()
    # in the business's time zone and conventions (24-hour), whatever Chromium's own locale
    window, local = eta_window(order.eta), ZoneInfo("Europe/Amsterdam")
    assert [page.locator(f"#eta-{key}").inner_text() for key in ("start", "end")] == [
        datetime.fromisoformat(window[key]).astimezone(local).strftime("%H:%M")
        for key in ("start", "end")
    ]
    assert page.locator("#driver").inner_text() == "Van is bringing your order."
    assert page.locator(".driver-dot").count() == 1
    assert page.locator(".home-dot").count() == 1
    assert "Van Driver" not in page.content() and "mia.jansen" not in page.content()
    shoot(page, "on-the-way")

    # when the driver moves on: a new fix stored and fanned out as the driver socket does
    before = page.locator(".driver-dot").get_attribute("style")

    def move():
        entry = PositionEntry(
            driver_id=made["driver"].pk,
            position=PositionInput(
                lat=52.3745, lng=4.8870, accuracy=5, heading=0, speed=5, recorded_at=timezone.now()
            ),
        )
        with world.use():
            stored = positions_store(entries=[entry])
        send_now(position_sends(tenant_id=world.tenant.pk, stored=stored))

    off_loop(move)

    # then the driver's dot moves on the recipient's map, without a reload
    expect(page.locator(".driver-dot")).not_to_have_attribute("style", before)
    shoot(page, "driver-moved")

    # when the driver delivers
    def deliver():
        with world.use():
            order_transition(order_id=order.pk, to="delivered", actor=TEST_ACTOR)

    off_loop(deliver)

    # then the page follows without a reload
    page.locator("#status[data-status='delivered']").wait_for()
    assert page.locator("#status").inner_text() == "Delivered"
    assert page.locator("#eta").is_hidden()
    assert page.locator(".driver-dot").count() == 0
    shoot(page, "delivered")
    assert outside == []  # tests set no MAP_TILE_URL: nothing leaves our server
