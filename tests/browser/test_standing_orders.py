"""A weekly round in Chromium: the dispatcher adds a customer and a weekly standing order, sees
next week's order appear; the recipient skips that week from the tracking page; the dispatcher
sees it gone. Screenshots under test-artifacts/."""

from datetime import timedelta

from playwright.sync_api import expect

from delivery.customers.models import Customer
from delivery.customers.standing import business_today
from delivery.models import Order, OrderStatus
from tests.browser.dispatcher import local_only, sign_in
from tests.fixtures.browser import page_url


def test_a_weekly_standing_order_appears_and_the_recipient_skips_a_week(
    asgi_server, committed_db, committed_tenant, browser_context, shoot
):
    world = committed_tenant("hens")
    with world.use():
        next_week = business_today() + timedelta(weeks=1)
    context = browser_context()
    refused = local_only(context, asgi_server, world.host)
    page = context.new_page()
    sign_in(page, asgi_server, world, then="/customers/")
    shoot(page, "customers-empty")

    # a new customer
    page.get_by_role("link", name="New customer").click()
    page.get_by_label("Name", exact=True).fill("Mrs Hen")
    page.get_by_label("Phones").fill("+31612345678")
    page.get_by_label("Address", exact=True).fill("Keizersgracht 1, Amsterdam")
    page.get_by_label("Latitude").fill("52.3791")
    page.get_by_label("Longitude").fill("4.889")
    page.get_by_label("Access notes").fill("Gate 1234")
    shoot(page, "customer-form")
    page.get_by_role("button", name="Save customer").click()
    expect(page.get_by_role("heading", name="Mrs Hen", exact=True)).to_be_visible()

    # a weekly standing order from next week
    page.get_by_role("link", name="New standing order").first.click()
    page.get_by_label("First delivery").fill(next_week.isoformat())
    page.get_by_label("Items", exact=True).fill("30")
    page.get_by_label("Window from").fill("08:00")
    page.get_by_label("Window until").fill("12:00")
    page.get_by_label("Notes", exact=True).fill("30 eggs")
    shoot(page, "standing-order-form")
    page.get_by_role("button", name="Save standing order").click()

    # next week's order is there
    row = page.locator(f'#upcoming tr[data-date="{next_week.isoformat()}"]')
    expect(row).to_have_attribute("data-status", "unassigned")
    expect(row).to_contain_text("Unassigned")
    shoot(page, "next-week-appeared")
    with world.use():
        customer = Customer.objects.get(name="Mrs Hen")
        order = Order.objects.get(customer=customer, delivery_date=next_week)
        assert (order.items, order.recipient_phone) == (30, "+31612345678")
        assert order.notes == "30 eggs\nAccess: Gate 1234"

    # the recipient skips it from the tracking page (a browser of their own)
    recipient = browser_context()
    local_only(recipient, asgi_server, world.host)
    tracking = recipient.new_page()
    tracking.goto(page_url(asgi_server, world.host, f"/t/{order.tracking_token}/"))
    expect(tracking.get_by_role("heading", name="Not this week?")).to_be_visible()
    shoot(tracking, "tracking-page-skip-offered")
    tracking.get_by_role("button", name="Skip this delivery").click()
    expect(tracking.locator("#status")).to_have_text("Cancelled")
    expect(tracking.get_by_role("heading", name="Not this week?")).to_have_count(0)
    shoot(tracking, "tracking-page-skipped")

    # the dispatcher sees it gone
    page.reload()
    expect(row).to_have_attribute("data-status", "skipped")
    expect(row).to_contain_text("Skipped (not this week (recipient))")
    shoot(page, "week-skipped")
    page.goto(page_url(asgi_server, world.host, f"/orders/?date={next_week.isoformat()}"))
    expect(page.locator("table .chip")).to_have_text(["Cancelled"])
    shoot(page, "orders-of-that-day")
    with world.use():
        assert not Order.objects.filter(
            customer=customer, delivery_date=next_week, status=OrderStatus.UNASSIGNED
        ).exists()
        later = Order.objects.get(customer=customer, delivery_date=next_week + timedelta(weeks=1))
        assert later.status == OrderStatus.UNASSIGNED
    assert refused == []
