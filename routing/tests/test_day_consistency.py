"""Nothing is lost between screens (issue 12): a driver with routes is not deleted, a manual
assignment puts the order on the driver's route, an order that leaves a route leaves its stops,
counts and times too."""

import json

from delivery.models import Driver
from delivery.tests.factories import make_driver
from routing.models import Route
from routing.tests.test_services import make_route


def send(client, method: str, path: str, body=None):
    return getattr(client, method)(path, data=json.dumps(body), content_type="application/json")


# --- defect 9: DELETE of a driver with routes ------------------------------------------------


def test_deleting_a_driver_with_routes_is_refused_with_the_reason(tenant_a):
    # given a driver with a route
    with tenant_a.use():
        driver = make_driver()
        make_route(driver)
    # when
    response = tenant_a.api().delete(f"/api/v1/drivers/{driver.pk}/")
    # then 409 naming what holds the driver, and nothing changed
    assert response.status_code == 409
    assert response.json() == {
        "error": {
            "code": "in_use",
            "message": "This driver cannot be deleted: 1 route still refers to it. "
            "Deactivate the driver instead (is_active false).",
            "fields": {},
        }
    }
    with tenant_a.use():
        assert Driver.objects.filter(pk=driver.pk).count() == 1
        assert Route.objects.filter(driver=driver).count() == 1
    # and deactivating, the documented way, works
    deactivated = send(
        tenant_a.api(), "patch", f"/api/v1/drivers/{driver.pk}/", {"is_active": False}
    )
    assert deactivated.status_code == 200, deactivated.content
    assert deactivated.json()["is_active"] is False
