"""A stop with a 2,000-character note on the driver's phone (real Chromium): the note scrolls in
its box, whole, and the Delivered button stays on the screen (it was ~2,000 px further down)."""

import pytest
from django.db import connections
from django.utils import timezone
from playwright.sync_api import expect

from delivery.models import Order
from delivery.services import driver_save
from routing.tests.driver_routes import route_for_day
from tenants.accounts.models import Role
from tenants.selectors import tenant_time_zone
from tests.fixtures.browser import off_loop, page_url
from tests.fixtures.tenants import PASSWORD

pytestmark = pytest.mark.browser

NOTE = ("Leave the bouquet with the doorman; gate code 4412. " * 40)[:2000]


@pytest.fixture(autouse=True)
def _connections_closed():
    yield
    connections.close_all()


def test_a_long_note_scrolls_in_its_box_and_the_delivered_button_stays_on_screen(
    asgi_server, committed_tenant, committed_db, browser_context, shoot
):
    # given a started route whose first order carries a 2,000-character note
    world = committed_tenant("long-notes")

    def make():
        with world.use():
            driver = driver_save(driver=None, fields={}, user=world.users[Role.DRIVER])
            tz = tenant_time_zone()
            route = route_for_day(
                driver, day=timezone.localdate(timezone.now(), tz), tz=tz, status="started"
            )
            Order.objects.filter(route_id=route.pk).update(notes=NOTE, status="out_for_delivery")

    off_loop(make)
    page = browser_context(phone=True).new_page()

    # when the driver opens their route
    page.goto(page_url(asgi_server, world.host, "/login/"))
    page.get_by_label("E-mail").fill(world.users[Role.DRIVER].email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(page_url(asgi_server, world.host, "/driver/"))

    # then the whole note is there, in a box that scrolls, and Delivered is on the screen
    card = page.get_by_role("region", name="Current stop")
    note = card.locator(".notes")
    expect(note).to_have_text(f"Notes: {NOTE.strip()}")
    height, scrolled = note.evaluate("(box) => [box.clientHeight, box.scrollHeight]")
    assert height < 200 < scrolled
    expect(card.get_by_role("button", name="Delivered", exact=True)).to_be_in_viewport()
    shoot(page, "long-note")
