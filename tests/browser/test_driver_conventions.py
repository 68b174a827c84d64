"""The driver's phone in real Chromium writes times as the business does and speaks its language:
a US business (12-hour clock) sees "2:30 PM", a UK one "14:30", a Dutch one reads Dutch."""

from datetime import datetime, timedelta

import pytest
from django.db import connections
from django.utils import timezone
from playwright.sync_api import expect

from delivery.models import Order
from delivery.services import driver_save
from routing.tests.driver_routes import route_for_day
from tenants.accounts.models import Role
from tenants.models import Tenant
from tenants.selectors import tenant_time_zone
from tests.fixtures.browser import off_loop, page_url
from tests.fixtures.tenants import PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _connections_closed():
    yield
    connections.close_all()


def driver_with_a_stop_at_half_past_two(world):
    """A dispatched route of today whose first stop's window is 14:30–15:30 in the business's
    zone."""

    def make():
        with world.use():
            driver = driver_save(driver=None, fields={}, user=world.users[Role.DRIVER])
            tz = tenant_time_zone()
            today = timezone.localdate(timezone.now(), tz)
            route = route_for_day(driver, day=today, tz=tz, count=1)
            start = datetime.combine(today, datetime.min.time(), tzinfo=tz).replace(
                hour=14, minute=30
            )
            window = {
                "start": start.isoformat(),
                "end": (start + timedelta(hours=1)).isoformat(),
            }
            Order.objects.filter(route_id=route.pk).update(time_windows=[window])
            return route

    return off_loop(make)


def business_set(world, **conventions):
    off_loop(lambda: Tenant.objects.filter(pk=world.tenant.pk).update(**conventions))


def test_the_driver_s_phone_follows_the_business_s_clock_and_language(
    asgi_server, committed_tenant, committed_db, browser_context, shoot
):
    # given a US business (12-hour clock) and its driver with a stop due 14:30–15:30
    world = committed_tenant("drive-conventions")
    business_set(world, country="US", clock="auto", language="en")
    driver_with_a_stop_at_half_past_two(world)
    context = browser_context(phone=True)
    context.route("https://tile.openstreetmap.org/**", lambda route: route.abort())
    page = context.new_page()
    page.goto(page_url(asgi_server, world.host, "/login/"))
    page.get_by_label("E-mail").fill(world.users[Role.DRIVER].email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(page_url(asgi_server, world.host, "/driver/"))

    # then the phone reads a 12-hour clock
    card = page.get_by_role("region", name="Current stop")
    expect(card.locator(".window")).to_have_text("Time window 2:30 PM–3:30 PM")
    shoot(page, "us-12-hour")

    # when the business is a UK one
    business_set(world, country="GB")
    page.reload()

    # then it reads 24 hours
    expect(card.locator(".window")).to_have_text("Time window 14:30–15:30")
    shoot(page, "uk-24-hour")

    # when the business is a Dutch one
    business_set(world, country="NL", language="nl")
    page.reload()

    # then the phone speaks Dutch
    card = page.get_by_role("region", name="Huidige stop")
    expect(card.locator(".window")).to_have_text("Tijdvak 14:30–15:30")
    expect(card.locator("h1")).to_have_text("Recipient 1")
    expect(page.get_by_role("button", name="Route starten")).to_be_visible()
    expect(page.locator(".summary")).to_have_text(
        "Driver · 1 stop · 0 klaar · route klaar om te starten"
    )
    assert page.evaluate("document.documentElement.lang") == "nl"
    shoot(page, "dutch")
