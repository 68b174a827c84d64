"""A domain error (a service's ApplicationError) reads in the business's language on its pages and
in English through its API, the API's documented contract: the message is translated when it is
raised, in the language the request runs in."""

import json

import pytest

from delivery.models import OrderStatus
from delivery.services import order_transition
from delivery.tests.factories import TEST_ACTOR, make_driver, make_order
from tenants.accounts.models import Role
from tenants.models import Tenant
from web.tests.test_pages import CSV_BAD, GOOD_ORDER, upload


def on_its_way(world):
    """A Dutch-speaking business's order that is out for delivery: no longer editable."""
    Tenant.objects.filter(pk=world.tenant.pk).update(language="nl")
    with world.use():
        driver = make_driver()
        order = make_order()
        order_transition(
            order_id=order.pk, to=OrderStatus.ASSIGNED, actor=TEST_ACTOR, driver=driver
        )
        order_transition(order_id=order.pk, to=OrderStatus.OUT_FOR_DELIVERY, actor=TEST_ACTOR)
    return order


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("nl", "Een bestelling die onderweg is, kan niet meer worden gewijzigd."),
        ("de", "Ein Auftrag mit dem Status „unterwegs“ kann nicht mehr bearbeitet werden."),
        ("en", "An order that is out for delivery cannot be edited."),
    ],
)
def test_the_edit_page_says_the_order_is_locked_in_the_business_s_language(
    tenant_a, language, message
):
    order = on_its_way(tenant_a)
    Tenant.objects.filter(pk=tenant_a.tenant.pk).update(language=language)

    response = tenant_a.browser(Role.DISPATCHER).post(f"/orders/{order.pk}/edit/", GOOD_ORDER)

    assert response.status_code == 400
    assert response.context["form"].non_field_errors() == [message]


def test_the_api_of_a_dutch_business_says_it_in_english(tenant_a):
    order = on_its_way(tenant_a)

    response = tenant_a.api().patch(
        f"/api/v1/orders/{order.pk}/",
        json.dumps({"notes": "Too late"}),
        content_type="application/json",
    )

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "order_locked"
    assert response.json()["error"]["message"] == (
        "An order that is out for delivery cannot be edited."
    )


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("nl", "Een bestelling die onderweg is, kan niet geannuleerd worden."),
        ("de", "Ein Auftrag mit dem Status „unterwegs“ kann nicht zu „storniert“ wechseln."),
        ("en", "An order that is out_for_delivery cannot become cancelled."),
    ],
)
def test_the_detail_page_refuses_a_transition_in_the_business_s_language(
    tenant_a, language, message
):
    order = on_its_way(tenant_a)
    Tenant.objects.filter(pk=tenant_a.tenant.pk).update(language=language)

    response = tenant_a.browser(Role.DISPATCHER).post(
        f"/orders/{order.pk}/transition/", {"to": "cancelled"}, follow=True
    )

    assert response.status_code == 200
    assert [str(shown) for shown in response.context["messages"]] == [message]


def test_the_import_page_reports_row_errors_in_dutch(tenant_a):
    Tenant.objects.filter(pk=tenant_a.tenant.pk).update(language="nl")

    response = tenant_a.browser(Role.DISPATCHER).post(
        "/orders/import/", {"file": upload(CSV_BAD), "date": "2026-11-27"}
    )

    assert response.status_code == 400
    assert response.context["errors"] == [
        {"row": 2, "line": 3, "column": "recipient_name", "message": "Dit veld is verplicht."},
        {
            "row": 3,
            "line": 4,
            "column": "window_end",
            "message": "tijdvenster 1: het einde moet na het begin liggen.",
        },
    ]
