"""The customer pages (list, search, form, detail with standing orders, coming deliveries,
history, proofs and messages; the CSV import) and "not this week" from the tracking page."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from delivery.customers.models import Customer, Occurrence, StandingOrder
from delivery.customers.standing import business_today
from delivery.customers.tests.factories import make_customer, make_standing_order
from delivery.models import Order, OrderStatus
from delivery.services import order_transition
from delivery.tests.factories import TEST_ACTOR, make_driver
from notifications.models import Message
from tenants.accounts.models import Role

PAGES = ["/customers/", "/customers/new/", "/customers/import/"]


@pytest.mark.parametrize("path", PAGES)
def test_drivers_are_sent_to_their_view_and_visitors_to_sign_in(tenant_a, path):
    assert tenant_a.browser(Role.DRIVER).get(path)["Location"] == "/driver/"
    assert tenant_a.anonymous().get(path)["Location"] == f"/login/?next={path}"


@pytest.mark.parametrize("role", [Role.OWNER, Role.DISPATCHER])
@pytest.mark.parametrize("path", PAGES)
def test_operations_roles_open_the_pages(tenant_a, role, path):
    assert tenant_a.browser(role).get(path).status_code == 200


def test_the_nav_links_the_customers(tenant_a):
    assert 'href="/customers/"' in tenant_a.browser(Role.DISPATCHER).get("/").content.decode()


def test_the_list_searches_by_name_phone_and_address(tenant_a):
    with tenant_a.use():
        make_customer("Anna", phones=["+31611111111"])
        make_customer("Bert", phones=["+31622222222"])
    client = tenant_a.browser(Role.DISPATCHER)

    page = client.get("/customers/?q=%2B316222").content.decode()

    assert ">Bert</a>" in page
    assert ">Anna</a>" not in page
    both = client.get("/customers/?q=keizersgracht").content.decode()
    assert ">Bert</a>" in both and ">Anna</a>" in both


def test_a_customer_is_created_from_the_form(tenant_a):
    response = tenant_a.browser(Role.DISPATCHER).post(
        "/customers/new/",
        {
            "name": "Mrs Hen",
            "phones": "+31612345678, +31687654321",
            "email": "hen@example.test",
            "tags": "eggs, weekly",
            "notify_sms": "on",
            "address": "Keizersgracht 1",
            "lat": "52.3791",
            "lng": "4.889",
            "access_notes": "Gate 1234",
            "window_start": "08:00",
            "window_end": "12:00",
            "weekdays": ["thu"],
        },
    )

    with tenant_a.use():
        customer = Customer.objects.get()
        place = customer.places.get()
    assert response.status_code == 302
    assert response["Location"] == f"/customers/{customer.pk}/"
    assert (customer.phones, customer.tags, customer.notify_sms, customer.notify_email) == (
        ["+31612345678", "+31687654321"],
        ["eggs", "weekly"],
        True,
        False,
    )
    assert (place.address, place.lat, place.access_notes, place.weekdays) == (
        "Keizersgracht 1",
        52.3791,
        "Gate 1234",
        ["thu"],
    )
    assert place.time_windows == [{"start": "08:00", "end": "12:00"}]


def test_the_form_shows_the_parsers_errors_next_to_the_fields(tenant_a):
    response = tenant_a.browser(Role.DISPATCHER).post(
        "/customers/new/", {"name": "", "phones": "12", "address": "", "lat": "95", "lng": "4"}
    )

    assert response.status_code == 400
    form = response.context["form"]
    assert sorted(form.errors) == ["address", "lat", "name", "phones"]
    with tenant_a.use():
        assert Customer.objects.count() == 0


def test_editing_keeps_the_other_places(tenant_a):
    from delivery.customers.validation import PlaceInput

    with tenant_a.use():
        customer = make_customer(
            places=[PlaceInput(address="Home 1"), PlaceInput(address="Office 2")]
        )
    client = tenant_a.browser(Role.DISPATCHER)
    initial = client.get(f"/customers/{customer.pk}/edit/").context["form"].initial

    response = client.post(
        f"/customers/{customer.pk}/edit/",
        {**{k: v for k, v in initial.items() if v not in (None, False)}, "address": "Home 3"},
    )

    assert response.status_code == 302
    with tenant_a.use():
        assert [place.address for place in customer.places.all()] == ["Home 3", "Office 2"]


def test_a_standing_order_from_the_form_makes_its_orders(tenant_a):
    with tenant_a.use():
        customer = make_customer()
        place = customer.places.get()
        today = business_today()
    client = tenant_a.browser(Role.DISPATCHER)

    response = client.post(
        f"/customers/{customer.pk}/standing-orders/new/",
        {
            "place": str(place.pk),
            "interval_weeks": "1",
            "start_date": today.isoformat(),
            "items": "30",
            "window_start": "09:00",
            "window_end": "11:00",
            "notes": "30 eggs",
        },
    )

    assert response.status_code == 302, response.content
    with tenant_a.use():
        standing = StandingOrder.objects.get()
        assert standing.items == 30
        assert sorted(
            Order.objects.filter(customer=customer).values_list("delivery_date", flat=True)
        ) == [today + timedelta(weeks=week) for week in range(3)]


def test_a_bad_standing_order_is_reported_next_to_its_fields(tenant_a):
    with tenant_a.use():
        customer = make_customer()
        place = customer.places.get()
    response = tenant_a.browser(Role.DISPATCHER).post(
        f"/customers/{customer.pk}/standing-orders/new/",
        {"place": str(place.pk), "interval_weeks": "0", "start_date": "", "items": "-1"},
    )

    assert response.status_code == 400
    assert sorted(response.context["form"].errors) == ["interval_weeks", "items", "start_date"]


def test_the_detail_shows_coming_deliveries_history_proofs_and_messages(tenant_a):
    with tenant_a.use():
        today = business_today()
        customer = make_customer()
        make_standing_order(customer, today)
        delivered = Order.objects.get(delivery_date=today)
        driver = make_driver()
        order_transition(order_id=delivered.pk, to="assigned", actor=TEST_ACTOR, driver=driver)
        order_transition(order_id=delivered.pk, to="out_for_delivery", actor=TEST_ACTOR)
        order_transition(order_id=delivered.pk, to="delivered", actor=TEST_ACTOR)
        Message.objects.create(
            event_name="order.delivered",
            order_id=delivered.pk,
            channel="sms",
            to="+31612345678",
            body="Delivered!",
            status="sent",
            send_after=delivered.updated_at,
        )

    page = tenant_a.browser(Role.DISPATCHER).get(f"/customers/{customer.pk}/")

    html = page.content.decode()
    assert page.status_code == 200
    assert "1 delivered · 0 failed · 0 cancelled" in html
    next_week = (today + timedelta(weeks=1)).isoformat()
    assert f'data-date="{next_week}" data-status="unassigned"' in html
    assert f'data-date="{today.isoformat()}" data-status="delivered"' in html
    assert "to +31612345678 · Delivered · Sent" in html
    assert f'href="/orders/{delivered.pk}/"' in html


def test_skip_this_week_from_the_dashboard(tenant_a):
    with tenant_a.use():
        today = business_today()
        standing = make_standing_order(make_customer(), today)
    next_week = today + timedelta(weeks=1)

    response = tenant_a.browser(Role.DISPATCHER).post(
        f"/standing-orders/{standing.pk}/skip/", {"date": next_week.isoformat()}
    )

    assert response.status_code == 302
    with tenant_a.use():
        assert Order.objects.get(delivery_date=next_week).status == OrderStatus.CANCELLED
        occurrence = Occurrence.objects.get(date=next_week)
        assert (occurrence.status, occurrence.skip_reason) == ("skipped", "dispatcher")


def test_pause_and_resume_from_the_dashboard(tenant_a):
    with tenant_a.use():
        standing = make_standing_order(make_customer(), business_today())
    client = tenant_a.browser(Role.DISPATCHER)

    client.post(f"/standing-orders/{standing.pk}/pause/")
    with tenant_a.use():
        assert Order.objects.exclude(status=OrderStatus.CANCELLED).count() == 0
    client.post(f"/standing-orders/{standing.pk}/pause/")
    with tenant_a.use():
        assert Order.objects.exclude(status=OrderStatus.CANCELLED).count() == 3


def test_the_import_page_reports_merged_rows(tenant_a):
    with tenant_a.use():
        make_customer("Known", phones=["+31687654321"])
    upload = SimpleUploadedFile(
        "c.csv", b"name,phone,address\nNew,+31611111111,A 1\nKnown too,+31687654321,B 2\n"
    )

    response = tenant_a.browser(Role.DISPATCHER).post("/customers/import/", {"file": upload})

    html = response.content.decode()
    assert "1 new, 1 merged into known customers, 0 refused." in html
    assert "Row 2: same phone as" in html


# --- the tracking page ---------------------------------------------------------------------------


def test_the_recipient_skips_next_weeks_delivery_from_the_tracking_page(tenant_a):
    # given next week's order of a weekly standing order
    with tenant_a.use():
        today = business_today()
        make_standing_order(make_customer(), today)
        order = Order.objects.get(delivery_date=today + timedelta(weeks=1))
    client = tenant_a.anonymous()
    page = client.get(f"/t/{order.tracking_token}/").content.decode()
    assert "Not this week?" in page
    assert f'action="/t/{order.tracking_token}/skip/"' in page

    # when the recipient skips it
    response = client.post(f"/t/{order.tracking_token}/skip/")

    # then it is cancelled, the page says so and offers no skip any more
    assert response.status_code == 302
    assert response["Location"] == f"/t/{order.tracking_token}/"
    with tenant_a.use():
        order.refresh_from_db()
        assert order.status == OrderStatus.CANCELLED
        occurrence = Occurrence.objects.get(order=order)
        assert (occurrence.status, occurrence.skip_reason) == ("skipped", "recipient")
        assert order.events.last().actor_label == "recipient (tracking page)"
    after = client.get(f"/t/{order.tracking_token}/").content.decode()
    assert "Not this week?" not in after
    assert "Cancelled" in after


def test_todays_delivery_and_plain_orders_cannot_be_skipped_by_the_recipient(tenant_a):
    with tenant_a.use():
        today = business_today()
        make_standing_order(make_customer(), today)
        todays = Order.objects.get(delivery_date=today)
    client = tenant_a.anonymous()

    assert "Not this week?" not in client.get(f"/t/{todays.tracking_token}/").content.decode()
    client.post(f"/t/{todays.tracking_token}/skip/")

    with tenant_a.use():
        todays.refresh_from_db()
        assert todays.status == OrderStatus.UNASSIGNED
    assert client.post("/t/not-a-real-token-at-all-0000000/skip/").status_code == 404
    assert client.get(f"/t/{todays.tracking_token}/skip/").status_code == 405
