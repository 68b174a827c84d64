"""The recipient on their phone, in real Chromium: they leave delivery instructions from the
tracking link and the driver reads them on the stop card; after a failed attempt they read what
happened and pick a new delivery day."""

import pytest
from django.db import connections
from django.utils import timezone
from playwright.sync_api import expect

from delivery.models import Order, OrderEvent
from delivery.services import driver_save, order_transition
from delivery.tests.factories import TEST_ACTOR, make_driver, make_order
from routing.tests.driver_routes import route_for_day
from tenants.accounts.models import Role
from tenants.locale import business_locale, day_text
from tenants.selectors import tenant_time_zone
from tests.browser.dispatcher import local_only, sign_in
from tests.fixtures.browser import off_loop, page_url

pytestmark = pytest.mark.browser

INSTRUCTIONS = "Gate code 4711 <b>#</b>, or leave it with the neighbour at no. 5"


@pytest.fixture(autouse=True)
def _connections_closed():
    yield
    connections.close_all()


def test_a_recipient_s_instructions_reach_the_driver_s_stop_card(
    asgi_server, committed_tenant, committed_db, browser_context, shoot
):
    # given a driver's dispatched route of today with the recipient's order on it
    world = committed_tenant("rcp-instructions")

    def arrange():
        with world.use():
            driver = driver_save(driver=None, fields={}, user=world.users[Role.DRIVER])
            today = timezone.localdate(timezone.now(), tenant_time_zone())
            route = route_for_day(driver, day=today, tz=tenant_time_zone(), count=1)
            return Order.objects.get(route_id=route.pk)

    order = off_loop(arrange)

    # when the recipient opens their link on a phone and leaves instructions
    recipient = browser_context(phone=True)
    outside = local_only(recipient, asgi_server, world.host)
    page = recipient.new_page()
    page.goto(page_url(asgi_server, world.host, f"/t/{order.tracking_token}/"))
    expect(page.locator("#status")).to_have_text("Scheduled")
    page.get_by_label("A gate code, where to leave it, a neighbour who can take it:").fill(
        INSTRUCTIONS
    )
    shoot(page, "recipient-writes-instructions")
    page.get_by_role("button", name="Save instructions").click()

    # then the page thanks them and keeps what they wrote
    expect(page.locator("#done")).to_have_text("Thank you: your instructions are with your driver.")
    expect(page.locator("#instructions")).to_have_value(INSTRUCTIONS)
    shoot(page, "recipient-instructions-saved")
    assert outside == []

    # when the driver opens their phone
    phone = browser_context(phone=True)
    phone.route("https://tile.openstreetmap.org/**", lambda route: route.abort())
    driver_page = phone.new_page()
    sign_in(driver_page, asgi_server, world, role=Role.DRIVER, then="/driver/")

    # then the stop card shows the recipient's words, as text
    card = driver_page.get_by_role("region", name="Current stop")
    expect(card.locator(".instructions")).to_have_text(f"From the recipient: {INSTRUCTIONS}")
    assert card.locator(".instructions b").count() == 0
    shoot(driver_page, "driver-card-with-instructions")

    def recorded():
        with world.use():
            return list(
                OrderEvent.objects.filter(order_id=order.pk, kind="instructions").values_list(
                    "note", "actor_label"
                )
            )

    assert off_loop(recorded) == [(INSTRUCTIONS, "recipient (tracking page)")]


def test_a_recipient_of_a_failed_delivery_picks_a_new_day(
    asgi_server, committed_tenant, committed_db, browser_context, shoot
):
    # given a delivery that failed today because nobody was home
    world = committed_tenant("rcp-new-day")

    def arrange():
        with world.use():
            today = timezone.localdate(timezone.now(), tenant_time_zone())
            driver = make_driver(email="mia.jansen@example.test")
            order = make_order(recipient_name="Ada Recipient", delivery_date=today)
            order_transition(order_id=order.pk, to="assigned", actor=TEST_ACTOR, driver=driver)
            order_transition(order_id=order.pk, to="out_for_delivery", actor=TEST_ACTOR)
            order_transition(order_id=order.pk, to="failed", actor=TEST_ACTOR, reason="not_home")
            order.refresh_from_db()
            return order, today

    order, today = off_loop(arrange)

    # when the recipient opens their link
    context = browser_context(phone=True)
    outside = local_only(context, asgi_server, world.host)
    page = context.new_page()
    page.goto(page_url(asgi_server, world.host, f"/t/{order.tracking_token}/"))

    # then they read what happened in plain words and the days they may choose
    expect(page.locator("#status")).to_have_text("Not delivered")
    expect(page.locator("#failure")).to_contain_text(", but nobody was home.")
    choices = page.locator("input[name='delivery_date']")
    expect(choices).to_have_count(5)
    shoot(page, "failed-what-now")

    # when they pick the second day offered
    chosen = choices.nth(1).get_attribute("value")
    choices.nth(1).check()
    page.get_by_role("button", name="Deliver on this day").click()

    # then the page confirms the day, and the order waits for planning on it
    chosen_day = timezone.datetime.fromisoformat(chosen).date()

    def day_in_words():
        with world.use():
            return day_text(chosen_day, business_locale(world.tenant))

    expect(page.locator("#done")).to_have_text(
        f"Thank you: your delivery is now planned for {off_loop(day_in_words)}."
    )
    expect(page.locator("#status")).to_have_text("Scheduled")
    shoot(page, "new-day-chosen")

    def stored():
        with world.use():
            moved = Order.objects.get(pk=order.pk)
            return moved.delivery_date, moved.status

    assert off_loop(stored) == (chosen_day, "unassigned")
    assert chosen_day > today
    assert outside == []


def test_the_owner_chooses_the_language_and_clock_recipients_then_read(
    asgi_server, committed_tenant, committed_db, browser_context, shoot
):
    # given a business and one of its orders, on its way
    world = committed_tenant("rcp-settings")

    def arrange():
        with world.use():
            driver = make_driver(email="mia.jansen@example.test")
            order = make_order(recipient_name="Ada Recipient")
            order_transition(order_id=order.pk, to="assigned", actor=TEST_ACTOR, driver=driver)
            order_transition(order_id=order.pk, to="out_for_delivery", actor=TEST_ACTOR)
            order.refresh_from_db()
            return order

    order = off_loop(arrange)
    context = browser_context()
    page = context.new_page()
    sign_in(page, asgi_server, world, role=Role.OWNER, then="/settings/business/")

    # when the owner picks German and the 12-hour clock
    page.get_by_label("Language").select_option("de")
    page.get_by_label("Times").select_option("12")
    shoot(page, "business-settings")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(page_url(asgi_server, world.host, "/settings/business/"))

    # then the recipient's page reads German, with the business's clock for its scripts
    recipient = browser_context(phone=True)
    local_only(recipient, asgi_server, world.host)
    tracking = recipient.new_page()
    tracking.goto(page_url(asgi_server, world.host, f"/t/{order.tracking_token}/"))
    expect(tracking.locator("#status")).to_have_text("Unterwegs")
    expect(tracking.locator("#driver")).to_have_text("Van bringt Ihre Bestellung.")
    expect(tracking.locator("#live")).to_have_text("Live: Diese Seite aktualisiert sich selbst.")
    assert tracking.locator("html").get_attribute("lang") == "de"
    shoot(tracking, "tracking-page-in-german")
