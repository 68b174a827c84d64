"""Stored script injection, in real Chromium: a name, an address and a note that carry markup are
shown as text on every page that shows them (the dashboard's pages, the driver's view, the public
tracking page), never run; and no page of ours trips its own Content-Security-Policy."""

import pytest
from django.db import connections
from django.utils import timezone

from delivery.models import Depot, Order
from delivery.services import driver_save
from routing.tests.driver_routes import route_for_day
from tenants.accounts.models import Role
from tenants.selectors import tenant_time_zone
from tests.browser.dispatcher import sign_in
from tests.fixtures.browser import off_loop, page_url

pytestmark = pytest.mark.browser

# No spaces: the driver's first name (all the tracking page shows of them) is the whole payload.
PAYLOAD = "</script><script>window.__injected=1</script><img/src=x/onerror=window.__injected=2>"
WATCH = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(event.violatedDirective + " " + event.blockedURI);
});
"""


def world_with_markup(committed_tenant):
    world = committed_tenant("markup")

    def make():
        with world.use():
            user = world.users[Role.DRIVER]
            user.full_name = PAYLOAD
            user.save(update_fields=["full_name"])
            Depot.objects.create(name=PAYLOAD, address=PAYLOAD, lat=52.3738, lng=4.8910)
            driver = driver_save(driver=None, fields={}, user=user)
            today = timezone.localdate(timezone.now(), tenant_time_zone())
            route = route_for_day(driver, day=today, tz=tenant_time_zone(), count=2)
            Order.objects.filter(route_id=route.pk).update(
                recipient_name=PAYLOAD, address=PAYLOAD, notes=PAYLOAD
            )
            return Order.objects.filter(route_id=route.pk).order_by("sequence")[0].tracking_token

    token = off_loop(make)
    connections.close_all()
    return world, token


def assert_nothing_ran(page, path: str) -> None:
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(300)
    assert page.evaluate("() => window.__injected") is None, path
    assert page.evaluate("() => window.__violations") == [], path


def test_markup_in_names_never_runs_on_any_page(
    asgi_server, committed_db, committed_tenant, browser_context
):
    world, token = world_with_markup(committed_tenant)
    dialogs: list[str] = []

    # the dispatcher's pages
    office = browser_context()
    office.add_init_script(WATCH)
    page = office.new_page()
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    sign_in(page, asgi_server, world, role="dispatcher", then="/")
    for path in ("/", "/plan/", "/live/", "/orders/", "/settings/depots/", "/team/"):
        page.goto(page_url(asgi_server, world.host, path))
        assert_nothing_ran(page, path)
        if path == "/plan/":
            # Leaflet's tooltips take HTML: hovering a stop shows its text, runs nothing
            page.locator(".stop-marker").first.hover()
            page.wait_for_timeout(300)
            assert_nothing_ran(page, "/plan/ tooltip")
    page.goto(page_url(asgi_server, world.host, "/orders/"))
    assert PAYLOAD in page.locator("main").inner_text()

    # the driver's view
    phone = browser_context(phone=True)
    phone.add_init_script(WATCH)
    driver_page = phone.new_page()
    driver_page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    sign_in(driver_page, asgi_server, world, role=Role.DRIVER, then="/driver/")
    assert_nothing_ran(driver_page, "/driver/")
    assert PAYLOAD in driver_page.locator("body").inner_text()

    # the public tracking page, as a recipient
    public = browser_context(phone=True)
    public.add_init_script(WATCH)
    tracking = public.new_page()
    tracking.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    tracking.goto(page_url(asgi_server, world.host, f"/t/{token}/"))
    assert_nothing_ran(tracking, "/t/<token>/")

    assert dialogs == []
