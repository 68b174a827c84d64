"""A new business sets itself up in real Chromium: sign up on the public site → land on the
business's dashboard → add a depot, a vehicle and a driver in the settings → import orders from
a CSV file (a bad file first: the per-row errors are shown and nothing is imported; then a good
one) → the orders are in the list → plan the day (on the real Celery worker) → the route on the
map → dispatch it. Screenshots of every step under test-artifacts/."""

import os
import re
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from django.db import connections
from django.utils import timezone
from django_tenants.utils import schema_context
from playwright.sync_api import expect

from delivery.models import Depot, Driver, Order, Vehicle
from routing.models import Route
from tenants.models import Tenant
from tenants.services import tenant_delete
from tests.browser.dispatcher import our_server_only
from tests.fixtures.browser import page_url


def _next_tuesday() -> date:
    """A Tuesday at least two days ahead (the driver works Mon–Wed; planning needs a future day)."""
    ahead = timezone.now().astimezone(ZoneInfo("Europe/Amsterdam")).date() + timedelta(days=2)
    return ahead + timedelta(days=(1 - ahead.weekday()) % 7)


DAY = _next_tuesday().isoformat()
BAD_CSV = (
    "external_id,recipient_name,address,lat,lng,delivery_date,window_start,window_end\n"
    f"EGG-1,Ann Appel,Oudegracht 10 Utrecht,52.0907,5.1214,{DAY},09:00,11:00\n"
    f"EGG-2,,Nobelstraat 5 Utrecht,52.0890,5.1250,{DAY},09:00,11:00\n"
)
GOOD_CSV = (
    "external_id,recipient_name,address,lat,lng,delivery_date,window_start,window_end,items\n"
    f"EGG-1,Ann Appel,Oudegracht 10 Utrecht,52.0907,5.1214,{DAY},09:00,11:00,2\n"
    f"EGG-2,Bob Boer,Nobelstraat 5 Utrecht,52.0890,5.1250,{DAY},09:00,11:00,1\n"
    f"EGG-3,Cor Kip,Biltstraat 20 Utrecht,52.0950,5.1300,{DAY},13:00,15:00,3\n"
)


def _cleanup(slug: str) -> None:
    tenant = Tenant.objects.filter(slug=slug).first()
    if tenant is not None:
        tenant_delete(tenant=tenant)
    # This test's ORM calls ran beside Playwright's event loop, on a connection of their own:
    # close it, or the test database cannot be dropped at the end of the run.
    connections.close_all()


def test_a_new_business_signs_up_sets_up_its_fleet_imports_plans_and_dispatches(
    asgi_server, celery_worker, committed_db, browser_context, shoot, tmp_path
):
    slug = f"eggs-{os.getpid()}"
    page = browser_context().new_page()
    outside = our_server_only(page, asgi_server.port)
    try:
        # the public site
        page.goto(page_url(asgi_server, "localhost", "/"))
        shoot(page, "landing")
        page.get_by_role("link", name="Start your business").click()
        page.get_by_label("Business name").fill("Eggcellent Farm")
        page.get_by_label("Address", exact=True).fill(slug)
        page.get_by_label("Your name").fill("Erin Egg")
        page.get_by_label("Your e-mail").fill("erin@eggcellent.test")
        page.get_by_label("Password").fill("a-long-browser-password-1")
        page.get_by_label("Country").select_option("NL")
        shoot(page, "signup-filled")
        page.get_by_role("button", name="Create business").click()

        # lands signed in on the new business
        page.wait_for_url(re.compile(rf"^http://{slug}\.localhost:{asgi_server.port}/$"))
        page.get_by_role("heading", name="Today at Eggcellent Farm").wait_for()
        shoot(page, "today")

        # a depot
        page.get_by_text("Settings", exact=True).click()
        page.get_by_role("link", name="Depots").first.click()
        page.get_by_role("link", name="Add a depot").click()
        page.get_by_label("Name").fill("Farm shop")
        page.get_by_label("Address").fill("Biltstraat 160, Utrecht")
        page.get_by_label("Latitude").fill("52.0968")
        page.get_by_label("Longitude").fill("5.1385")
        for day in ("Mon", "Tue", "Wed", "Thu", "Fri"):
            page.get_by_label(day).check()
        page.get_by_label("From").fill("06:00")
        page.get_by_label("Until").fill("18:00")
        shoot(page, "depot-form")
        page.get_by_role("button", name="Save depot").click()
        page.get_by_role("cell", name="Farm shop").wait_for()
        shoot(page, "depots")

        # a vehicle
        page.goto(page_url(asgi_server, f"{slug}.localhost", "/settings/vehicles/"))
        page.get_by_role("link", name="Add a vehicle").click()
        page.get_by_label("Name").fill("Egg van")
        page.get_by_label("Fuel").select_option("electric")
        page.get_by_label("Depot").select_option(label="Farm shop")
        page.get_by_label("Capacity (items)").fill("120")
        page.get_by_label("Skills").fill("Fragile")
        page.get_by_role("button", name="Save vehicle").click()
        page.get_by_role("cell", name=re.compile("Egg van")).wait_for()
        shoot(page, "vehicles")

        # a driver, invited by e-mail
        page.goto(page_url(asgi_server, f"{slug}.localhost", "/settings/drivers/"))
        page.get_by_role("link", name="Add a driver").click()
        page.get_by_label("New driver's e-mail").fill("dirk@eggcellent.test")
        page.get_by_label("New driver's name").fill("Dirk Driver")
        page.get_by_label("Phone").fill("06 12345678")
        page.get_by_label("Vehicle").select_option(label="Egg van")
        for day in ("Mon", "Tue", "Wed"):
            page.get_by_label(day).check()
        page.get_by_label("Shift from").fill("08:00")
        page.get_by_label("Shift until").fill("16:00")
        shoot(page, "driver-form")
        page.get_by_role("button", name="Save driver").click()
        # the driver's invitation: where the e-mail went, the link and QR code to share
        page.get_by_role("heading", name="Get Dirk Driver signed in").wait_for()
        shoot(page, "driver-invitation")
        page.get_by_role("link", name="All drivers").click()
        page.get_by_role("link", name="Dirk Driver").wait_for()
        shoot(page, "drivers")

        # a CSV with a bad row: nothing imported, the row's problem shown
        bad = tmp_path / "bad.csv"
        bad.write_text(BAD_CSV)
        page.get_by_role("link", name="Orders", exact=True).click()
        page.get_by_role("link", name="Import CSV").click()
        page.get_by_label("CSV file").set_input_files(str(bad))
        page.get_by_role("button", name="Import").click()
        errors = page.locator("#row-errors tbody tr")
        errors.first.wait_for()
        assert errors.all_inner_texts() == ["2\t3\trecipient_name\tThis field is required."]
        assert page.get_by_role("heading", name="Nothing was imported").is_visible()
        shoot(page, "import-errors")

        # the corrected file
        good = tmp_path / "good.csv"
        good.write_text(GOOD_CSV)
        page.get_by_label("CSV file").set_input_files(str(good))
        page.get_by_role("button", name="Import").click()
        page.get_by_role("heading", name="3 orders imported").wait_for()
        shoot(page, "imported")

        # the orders are in the list
        page.get_by_role("link", name="See the orders").click()
        rows = page.locator("table.table tbody tr")
        rows.first.wait_for()
        names = [row.locator("td").nth(1).inner_text() for row in rows.all()]
        assert sorted(names) == ["Ann Appel", "Bob Boer", "Cor Kip"]
        shoot(page, "orders")

        # an order's page, and the list on a phone-sized screen
        page.get_by_role("link", name="Bob Boer").click()
        page.get_by_role("heading", name="Timeline").wait_for()
        shoot(page, "order-detail")
        page.set_viewport_size({"width": 390, "height": 844})
        page.goto(page_url(asgi_server, f"{slug}.localhost", "/orders/"))
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        shoot(page, "orders-phone")

        # plan the day on the worker, see the route on the map, dispatch it
        page.set_viewport_size({"width": 1280, "height": 1600})
        page.goto(page_url(asgi_server, f"{slug}.localhost", f"/plan/?date={DAY}"))
        page.get_by_role("button", name="Plan", exact=True).click()
        expect(page.locator("#plan-progress")).to_have_attribute(
            "data-status", "succeeded", timeout=90_000
        )
        expect(page.locator("article.route")).to_have_count(1)
        expect(page.locator("#plan-map .stop-marker")).to_have_count(3)
        expect(page.locator("#plan-map .depot-marker")).to_have_count(1)
        expect(page.locator("#plan-map path.route-line")).to_have_count(1)
        expect(page.locator("article.route h3")).to_have_text("Dirk Driver")
        shoot(page, "planned")
        page.get_by_role("button", name="Dispatch all planned routes").click()
        expect(page.locator("article.route .route-head .badge")).to_have_text("dispatched")
        shoot(page, "dispatched")

        tenant = Tenant.objects.get(slug=slug)
        with schema_context(tenant.schema_name):
            assert list(Depot.objects.values_list("name", "opening_hours__mon")) == [
                ("Farm shop", [{"start": "06:00", "end": "18:00"}])
            ]
            assert list(
                Vehicle.objects.values_list("name", "fuel", "capacity_items", "skills")
            ) == [("Egg van", "electric", 120, ["fragile"])]
            driver = Driver.objects.select_related("user", "default_vehicle").get()
            assert (driver.user.email, driver.phone, driver.default_vehicle.name) == (
                "dirk@eggcellent.test",
                "+31612345678",
                "Egg van",
            )
            assert sorted(Order.objects.values_list("external_id", "status")) == [
                ("EGG-1", "assigned"),
                ("EGG-2", "assigned"),
                ("EGG-3", "assigned"),
            ]
            route = Route.objects.select_related("driver__user").get()
            assert (route.status, route.driver.user.email, route.stops.count()) == (
                "dispatched",
                "dirk@eggcellent.test",
                3,
            )
        assert all("localhost" not in url for url in outside), outside
    finally:
        _cleanup(slug)
