"""Orders from Shopify attach to customers: the shop's customer id, a phone or an e-mail names
the same customer every time; a new address becomes another of their places."""

import pytest

from delivery.customers.models import Customer
from delivery.models import Order
from delivery.shopify import shopify_connection_create
from delivery.tests.test_shopify import SECRET, SHOP, payload, post_webhook


@pytest.fixture
def shop(tenant_a):
    with tenant_a.use():
        return shopify_connection_create(shop_domain=SHOP, webhook_secret=SECRET)


def test_shopify_orders_of_one_shopper_attach_to_one_customer(tenant_a, shop):
    # given a first order of a shopper
    assert post_webhook(tenant_a, payload(), webhook_id="w-1").status_code == 200

    # when the same shopper orders again, to another address
    second = payload(name="#1002", order_number=1002)
    second["shipping_address"] = {**second["shipping_address"], "address1": "Herengracht 5"}
    assert post_webhook(tenant_a, second, webhook_id="w-2").status_code == 200

    # then both orders are the same customer's, at two places
    with tenant_a.use():
        customer = Customer.objects.get()
        assert (customer.external_id, customer.name, customer.email, customer.tags) == (
            "shopify:7069440819417",
            "Ada Lovelace",
            "ada.lovelace@example.com",
            ["shopify"],
        )
        assert customer.phones == ["+31612345678"]
        places = list(customer.places.values_list("address", flat=True))
        assert places == [
            "Prinsengracht 263, 2nd floor, 1016 GV Amsterdam, Netherlands",
            "Herengracht 5, 2nd floor, 1016 GV Amsterdam, Netherlands",
        ]
        orders = Order.objects.order_by("external_id")
        assert [(order.external_id, order.customer_id) for order in orders] == [
            ("#1001", customer.pk),
            ("#1002", customer.pk),
        ]
        assert orders[1].customer_place.address.startswith("Herengracht 5")


def test_a_shopper_with_a_known_phone_is_that_customer(tenant_a, shop):
    from delivery.customers.tests.factories import make_customer

    with tenant_a.use():
        known = make_customer("Ada L.", phones=["+31612345678"], email="")
    guest = payload(customer=None)

    assert post_webhook(tenant_a, guest, webhook_id="w-3").status_code == 200

    with tenant_a.use():
        assert Customer.objects.count() == 1
        assert Order.objects.get().customer_id == known.pk
