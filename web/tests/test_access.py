"""The one page guard (web.access.page_view) on every kind of page: visitors sign in first and
come back, each role lands on its own side of the app, a wrong role gets the 403 page, and the
page runs in the business's time zone."""

from zoneinfo import ZoneInfo

import pytest
from django.http import HttpResponse
from django.test import RequestFactory
from django.utils import timezone

from tenants.accounts.models import Role
from web.access import MANAGERS, page_view

# One page of each kind of guard: operations, settings (owners/admins), the driver's view.
OPERATIONS_PAGE = "/orders/?status=delivered"
SETTINGS_PAGES = ["/settings/drivers/", "/settings/notifications/", "/team/"]
DRIVER_PAGE = "/driver/"


@pytest.mark.parametrize("path", [OPERATIONS_PAGE, *SETTINGS_PAGES, DRIVER_PAGE])
def test_a_visitor_signs_in_first_and_comes_back_to_the_page(tenant_a, path):
    response = tenant_a.anonymous().get(path)

    assert response.status_code == 302
    assert response["Location"] == "/login/?next=" + path.replace("?", "%3F").replace("=", "%3D")


@pytest.mark.parametrize("path", [OPERATIONS_PAGE, *SETTINGS_PAGES])
def test_a_driver_is_sent_to_their_own_view_from_every_dashboard_page(tenant_a, path):
    response = tenant_a.browser(Role.DRIVER).get(path)

    assert (response.status_code, response["Location"]) == (302, "/driver/")


@pytest.mark.parametrize("path", SETTINGS_PAGES)
def test_a_dispatcher_gets_the_403_page_on_the_settings_pages(tenant_a, path):
    response = tenant_a.browser(Role.DISPATCHER).get(path)

    assert response.status_code == 403
    assert "Your role does not allow this page." in response.content.decode()


@pytest.mark.parametrize("role", [Role.OWNER, Role.ADMIN, Role.DISPATCHER])
def test_the_office_roles_are_sent_from_the_driver_view_to_the_dashboard(tenant_a, role):
    response = tenant_a.browser(role).get(DRIVER_PAGE)

    assert (response.status_code, response["Location"]) == (302, "/")


def test_the_page_runs_in_the_business_time_zone_and_the_request_after_it_does_not(tenant_a):
    seen = []

    @page_view(roles=MANAGERS)
    def page(request):
        seen.append(timezone.get_current_timezone())
        return HttpResponse("ok")

    request = RequestFactory().get("/settings/anything/")
    with tenant_a.use():
        request.user = tenant_a.users[Role.ADMIN]
        response = page(request)

    assert response.status_code == 200
    assert seen == [ZoneInfo("Europe/Amsterdam")]
    assert timezone.get_current_timezone_name() == "UTC"
