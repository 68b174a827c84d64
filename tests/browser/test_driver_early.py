"""Early deliveries in real Chromium on a phone: a stop whose window has not opened says when it
opens, marking it delivered asks the driver first (in the page), and the dispatcher's order page
then says how early it was (routing.lateness.delivered_early_minutes)."""

import math
from datetime import timedelta

import pytest
from django.db import connections
from django.utils import timezone
from playwright.sync_api import expect

from delivery.models import DeliveryAttempt, Order
from delivery.services import driver_save
from routing.tests.driver_routes import route_for_day
from tenants.accounts.models import Role
from tenants.models import Tenant
from tenants.selectors import tenant_time_zone
from tests.browser.dispatcher import sign_in
from tests.browser.test_driver import database, phone_signed_in, route_started_from_phone
from tests.fixtures.browser import off_loop, page_url

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _connections_closed():
    yield
    connections.close_all()


def driver_with_a_stop_opening_later(world, *, opens_at):
    """A dispatched route of today for the driver, its one stop's window opening at `opens_at`
    (two hours long)."""

    def make():
        with world.use():
            driver = driver_save(driver=None, fields={}, user=world.users[Role.DRIVER])
            tz = tenant_time_zone()
            route = route_for_day(
                driver, day=timezone.localdate(timezone.now(), tz), tz=tz, count=1
            )
            window = {
                "start": opens_at.astimezone(tz).isoformat(),
                "end": (opens_at + timedelta(hours=2)).astimezone(tz).isoformat(),
            }
            Order.objects.filter(route_id=route.pk).update(time_windows=[window])
            return route, Order.objects.get(route_id=route.pk), tz

    return off_loop(make)


def test_delivering_before_the_window_opens_asks_first_and_the_order_then_says_early(
    asgi_server, committed_tenant, committed_db, browser_context, shoot
):
    # given a UK business (24-hour clock) whose driver's stop opens in 1 h 30 min, by the
    # phone's clock
    world = committed_tenant("drive-early")
    off_loop(lambda: Tenant.objects.filter(pk=world.tenant.pk).update(country="GB"))
    now = timezone.now().replace(second=0, microsecond=0)
    opens_at = now + timedelta(minutes=90)
    route, order, tz = driver_with_a_stop_opening_later(world, opens_at=opens_at)
    opens_text = opens_at.astimezone(tz).strftime("%H:%M")
    context, page = phone_signed_in(browser_context, asgi_server, world)
    context.clock.set_fixed_time(now)
    page.reload()
    route_started_from_phone(page, world, route)

    # then the card says when the window opens, in the business's clock
    card = page.get_by_role("region", name="Current stop")
    expect(card.locator(".early")).to_have_text(
        f"Window opens at {opens_text} — 1 h 30 min from now"
    )
    shoot(page, "window-opens-later")

    # when the driver taps Delivered, they are asked first, in the page
    card.get_by_role("button", name="Delivered", exact=True).click()
    question = page.get_by_role("group", name="Deliver early?")
    expect(question).to_contain_text("Deliver before the window opens?")
    shoot(page, "deliver-early-question")

    # and cancelling leaves the stop as it was
    question.get_by_role("button", name="Cancel").click()
    expect(question).to_be_hidden()
    expect(card.get_by_role("button", name="Delivered", exact=True)).to_be_visible()
    with database(world):
        assert Order.objects.get(pk=order.pk).status == "out_for_delivery"
        assert DeliveryAttempt.objects.filter(order_id=order.pk).count() == 0

    # when they tap Delivered again, confirm, and complete the delivery
    card.get_by_role("button", name="Delivered", exact=True).click()
    page.get_by_role("group", name="Deliver early?").get_by_role(
        "button", name="Deliver now"
    ).click()
    page.get_by_label("Recipient name").fill("Neighbour at 12")
    page.get_by_role("button", name="Confirm delivery").click()
    expect(page.get_by_role("heading", name="All stops done")).to_be_visible(timeout=20_000)
    expect(page.locator("#waiting")).to_be_hidden(timeout=30_000)

    # then the order is delivered, before its window opened
    with database(world):
        assert Order.objects.get(pk=order.pk).status == "delivered"
        attempt = DeliveryAttempt.objects.get(order_id=order.pk)
    minutes = math.ceil((opens_at - attempt.attempted_at).total_seconds() / 60)
    assert 60 < minutes <= 90  # delivered within half an hour of the phone's "now"

    # and the dispatcher's order page says how early
    desk_context = browser_context(viewport={"width": 1280, "height": 900})
    desk_context.route("https://tile.openstreetmap.org/**", lambda route: route.abort())
    desk = desk_context.new_page()
    sign_in(desk, asgi_server, world, role=Role.DISPATCHER, then=f"/orders/{order.pk}/")
    early_text = f"Delivered {minutes // 60} h {minutes % 60} min early"
    expect(desk.locator("#delivered-early")).to_have_text(early_text)
    shoot(desk, "order-delivered-early")

    # and so does Live's list of the route's stops
    desk.goto(page_url(asgi_server, world.host, "/live/"))
    delivered_early = desk.get_by_role("list", name="Delivered early")
    expect(delivered_early.locator("li")).to_have_count(1)
    expect(delivered_early.locator(".chip.early")).to_have_text(early_text)
    shoot(desk, "live-delivered-early")
