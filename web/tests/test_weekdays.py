"""Week days on the business's pages (depot and driver settings, customers, standing orders,
rounds) in its language and its week's order: Monday first in Europe, Sunday first in the US."""

import re

from delivery.customers.tests.factories import make_customer
from delivery.tests.factories import make_driver
from tenants.accounts.models import Role
from tenants.models import Tenant

HOURS = {"start": "08:00", "end": "17:00"}


def boxes(html: str, name: str) -> list[tuple[str, str]]:
    """The (value, label) of the checkboxes named `name`, in the page's order."""
    return re.findall(
        rf'<input type="checkbox" name="{name}" value="(\w+)"[^>]*>\s*([^<]+?)\s*</label>', html
    )


def test_a_dutch_business_ticks_its_depot_s_days_in_dutch_from_monday(tenant_a):
    Tenant.objects.filter(pk=tenant_a.tenant.pk).update(country="NL", language="nl")

    html = tenant_a.browser(Role.ADMIN).get("/settings/depots/new/").content.decode()

    assert boxes(html, "days") == [
        ("mon", "ma"),
        ("tue", "di"),
        ("wed", "wo"),
        ("thu", "do"),
        ("fri", "vr"),
        ("sat", "za"),
        ("sun", "zo"),
    ]


def test_a_us_business_sees_its_week_from_sunday(tenant_a):
    Tenant.objects.filter(pk=tenant_a.tenant.pk).update(country="US", language="en")

    html = tenant_a.browser(Role.ADMIN).get("/settings/drivers/new/").content.decode()

    assert [label for _value, label in boxes(html, "days")] == [
        "Sun",
        "Mon",
        "Tue",
        "Wed",
        "Thu",
        "Fri",
        "Sat",
    ]


def test_the_drivers_list_names_their_working_days_in_the_business_s_language(tenant_a):
    Tenant.objects.filter(pk=tenant_a.tenant.pk).update(country="DE", language="de")
    with tenant_a.use():
        make_driver(shifts={"sun": HOURS, "fri": HOURS, "mon": HOURS})

    html = tenant_a.browser(Role.ADMIN).get("/settings/drivers/").content.decode()

    assert '<td class="hide-phone">Mo, Fr, So</td>' in html


def test_the_drivers_list_of_a_us_business_starts_the_week_on_sunday(tenant_a):
    Tenant.objects.filter(pk=tenant_a.tenant.pk).update(country="US", language="en")
    with tenant_a.use():
        make_driver(shifts={"sun": HOURS, "fri": HOURS, "mon": HOURS})

    html = tenant_a.browser(Role.ADMIN).get("/settings/drivers/").content.decode()

    assert '<td class="hide-phone">Sun, Mon, Fri</td>' in html


def test_standing_order_and_customer_forms_name_the_days_in_the_business_s_language(tenant_a):
    Tenant.objects.filter(pk=tenant_a.tenant.pk).update(country="DE", language="de")
    with tenant_a.use():
        customer = make_customer()
    client = tenant_a.browser(Role.DISPATCHER)

    standing = client.get(f"/customers/{customer.pk}/standing-orders/new/").content.decode()
    customer_form = client.get(f"/customers/{customer.pk}/edit/").content.decode()

    german = [
        ("mon", "Montag"),
        ("tue", "Dienstag"),
        ("wed", "Mittwoch"),
        ("thu", "Donnerstag"),
        ("fri", "Freitag"),
        ("sat", "Samstag"),
        ("sun", "Sonntag"),
    ]
    assert boxes(standing, "weekdays") == german
    assert boxes(customer_form, "weekdays") == german


def test_the_rounds_page_offers_the_weekdays_in_the_business_s_week_order(tenant_a):
    Tenant.objects.filter(pk=tenant_a.tenant.pk).update(country="US", language="en")

    html = tenant_a.browser(Role.DISPATCHER).get("/customers/rounds/?weekday=6").content.decode()

    options = re.findall(r'<option value="(\d)"( selected)?>(\w+)</option>', html)
    assert options == [
        ("6", " selected", "Sunday"),
        ("0", "", "Monday"),
        ("1", "", "Tuesday"),
        ("2", "", "Wednesday"),
        ("3", "", "Thursday"),
        ("4", "", "Friday"),
        ("5", "", "Saturday"),
    ]
