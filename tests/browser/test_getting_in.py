"""Getting people in, in real Chromium: a new business's owner follows the setup checklist to
invite a driver, copies the invitation link, and the driver opens it on a phone, chooses a
password and is signed in on their route; a forgotten password is asked for from the phone; a
visitor of the public site finds their business's sign-in page. Screenshots under
test-artifacts/."""

import os
import re
import time

import pytest
from django.db import connections
from playwright.sync_api import expect

from delivery.models import Driver
from tests.browser.dispatcher import our_server_only, sign_in
from tests.fixtures.browser import page_url

pytestmark = pytest.mark.browser

NEW_PASSWORD = "nina-drives-vans-42"  # noqa: S105
WAIT_MS = 30_000


def test_a_driver_is_invited_by_link_and_signed_in_on_a_phone(
    asgi_server, celery_worker, committed_db, committed_tenant, browser_context, shoot
):
    world = committed_tenant(f"getin-{os.getpid()}")
    connections.close_all()
    port = asgi_server.port

    # the owner of a new business sees the setup checklist on Today
    office = browser_context()
    office.grant_permissions(["clipboard-read", "clipboard-write"])
    outside = our_server_only(office, port)
    admin = office.new_page()
    sign_in(admin, asgi_server, world, role="owner")
    checklist = admin.locator("#setup-checklist")
    expect(checklist).to_contain_text("0 of 6 steps done")
    shoot(admin, "setup-checklist")

    # and follows "Invite your drivers" to add one by e-mail
    checklist.get_by_role("link", name="Invite your drivers").click()
    admin.wait_for_url(re.compile(r".*/settings/drivers/new/$"))
    admin.get_by_label("New driver's e-mail").fill("nina@example.test")
    admin.get_by_label("New driver's name").fill("Nina Vans")
    admin.get_by_label("Phone").fill("+31 6 12345678")
    admin.get_by_role("button", name="Save driver").click()

    # the invitation page says where the e-mail went and offers the link and a QR code
    admin.wait_for_url(re.compile(r".*/settings/drivers/[0-9a-f-]+/invitation/$"))
    expect(admin.locator(".messages")).to_contain_text(
        "An invitation e-mail is on its way to nina@example.test"
    )
    expect(admin.locator("#invitation-email-status")).to_contain_text("nina@example.test")
    expect(admin.locator("#invitation-qr svg")).to_be_visible()
    expect(admin.get_by_role("button", name="Text the link to +31612345678")).to_be_visible()
    shoot(admin, "invitation-queued")
    admin.get_by_role("button", name="Copy link").click()
    expect(admin.locator("#copy-status")).to_have_text("Link copied.")
    link = admin.evaluate("navigator.clipboard.readText()")
    assert link == admin.locator("#invitation-link").input_value()
    assert re.fullmatch(
        rf"http://{re.escape(world.host)}:{port}/password/set/[\w-]+/[\w-]+/", link
    ), link
    # the worker sends the e-mail; the page then says when it left
    status = admin.locator("#invitation-email-status")
    deadline = time.monotonic() + WAIT_MS / 1000
    while "Invitation e-mail sent to nina@example.test on " not in status.inner_text():
        assert time.monotonic() < deadline, status.inner_text()
        admin.wait_for_timeout(500)
        admin.reload()
    shoot(admin, "invitation")

    # the driver opens the link on their phone and chooses a password
    phone_context = browser_context(phone=True)
    our_server_only(phone_context, port)
    phone = phone_context.new_page()
    phone.goto(link)
    expect(phone.get_by_role("heading", name="Choose your password")).to_be_visible()
    shoot(phone, "phone-choose-password")
    phone.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    phone.get_by_label("New password confirmation").fill(NEW_PASSWORD)
    phone.get_by_role("button", name="Set password").click()

    # and is signed in on their route, no second sign-in
    phone.wait_for_url(page_url(asgi_server, world.host, "/driver/"), timeout=WAIT_MS)
    expect(phone.locator("header.bar .brand")).to_have_text(world.tenant.name)
    expect(phone.locator("#app")).not_to_contain_text("Loading today's route", timeout=WAIT_MS)
    shoot(phone, "phone-signed-in-on-route")
    with world.use():
        driver = Driver.objects.select_related("user").get(user__email="nina@example.test")
        assert driver.user.has_usable_password()
    connections.close_all()

    # the link is spent
    again = phone_context.new_page()
    again.goto(link)
    expect(again.get_by_role("heading", name="This link has expired")).to_be_visible()

    # the owner's invitation page now says the driver is in; the checklist has ticked drivers off
    admin.reload()
    expect(admin.get_by_role("heading", name="Invitation accepted")).to_be_visible()
    admin.goto(page_url(asgi_server, world.host, "/"))
    expect(admin.locator('#setup-checklist li[data-step="drivers"]')).to_have_class("done")
    expect(admin.locator("#setup-checklist")).to_contain_text("1 of 6 steps done")
    shoot(admin, "setup-checklist-drivers-done")
    # folded, it stays folded on the next visit
    admin.locator("#setup-checklist > summary").click()
    expect(admin.locator("#setup-checklist")).not_to_have_attribute("open", "")
    admin.reload()
    expect(admin.locator("#setup-checklist")).to_be_attached()
    expect(admin.locator("#setup-checklist")).not_to_have_attribute("open", "")
    expect(admin.locator("#setup-checklist li").first).to_be_hidden()
    assert outside == []


def test_forgot_password_and_the_public_sign_in_on_a_phone(
    asgi_server, worlds, committed_db, browser_context, shoot
):
    world = worlds["a"]
    port = asgi_server.port
    context = browser_context(phone=True)
    outside = our_server_only(context, port)
    page = context.new_page()

    # the public site links to sign-in, which asks for the business and sends the user there
    page.goto(page_url(asgi_server, "localhost", "/"))
    page.get_by_role("link", name="Sign in").first.click()
    page.wait_for_url(page_url(asgi_server, "localhost", "/login/"))
    page.get_by_label("Your business's address").fill("no-such-business")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "No business uses the address “no-such-business”."
    )
    shoot(page, "public-sign-in-unknown")
    page.get_by_label("Your business's address").fill(f"https://{world.host}/orders/")
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(page_url(asgi_server, world.host, "/login/"), timeout=WAIT_MS)
    expect(page.get_by_role("heading", name=f"Sign in to {world.tenant.name}")).to_be_visible()
    shoot(page, "business-sign-in")

    # "Forgot password?" asks for the address and answers without saying whether it exists
    page.get_by_role("link", name="Forgot password?").click()
    page.wait_for_url(page_url(asgi_server, world.host, "/password/reset/"))
    page.get_by_label("Your sign-in e-mail").fill("someone@example.test")
    shoot(page, "forgot-password")
    page.get_by_role("button", name="Send me a link").click()
    page.wait_for_url(page_url(asgi_server, world.host, "/password/reset/sent/"))
    expect(page.get_by_role("heading", name="Check your e-mail")).to_be_visible()
    expect(page.locator("main")).to_contain_text(
        f"If that address belongs to an account at {world.tenant.name}"
    )
    shoot(page, "forgot-password-sent")
    assert outside == []


def test_sign_up_starts_in_the_browsers_time_zone_not_amsterdams(asgi_server, browser_context):
    # given a bakery owner in Bristol, and a headless browser that only knows UTC
    bristol = browser_context(timezone_id="Europe/London").new_page()
    server = browser_context(timezone_id="UTC").new_page()

    # when each opens the sign-up form
    for page in (bristol, server):
        page.goto(page_url(asgi_server, "localhost", "/signup/"))

    # then Bristol's starts in Europe/London; UTC is no business's zone: the default stays
    expect(bristol.get_by_label("Time zone")).to_have_value("Europe/London")
    expect(server.get_by_label("Time zone")).to_have_value("Europe/Amsterdam")

    # and a form sent back with an error keeps the zone the owner chose
    bristol.get_by_label("Time zone").select_option("America/Los_Angeles")
    bristol.get_by_role("button", name="Create business").click()
    expect(bristol.get_by_label("Business name")).to_have_attribute("aria-invalid", "true")
    expect(bristol.get_by_label("Time zone")).to_have_value("America/Los_Angeles")
