"""The dispatcher dashboard's pages (Django test client): permissions, forms and their errors,
bulk actions, the CSV import report, the order detail, fleet settings."""

from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from delivery.models import Depot, Driver, Order, OrderEvent, OrderStatus, Vehicle
from delivery.services import driver_save, order_transition
from delivery.tests.factories import TEST_ACTOR, make_depot, make_driver, make_order, make_vehicle
from delivery.tests.test_lifecycle import ON_SHIFT
from tenants.accounts.models import Role, User
from tenants.models import Tenant
from tenants.selectors import tenant_time_zone

DAY = date(2026, 11, 27)
OPERATIONS = [Role.OWNER, Role.ADMIN, Role.DISPATCHER]
OPERATIONS_PAGES = ["/", "/orders/", "/orders/new/", "/orders/import/", "/reports/"]
SETTINGS_PAGES = ["/settings/depots/", "/settings/vehicles/", "/settings/drivers/"]


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


# --- access -----------------------------------------------------------------------------------


@pytest.mark.parametrize("path", OPERATIONS_PAGES + SETTINGS_PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(tenant_a, path):
    response = tenant_a.anonymous().get(path)

    assert response.status_code == 302
    assert response["Location"] == f"/login/?next={path}"


@pytest.mark.parametrize("path", OPERATIONS_PAGES + SETTINGS_PAGES)
def test_drivers_are_sent_to_their_own_view(tenant_a, path):
    response = tenant_a.browser(Role.DRIVER).get(path)

    assert response.status_code == 302
    assert response["Location"] == "/driver/"


@pytest.mark.parametrize("role", OPERATIONS)
@pytest.mark.parametrize("path", OPERATIONS_PAGES)
def test_operations_roles_open_the_operational_pages(tenant_a, role, path):
    response = tenant_a.browser(role).get(path)

    assert response.status_code == 200
    assert tenant_a.tenant.name.encode() in response.content


@pytest.mark.parametrize("path", SETTINGS_PAGES)
def test_a_dispatcher_may_not_open_the_settings(tenant_a, path):
    assert tenant_a.browser(Role.DISPATCHER).get(path).status_code == 403


@pytest.mark.parametrize("role", [Role.OWNER, Role.ADMIN])
@pytest.mark.parametrize("path", SETTINGS_PAGES)
def test_owners_and_admins_open_the_settings(tenant_a, role, path):
    assert tenant_a.browser(role).get(path).status_code == 200


def test_the_header_shows_the_business_name_logo_and_nav_by_role(tenant_a):
    Tenant.objects.filter(pk=tenant_a.tenant.pk).update(
        logo_url="https://cdn.example.test/logo.png"
    )

    owner = tenant_a.browser(Role.OWNER).get("/").content.decode()
    dispatcher = tenant_a.browser(Role.DISPATCHER).get("/").content.decode()

    assert '<img class="logo" src="https://cdn.example.test/logo.png"' in owner
    assert "<span>Business ALPHA</span>" in owner
    for link in ("/orders/", "/plan/", "/live/", "/reports/", "/settings/webhooks/"):
        assert f'href="{link}"' in owner
    assert 'href="/settings/depots/"' not in dispatcher
    assert 'href="/plan/"' in dispatcher


def test_another_business_order_is_not_found(tenant_a, tenant_b):
    with tenant_b.use():
        theirs = make_order()

    response = tenant_a.browser(Role.DISPATCHER).get(f"/orders/{theirs.pk}/")

    assert response.status_code == 404


# --- Today ------------------------------------------------------------------------------------


def test_today_counts_orders_by_status_and_lists_routes_drivers_and_late_stops(tenant_a):
    with tenant_a.use():
        tz = tenant_time_zone()
        now = timezone.now().astimezone(tz)
        today = now.date()
        weekday = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")[today.weekday()]
        driver = make_driver(shifts={weekday: {"start": "00:00", "end": "23:59"}})
        make_driver(email="off@example.test", shifts={})
        make_order(delivery_date=today)
        make_order(delivery_date=today)
        late = make_order(
            delivery_date=today,
            recipient_name="Late Larry",
            time_windows=[
                {
                    "start": today.isoformat()
                    + "T00:00:00"
                    + now.strftime("%z")[:3]
                    + ":"
                    + now.strftime("%z")[3:],
                    "end": (now - timedelta(minutes=1)).isoformat(),
                }
            ],
        )
        order_transition(order_id=late.pk, to=OrderStatus.ASSIGNED, actor=TEST_ACTOR, driver=driver)
        make_order(delivery_date=today + timedelta(days=1))

    response = tenant_a.browser(Role.DISPATCHER).get("/")

    assert response.status_code == 200
    statuses = {value: n for value, _, n in response.context["statuses"]}
    assert statuses == {
        "unassigned": 2,
        "assigned": 1,
        "out_for_delivery": 0,
        "delivered": 0,
        "failed": 0,
        "cancelled": 0,
    }
    assert response.context["total"] == 3
    assert [str(d) for d in response.context["drivers"]] == ["Van Driver"]
    assert [o.recipient_name for o in response.context["late"]] == ["Late Larry"]
    assert b"Signed in as dispatcher@alpha.test (dispatcher)" in response.content


def test_a_us_business_reads_today_s_date_and_shifts_as_it_writes_them(tenant_a):
    # given a US business and a driver working 08:00–18:00 today
    Tenant.objects.filter(pk=tenant_a.tenant.pk).update(country="US", clock="auto")
    with tenant_a.use():
        today = timezone.localdate(timezone.now(), tenant_time_zone())
        weekday = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")[today.weekday()]
        make_driver(shifts={weekday: {"start": "08:00", "end": "18:00"}})

    # when the dispatcher opens Today
    html = tenant_a.browser(Role.DISPATCHER).get("/").content.decode()

    # then the day puts the month first and the shift is on the 12-hour clock
    assert f"{today:%A, %B} {today.day} · Signed in as dispatcher@alpha.test" in html
    assert '<span class="muted small">8:00 AM–6:00 PM</span>' in html


# --- orders list ------------------------------------------------------------------------------


def test_the_list_searches_filters_and_paginates(tenant_a):
    with tenant_a.use():
        for n in range(52):
            make_order(recipient_name=f"Customer {n:02d}", external_id=f"EXT-{n:02d}")
        make_order(
            recipient_name="Zed Zebra",
            address="Oudegracht 1, Utrecht",
            delivery_date=DAY + timedelta(days=1),
        )
    client = tenant_a.browser(Role.DISPATCHER)

    first = client.get("/orders/")
    second = client.get("/orders/?page=2")
    search = client.get("/orders/?q=oudegracht")
    by_ref = client.get("/orders/?q=ext-07")
    by_date = client.get(f"/orders/?date={DAY + timedelta(days=1)}")
    by_status = client.get("/orders/?status=cancelled")

    assert first.context["page"].paginator.count == 53
    assert [o.recipient_name for o in first.context["page"]][:2] == ["Zed Zebra", "Customer 51"]
    assert len(first.context["page"]) == 50
    assert [o.recipient_name for o in second.context["page"]] == [
        "Customer 02",
        "Customer 01",
        "Customer 00",
    ]
    assert [o.recipient_name for o in search.context["page"]] == ["Zed Zebra"]
    assert [o.recipient_name for o in by_ref.context["page"]] == ["Customer 07"]
    assert [o.recipient_name for o in by_date.context["page"]] == ["Zed Zebra"]
    assert by_status.context["page"].paginator.count == 0
    assert b'href="?page=2" rel="next"' in first.content
    assert b'href="/api/v1/orders/export?date=2026-11-28"' in by_date.content
    assert b'href="/api/v1/orders/export">Export CSV' in search.content


def test_a_bad_filter_is_reported_next_to_it(tenant_a):
    response = tenant_a.browser(Role.DISPATCHER).get("/orders/?status=lost&date=tomorrow")

    assert response.status_code == 400
    assert response.context["filters"].errors == {
        "status": ["Select a valid choice. lost is not one of the available choices."],
        "date": ["Enter a valid date."],
    }


def test_the_list_runs_a_fixed_number_of_queries_whatever_the_page_holds(
    tenant_a, django_assert_num_queries
):
    with tenant_a.use():
        driver = make_driver()
        for n in range(30):
            order = make_order(recipient_name=f"R{n}")
            order_transition(
                order_id=order.pk, to=OrderStatus.ASSIGNED, actor=TEST_ACTOR, driver=driver
            )
    client = tenant_a.browser(Role.DISPATCHER)
    client.get("/orders/")  # warm caches (content types, tenant lookups)

    # tenant by host (3: search path, domain, search path), session, user, count, the drivers
    # of the filter, the page of orders with their drivers and users, the count of orders
    # without a location: never one per row
    with django_assert_num_queries(9):
        response = client.get("/orders/")

    assert response.status_code == 200
    assert response.context["page"].paginator.count == 30


# --- create and edit --------------------------------------------------------------------------

GOOD_ORDER = {
    "recipient_name": "Grace Hopper",
    "phone": "+31612345678",
    "email": "Grace@Example.test",
    "address": "Biltstraat 1, Utrecht",
    "lat": "52,0912",
    "lng": "5.1300",
    "delivery_date": "2026-11-27",
    "window_1_start": "14:00",
    "window_1_end": "16:00",
    "window_2_start": "09:00",
    "window_2_end": "11:00",
    "service_minutes": "2.5",
    "weight_kg": "3,5",
    "volume_l": "",
    "items": "2",
    "skills": "Fridge, fragile",
    "priority": "10",
    "notes": "Ring twice",
    "external_id": "WEB-1",
}


def test_an_order_is_created_from_the_form_with_several_windows(tenant_a):
    response = tenant_a.browser(Role.DISPATCHER).post("/orders/new/", GOOD_ORDER)

    with tenant_a.use():
        order = Order.objects.get(external_id="WEB-1")
        event = OrderEvent.objects.get(order=order)
    assert response.status_code == 302
    assert response["Location"] == f"/orders/{order.pk}/"
    assert (order.recipient_name, order.recipient_phone, order.recipient_email) == (
        "Grace Hopper",
        "+31612345678",
        "grace@example.test",
    )
    assert (order.lat, order.lng, order.location_status) == (52.0912, 5.13, "provided")
    assert order.time_windows == [
        {"start": "2026-11-27T09:00:00+01:00", "end": "2026-11-27T11:00:00+01:00"},
        {"start": "2026-11-27T14:00:00+01:00", "end": "2026-11-27T16:00:00+01:00"},
    ]
    assert (order.service_seconds, str(order.weight_kg), order.items) == (150, "3.500", 2)
    assert (order.skills, order.priority, order.notes, order.source) == (
        ["fragile", "fridge"],
        10,
        "Ring twice",
        "dashboard",
    )
    assert (event.kind, event.actor_label) == ("created", "dispatcher@alpha.test")


def test_the_form_shows_the_shared_validations_errors_next_to_the_fields(tenant_a):
    bad = GOOD_ORDER | {
        "recipient_name": "",
        "phone": "12",
        "lat": "95",
        "window_1_end": "13:00",
        "window_2_start": "",
        "weight_kg": "-1",
        "priority": "101",
    }

    response = tenant_a.browser(Role.DISPATCHER).post("/orders/new/", bad)

    assert response.status_code == 400
    assert response.context["form"].errors == {"window_2_start": ["Give both a start and an end."]}
    with tenant_a.use():
        assert Order.objects.count() == 0

    response = tenant_a.browser(Role.DISPATCHER).post(
        "/orders/new/", bad | {"window_2_start": "12:00", "window_2_end": "11:00"}
    )

    assert response.status_code == 400
    assert response.context["form"].errors == {
        "recipient_name": ["This field is required."],
        "phone": ["Not a phone number. Write it with its country code, e.g. +31 6 12345678."],
        "lat": ["lat must be between -90 and 90."],
        "time_windows": ["window 1: end must be after start."],
        "weight_kg": ["Must not be negative."],
        "priority": ["Must be between 0 and 100."],
    }
    assert b'<p class="error" role="alert">lat must be between -90 and 90.</p>' in response.content


def test_a_taken_reference_is_reported_on_its_field(tenant_a):
    with tenant_a.use():
        make_order(external_id="WEB-1")

    response = tenant_a.browser(Role.DISPATCHER).post("/orders/new/", GOOD_ORDER)

    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["external_id"]


def test_an_order_is_edited_with_its_values_filled_in(tenant_a):
    with tenant_a.use():
        order = make_order(
            time_windows=[
                {"start": "2026-11-27T09:00:00+01:00", "end": "2026-11-27T10:30:00+01:00"}
            ]
        )
    client = tenant_a.browser(Role.DISPATCHER)

    page = client.get(f"/orders/{order.pk}/edit/")
    initial = page.context["form"].initial
    response = client.post(
        f"/orders/{order.pk}/edit/",
        GOOD_ORDER | {"window_2_start": "", "window_2_end": "", "external_id": ""},
    )

    assert (initial["window_1_start"], initial["window_1_end"], initial["lat"]) == (
        "09:00",
        "10:30",
        "52.3752",
    )
    assert response.status_code == 302
    with tenant_a.use():
        order.refresh_from_db()
        note = OrderEvent.objects.filter(order=order, kind="updated").get().note
    assert order.recipient_name == "Grace Hopper"
    assert order.time_windows == [
        {"start": "2026-11-27T14:00:00+01:00", "end": "2026-11-27T16:00:00+01:00"}
    ]
    assert note.startswith("Changed: address, ")


def test_an_order_on_its_way_cannot_be_edited(tenant_a):
    with tenant_a.use():
        driver = make_driver()
        order = make_order()
        order_transition(
            order_id=order.pk, to=OrderStatus.ASSIGNED, actor=TEST_ACTOR, driver=driver
        )
        order_transition(order_id=order.pk, to=OrderStatus.OUT_FOR_DELIVERY, actor=TEST_ACTOR)

    response = tenant_a.browser(Role.DISPATCHER).post(f"/orders/{order.pk}/edit/", GOOD_ORDER)

    assert response.status_code == 400
    assert response.context["form"].non_field_errors() == [
        "An order that is out for delivery cannot be edited."
    ]


# --- detail and status actions ----------------------------------------------------------------


def test_the_detail_shows_fields_actions_and_the_timeline(tenant_a):
    with tenant_a.use():
        driver = make_driver(**ON_SHIFT)  # assigning puts the order on their route of its day
        order = make_order(
            time_windows=[
                {"start": "2026-11-27T09:00:00+01:00", "end": "2026-11-27T10:30:00+01:00"}
            ]
        )
    client = tenant_a.browser(Role.DISPATCHER)

    page = client.get(f"/orders/{order.pk}/")
    assigned = client.post(
        f"/orders/{order.pk}/transition/", {"to": "assigned", "driver": str(driver.pk)}
    )
    after = client.get(f"/orders/{order.pk}/")

    assert page.context["actions"] == ["assigned", "cancelled"]
    assert page.context["windows"] == ["09:00–10:30"]
    assert assigned.status_code == 302
    assert messages_of(client.get("/orders/")) == []  # shown on the detail page already
    assert [(e.kind, e.to_status) for e in after.context["events"]] == [
        ("created", "unassigned"),
        ("status_changed", "assigned"),
    ]
    assert after.context["actions"] == ["cancelled"]
    assert b"Van Driver" in after.content


MESSAGE_NO_DRIVER = "Say which driver gets the order."


def test_a_refused_transition_says_why(tenant_a):
    with tenant_a.use():
        order = make_order()
    client = tenant_a.browser(Role.DISPATCHER)

    response = client.post(f"/orders/{order.pk}/transition/", {"to": "assigned"}, follow=True)

    assert messages_of(response) == [MESSAGE_NO_DRIVER]
    with tenant_a.use():
        assert Order.objects.get(pk=order.pk).status == "unassigned"


def test_proofs_are_shown_inline_through_the_authenticated_file_view(tenant_a, settings, tmp_path):
    from delivery.proofs import ProofUpload, proofs_add

    settings.MEDIA_ROOT = tmp_path
    png = (
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
        b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00"
        b"\x00\x00\x00IEND\xaeB`\x82"
    )
    with tenant_a.use():
        driver = driver_save(driver=None, fields={}, user=tenant_a.users["driver"])
        order = make_order()
        order_transition(
            order_id=order.pk, to=OrderStatus.ASSIGNED, actor=TEST_ACTOR, driver=driver
        )
        order_transition(order_id=order.pk, to=OrderStatus.OUT_FOR_DELIVERY, actor=TEST_ACTOR)
        proofs_add(
            order_id=order.pk,
            actor=TEST_ACTOR,
            uploads=[
                ProofUpload(
                    kind="signature",
                    file=SimpleUploadedFile("s.png", png),
                    content_type="image/png",
                )
            ],
            recipient_name="Ada",
        )
        proof = order.proofs.get()
    client = tenant_a.browser(Role.DISPATCHER)

    page = client.get(f"/orders/{order.pk}/")
    image = client.get(f"/api/v1/orders/{order.pk}/proofs/{proof.pk}/file")

    src = f'src="/api/v1/orders/{order.pk}/proofs/{proof.pk}/file"'
    assert src.encode() in page.content
    assert image.status_code == 200
    assert b"".join(image.streaming_content) == png
    assert (
        tenant_a.anonymous().get(f"/api/v1/orders/{order.pk}/proofs/{proof.pk}/file").status_code
        == 401
    )


# --- bulk actions -----------------------------------------------------------------------------


def test_bulk_cancel_cancels_what_it_can_and_says_what_it_could_not(tenant_a):
    with tenant_a.use():
        driver = make_driver()
        first, second = make_order(recipient_name="One"), make_order(recipient_name="Two")
        moving = make_order(recipient_name="Moving", external_id="M-1")
        order_transition(
            order_id=moving.pk, to=OrderStatus.ASSIGNED, actor=TEST_ACTOR, driver=driver
        )
        order_transition(order_id=moving.pk, to=OrderStatus.OUT_FOR_DELIVERY, actor=TEST_ACTOR)
    client = tenant_a.browser(Role.DISPATCHER)

    response = client.post(
        "/orders/bulk/",
        {"action": "cancel", "orders": [first.pk, second.pk, moving.pk], "next": "/orders/?q=x"},
    )
    shown = messages_of(client.get("/orders/"))

    assert response.status_code == 302
    assert response["Location"] == "/orders/?q=x"
    with tenant_a.use():
        statuses = dict(Order.objects.values_list("recipient_name", "status"))
    assert statuses == {"One": "cancelled", "Two": "cancelled", "Moving": "out_for_delivery"}
    assert shown[0] == "2 orders cancelled."
    assert shown[1].startswith("Moving (M-1): ")
    assert len(shown) == 2


def test_bulk_change_date_moves_orders_and_keeps_their_window_times(tenant_a):
    with tenant_a.use():
        order = make_order(
            time_windows=[
                {"start": "2026-11-27T09:00:00+01:00", "end": "2026-11-27T10:00:00+01:00"}
            ]
        )

    response = tenant_a.browser(Role.DISPATCHER).post(
        "/orders/bulk/", {"action": "change_date", "orders": [order.pk], "date": "2026-12-01"}
    )

    assert response.status_code == 302
    with tenant_a.use():
        order.refresh_from_db()
    assert order.delivery_date == date(2026, 12, 1)
    assert order.time_windows == [
        {"start": "2026-12-01T09:00:00+01:00", "end": "2026-12-01T10:00:00+01:00"}
    ]


def test_bulk_change_date_moves_an_order_with_a_pickup_and_both_its_windows(tenant_a):
    with tenant_a.use():
        order = make_order(
            time_windows=[
                {"start": "2026-11-27T14:00:00+01:00", "end": "2026-11-27T16:00:00+01:00"}
            ],
            pickup_address="Damrak 1, Amsterdam",
            pickup_location=(52.3738, 4.891),
            pickup_time_windows=[
                {"start": "2026-11-27T08:00:00+01:00", "end": "2026-11-27T09:00:00+01:00"}
            ],
        )

    response = tenant_a.browser(Role.DISPATCHER).post(
        "/orders/bulk/",
        {"action": "change_date", "orders": [order.pk], "date": "2026-12-01"},
        follow=True,
    )

    assert messages_of(response) == ["1 order moved."]
    with tenant_a.use():
        order.refresh_from_db()
    assert order.delivery_date == date(2026, 12, 1)
    assert order.time_windows == [
        {"start": "2026-12-01T14:00:00+01:00", "end": "2026-12-01T16:00:00+01:00"}
    ]
    assert order.pickup_time_windows == [
        {"start": "2026-12-01T08:00:00+01:00", "end": "2026-12-01T09:00:00+01:00"}
    ]


def test_bulk_change_date_needs_a_date_and_a_selection(tenant_a):
    client = tenant_a.browser(Role.DISPATCHER)

    response = client.post("/orders/bulk/", {"action": "change_date"}, follow=True)

    assert sorted(messages_of(response)) == [
        "Choose the new delivery date.",
        "Select at least one order.",
    ]


def test_bulk_replan_opens_the_plan_for_the_selections_date(tenant_a):
    with tenant_a.use():
        first, second = make_order(), make_order()
        other_day = make_order(delivery_date=DAY + timedelta(days=1))
    client = tenant_a.browser(Role.DISPATCHER)

    same = client.post("/orders/bulk/", {"action": "replan", "orders": [first.pk, second.pk]})
    mixed = client.post(
        "/orders/bulk/", {"action": "replan", "orders": [first.pk, other_day.pk]}, follow=True
    )

    assert same["Location"] == "/plan/?date=2026-11-27"
    assert messages_of(mixed) == ["Re-plan orders of one delivery date at a time."]


def test_bulk_actions_ignore_a_redirect_off_the_orders_pages(tenant_a):
    with tenant_a.use():
        order = make_order()

    response = tenant_a.browser(Role.DISPATCHER).post(
        "/orders/bulk/", {"action": "cancel", "orders": [order.pk], "next": "https://evil.test/"}
    )

    assert response["Location"] == "/orders/"


# --- CSV import -------------------------------------------------------------------------------

CSV_BAD = (
    b"external_id,recipient_name,address,lat,lng,window_start,window_end\n"
    b"A-1,Ann,Street 1,52.1,5.1,09:00,10:00\n"
    b"A-2,,Street 2,52.1,5.1,09:00,10:00\n"
    b"A-3,Cas,Street 3,52.1,5.1,11:00,10:00\n"
)


def upload(content: bytes, name: str = "orders.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/csv")


def test_an_import_with_bad_rows_writes_nothing_and_reports_each_row(tenant_a):
    response = tenant_a.browser(Role.DISPATCHER).post(
        "/orders/import/", {"file": upload(CSV_BAD), "date": "2026-11-27"}
    )

    assert response.status_code == 400
    assert response.context["errors"] == [
        {"row": 2, "line": 3, "column": "recipient_name", "message": "This field is required."},
        {
            "row": 3,
            "line": 4,
            "column": "window_end",
            "message": "window 1: end must be after start.",
        },
    ]
    assert b"Nothing was imported" in response.content
    assert b"2 rows have errors. Fix them and upload the file again" in response.content
    assert b"<td>recipient_name</td><td>This field is required.</td>" in response.content
    with tenant_a.use():
        assert Order.objects.count() == 0


def test_a_partial_import_creates_the_good_rows(tenant_a):
    response = tenant_a.browser(Role.DISPATCHER).post(
        "/orders/import/", {"file": upload(CSV_BAD), "date": "2026-11-27", "partial": "on"}
    )

    assert response.status_code == 200
    assert (len(response.context["result"].created), response.context["result"].failed) == (1, 2)
    assert b"1 order imported, 2 rows not imported" in response.content
    with tenant_a.use():
        assert list(Order.objects.values_list("external_id", "source")) == [("A-1", "import")]


def test_a_file_without_dates_and_no_date_chosen_points_at_the_date_field(tenant_a):
    # given a file without a delivery_date column, and the form's date left empty
    content = b"recipient_name,address,lat,lng\nBo,Damrak 1,52.37,4.89\n"

    response = tenant_a.browser(Role.DISPATCHER).post("/orders/import/", {"file": upload(content)})

    # then the form says so on its date field, in the form's words (not the API's ?date=)
    assert response.status_code == 400
    assert response.context["form"].errors == {
        "date": ["The file has no delivery_date column: choose the delivery date of its rows."]
    }
    with tenant_a.use():
        assert Order.objects.count() == 0


def test_a_file_that_is_not_a_csv_is_reported_on_the_file_field(tenant_a):
    response = tenant_a.browser(Role.DISPATCHER).post(
        "/orders/import/", {"file": upload(b"\x00\x01\x02binary")}
    )

    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["file"]


def test_an_import_without_a_file_says_so(tenant_a):
    response = tenant_a.browser(Role.DISPATCHER).post("/orders/import/", {})

    assert response.status_code == 400
    assert response.context["form"].errors == {"file": ["This field is required."]}


# --- fleet settings ---------------------------------------------------------------------------


def test_a_depot_is_created_edited_and_deactivated(tenant_a):
    client = tenant_a.browser(Role.ADMIN)

    created = client.post(
        "/settings/depots/new/",
        {
            "name": "Bakehouse",
            "address": "Biltstraat 160, Utrecht",
            "lat": "52.0968",
            "lng": "5,1385",
            "days": ["mon", "tue"],
            "opens": "06:00",
            "closes": "18:00",
        },
    )
    with tenant_a.use():
        depot = Depot.objects.get()
    edit = client.get(f"/settings/depots/{depot.pk}/")
    client.post(f"/settings/depots/{depot.pk}/active/")

    assert created.status_code == 302
    assert (depot.name, depot.lat, depot.lng) == ("Bakehouse", 52.0968, 5.1385)
    assert depot.opening_hours == {
        "mon": [{"start": "06:00", "end": "18:00"}],
        "tue": [{"start": "06:00", "end": "18:00"}],
    }
    assert edit.context["form"].initial["days"] == ["mon", "tue"]
    with tenant_a.use():
        assert Depot.objects.get().is_active is False


def test_depot_errors_are_shown_next_to_the_fields(tenant_a):
    response = tenant_a.browser(Role.ADMIN).post(
        "/settings/depots/new/",
        {
            "name": "",
            "address": "X",
            "lat": "0",
            "lng": "0",
            "days": ["mon"],
            "opens": "18:00",
            "closes": "06:00",
        },
    )

    assert response.status_code == 400
    assert response.context["form"].errors == {"name": ["This field is required."]}

    response = tenant_a.browser(Role.ADMIN).post(
        "/settings/depots/new/",
        {
            "name": "D",
            "address": "X",
            "lat": "0",
            "lng": "0",
            "days": ["mon"],
            "opens": "18:00",
            "closes": "06:00",
        },
    )

    assert response.context["form"].errors == {
        "lat": ["(0, 0) is in the ocean, not a delivery address."],
        "closes": ["mon: end must be after start."],
    }
    with tenant_a.use():
        assert Depot.objects.count() == 0


def test_a_vehicle_is_created_with_normalised_skills(tenant_a):
    with tenant_a.use():
        depot = make_depot()
    client = tenant_a.browser(Role.OWNER)

    response = client.post(
        "/settings/vehicles/new/",
        {
            "name": "Van 9",
            "profile": "van",
            "fuel": "electric",
            "depot": str(depot.pk),
            "capacity_weight_kg": "750",
            "capacity_volume_l": "",
            "capacity_items": "100",
            "skills_text": "Fridge, Tail Lift",
        },
    )
    bad = client.post(
        "/settings/vehicles/new/",
        {"name": "", "profile": "rocket", "fuel": "diesel", "capacity_weight_kg": "-1"},
    )

    assert response.status_code == 302
    with tenant_a.use():
        vehicle = Vehicle.objects.get()
    assert (vehicle.fuel, vehicle.skills, vehicle.capacity_items, vehicle.depot_id) == (
        "electric",
        ["fridge", "tail-lift"],
        100,
        depot.pk,
    )
    assert bad.status_code == 400
    assert sorted(bad.context["form"].errors) == ["capacity_weight_kg", "name", "profile"]


def test_a_new_vehicle_and_driver_start_on_the_businesss_only_depot(tenant_a):
    # given a business with one active depot (and an inactive one)
    with tenant_a.use():
        depot = make_depot()
        make_depot(name="Old depot", is_active=False)
        vehicle = make_vehicle()
    client = tenant_a.browser(Role.OWNER)

    # when the new vehicle and new driver forms open, and an existing vehicle's
    new_vehicle = client.get("/settings/vehicles/new/")
    new_driver = client.get("/settings/drivers/new/")
    existing = client.get(f"/settings/vehicles/{vehicle.pk}/")

    # then the new ones have that depot chosen; the existing vehicle keeps its own (none)
    assert new_vehicle.context["form"]["depot"].value() == depot.pk
    assert new_driver.context["form"]["depot"].value() == depot.pk
    assert existing.context["form"]["depot"].value() is None


def test_with_two_depots_a_new_vehicle_leaves_the_depot_to_choose(tenant_a):
    with tenant_a.use():
        make_depot()
        make_depot(name="North depot")
    client = tenant_a.browser(Role.OWNER)

    response = client.get("/settings/vehicles/new/")

    assert response.context["form"]["depot"].value() is None


def test_a_driver_is_added_by_inviting_a_new_user(tenant_a, django_capture_on_commit_callbacks):
    with tenant_a.use():
        vehicle = make_vehicle()
    client = tenant_a.browser(Role.ADMIN)

    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(
            "/settings/drivers/new/",
            {
                "email": "new.driver@alpha.test",
                "full_name": "Nina Driver",
                "phone": "+31 6 12345678",
                "default_vehicle": str(vehicle.pk),
                "days": ["mon", "fri"],
                "opens": "08:00",
                "closes": "16:30",
                "skills": "Heavy Lifting",
            },
        )

    assert response.status_code == 302
    with tenant_a.use():
        driver = Driver.objects.select_related("user").get()
    assert (driver.user.email, driver.user.role, driver.phone) == (
        "new.driver@alpha.test",
        "driver",
        "+31612345678",
    )
    assert driver.shifts == {
        "mon": {"start": "08:00", "end": "16:30"},
        "fri": {"start": "08:00", "end": "16:30"},
    }
    assert (driver.skills, driver.default_vehicle_id) == (["heavy-lifting"], vehicle.pk)
    assert driver.user.has_usable_password() is False  # invited: sets a password by e-mail
    assert len(callbacks) == 1  # the invitation e-mail, queued after commit


def test_a_driver_profile_for_an_existing_driver_user_and_errors(tenant_a):
    client = tenant_a.browser(Role.ADMIN)
    user = tenant_a.users["driver"]

    missing = client.post("/settings/drivers/new/", {"phone": "nonsense"})
    created = client.post("/settings/drivers/new/", {"user": str(user.pk)})
    taken = client.post("/settings/drivers/new/", {"email": "admin@alpha.test"})

    assert missing.status_code == 400
    assert missing.context["form"].errors == {
        "email": ["Choose an existing user or give the new driver's e-mail."]
    }
    assert created.status_code == 302
    assert taken.status_code == 400
    assert list(taken.context["form"].errors) == ["email"]
    with tenant_a.use():
        assert list(Driver.objects.values_list("user__email", flat=True)) == ["driver@alpha.test"]
        assert User.objects.filter(email="admin@alpha.test").get().role == "admin"


DRIVER_ROUTE_FIELDS = {
    "max_stops": "25",
    "max_drive_minutes": "300",
    "start_address": "Home, Utrecht",
    "start_lat": "52,09",
    "start_lng": "5.12",
    "end_address": "",
    "end_lat": "52.1",
    "end_lng": "5.2",
    "break_1_start": "12:00",
    "break_1_end": "14:00",
    "break_1_minutes": "30",
    "break_2_start": "16:00",
    "break_2_end": "16:30",
    "break_2_minutes": "15",
}


def test_a_driver_is_saved_with_places_breaks_and_route_limits(tenant_a):
    # given
    user = tenant_a.users["driver"]
    client = tenant_a.browser(Role.ADMIN)

    # when
    created = client.post("/settings/drivers/new/", {"user": str(user.pk)} | DRIVER_ROUTE_FIELDS)
    with tenant_a.use():
        driver = Driver.objects.get()
    form_page = client.get(f"/settings/drivers/{driver.pk}/")

    # then
    assert created.status_code == 302
    assert (
        driver.max_stops,
        driver.max_drive_minutes,
        driver.start_address,
        driver.start_lat,
        driver.start_lng,
        driver.end_address,
        driver.end_lat,
        driver.end_lng,
    ) == (25, 300, "Home, Utrecht", 52.09, 5.12, "", 52.1, 5.2)
    assert driver.breaks == [
        {"start": "12:00", "end": "14:00", "minutes": 30},
        {"start": "16:00", "end": "16:30", "minutes": 15},
    ]
    form = form_page.context["form"]
    assert [(legend, len(shown), len(folded)) for legend, shown, folded, _ in form.fieldsets] == [
        ("Route limits", 1, 0),
        ("Where routes start", 2, 0),
        ("Where routes end", 3, 0),
        ("Breaks, every working day", 2, 3),
    ]
    assert "<summary>Add a break</summary>" in form_page.content.decode()
    assert '<label for="id_break_5_minutes">Break 5 minutes</label>' in form_page.content.decode()
    initial = form.initial
    assert {name: initial.get(name) for name in DRIVER_ROUTE_FIELDS} == DRIVER_ROUTE_FIELDS | {
        "max_stops": 25,
        "max_drive_minutes": 300,
        "start_lat": "52.09",
    }


def test_a_driver_gets_open_routes_but_not_with_an_end_place(tenant_a):
    user = tenant_a.users["driver"]
    client = tenant_a.browser(Role.ADMIN)
    fields = {"user": str(user.pk)} | DRIVER_ROUTE_FIELDS

    refused = client.post("/settings/drivers/new/", fields | {"open_route": "on"})
    created = client.post(
        "/settings/drivers/new/", fields | {"open_route": "on", "end_lat": "", "end_lng": ""}
    )

    assert refused.status_code == 400
    assert refused.context["form"].errors["end_lat"] == [
        "An open route ends at its last stop: leave this empty."
    ]
    assert created.status_code == 302
    with tenant_a.use():
        driver = Driver.objects.get()
    assert (driver.open_route, driver.end_lat) == (True, None)


def test_a_drivers_places_breaks_and_limits_are_cleared(tenant_a):
    # given
    user = tenant_a.users["driver"]
    client = tenant_a.browser(Role.ADMIN)
    client.post("/settings/drivers/new/", {"user": str(user.pk)} | DRIVER_ROUTE_FIELDS)
    with tenant_a.use():
        driver = Driver.objects.get()

    # when
    response = client.post(f"/settings/drivers/{driver.pk}/", {"phone": ""})

    # then
    assert response.status_code == 302
    with tenant_a.use():
        driver.refresh_from_db()
    assert (
        driver.max_stops,
        driver.max_drive_minutes,
        driver.start_address,
        driver.start_lat,
        driver.end_lat,
        driver.breaks,
    ) == (None, None, "", None, None, [])


def test_driver_place_break_and_limit_errors_are_shown_next_to_the_fields(tenant_a):
    # given
    user = tenant_a.users["driver"]
    client = tenant_a.browser(Role.ADMIN)
    bad = {
        "user": str(user.pk),
        "max_stops": "0",
        "max_drive_minutes": "1441",
        "start_lat": "95",
        "start_lng": "5",
        "end_address": "Depot 2",
        "break_1_start": "14:00",
        "break_1_end": "12:00",
        "break_1_minutes": "30",
        "break_2_start": "16:00",
        "break_2_end": "16:30",
        "break_2_minutes": "500",
        "break_3_start": "17:00",
    }

    # when
    response = client.post("/settings/drivers/new/", bad)
    only_lng = client.post("/settings/drivers/new/", {"user": str(user.pk), "end_lng": "5.2"})

    # then
    assert response.status_code == 400
    assert response.context["form"].errors == {
        "max_stops": ["Ensure this value is greater than or equal to 1."],
        "max_drive_minutes": ["Ensure this value is less than or equal to 1440."],
    }
    response = client.post(
        "/settings/drivers/new/", bad | {"max_stops": "", "max_drive_minutes": ""}
    )
    assert response.status_code == 400
    assert response.context["form"].errors == {
        "start_lat": ["lat must be between -90 and 90."],
        # no coordinates: looked up from the address, and address lookup is off in tests
        "end_address": [
            "Address lookup is switched off: place the pin on the map or give the coordinates."
        ],
        "break_1_end": ["End must not be before start."],
        "break_2_minutes": ["Must be between 1 and 240."],
        "break_3_end": ["Give when the break may begin and its length."],
        "break_3_minutes": ["Give when the break may begin and its length."],
    }
    assert b'<p class="error" role="alert">Must be between 1 and 240.</p>' in response.content
    assert only_lng.status_code == 400
    assert only_lng.context["form"].errors == {"end_lat": ["Give both lat and lng."]}
    with tenant_a.use():
        assert Driver.objects.count() == 0


def test_a_driver_is_deactivated_and_reactivated(tenant_a):
    with tenant_a.use():
        driver = make_driver()
    client = tenant_a.browser(Role.ADMIN)

    client.post(f"/settings/drivers/{driver.pk}/active/")
    with tenant_a.use():
        assert Driver.objects.get().is_active is False
    client.post(f"/settings/drivers/{driver.pk}/active/")
    with tenant_a.use():
        assert Driver.objects.get().is_active is True


# --- business name and logo -------------------------------------------------------------------


def test_owners_set_the_business_name_and_logo_shown_in_the_header(tenant_a):
    client = tenant_a.browser(Role.OWNER)

    bad = client.post("/settings/business/", {"name": "A", "logo_url": "http://x.test/l.png"})
    good = client.post(
        "/settings/business/",
        {"name": "Alpha Bakery", "logo_url": "https://img.example.test/alpha.svg"},
    )
    page = client.get("/").content.decode()

    assert bad.status_code == 400
    assert bad.context["form"].errors == {
        "name": ["Give the business a name of 2–120 characters."],
    }
    assert good.status_code == 302
    assert '<img class="logo" src="https://img.example.test/alpha.svg"' in page
    assert "<span>Alpha Bakery</span>" in page
    assert tenant_a.browser(Role.DISPATCHER).get("/settings/business/").status_code == 403


def test_owners_set_the_loading_lead_time_planning_on_the_day_keeps(tenant_a):
    from tenants.models import Tenant

    client = tenant_a.browser(Role.OWNER)

    bad = client.post("/settings/business/", {"name": "Alpha", "loading_lead_minutes": "601"})
    good = client.post("/settings/business/", {"name": "Alpha", "loading_lead_minutes": "45"})
    kept = client.post("/settings/business/", {"name": "Alpha"})

    assert bad.status_code == 400
    assert bad.context["form"].errors == {
        "loading_lead_minutes": ["Ensure this value is less than or equal to 600."]
    }
    assert (good.status_code, kept.status_code) == (302, 302)
    assert Tenant.objects.get(pk=tenant_a.tenant.pk).loading_lead_minutes == 45
    assert 'name="loading_lead_minutes" value="45"' in client.get("/settings/business/").text


def test_a_logo_must_be_an_https_address(tenant_a):
    response = tenant_a.browser(Role.ADMIN).post(
        "/settings/business/", {"name": "Alpha", "logo_url": "http://x.test/l.png"}
    )

    assert response.status_code == 400
    assert response.context["form"].errors == {
        "logo_url": ["Give an https:// address of at most 500 characters, or leave it empty."]
    }


@pytest.mark.parametrize(
    "logo_url",
    [
        'https://"onerror="alert(1)',
        "https://",
        "https:// x.test/l.png",
        "https://x.test/<script>",
        "javascript:alert(1)//https://x.test",
        "https://exa mple.test/l.png",
    ],
)
def test_a_logo_must_be_a_valid_url(tenant_a, logo_url):
    response = tenant_a.browser(Role.ADMIN).post(
        "/settings/business/", {"name": "Alpha", "logo_url": logo_url}
    )

    assert response.status_code == 400
    assert response.context["form"].errors == {
        "logo_url": ["Give an https:// address of at most 500 characters, or leave it empty."]
    }
    with tenant_a.use():
        tenant_a.tenant.refresh_from_db()
    assert tenant_a.tenant.logo_url == ""


def test_today_shows_routes_with_progress_in_the_business_time_zone(tenant_a):
    from datetime import datetime

    from routing.models import Route, Stop

    with tenant_a.use():
        tz = tenant_time_zone()
        today = timezone.now().astimezone(tz).date()
        driver = make_driver()
        start = datetime(today.year, today.month, today.day, 8, 0, tzinfo=tz)
        route = Route.objects.create(
            delivery_date=today,
            driver=driver,
            status="started",
            start_lat=52.0,
            start_lng=5.0,
            planned_start=start,
            planned_end=start + timedelta(hours=4),
        )
        for sequence in (1, 2):
            order = make_order(delivery_date=today)
            order_transition(
                order_id=order.pk, to=OrderStatus.ASSIGNED, actor=TEST_ACTOR, driver=driver
            )
            Stop.objects.create(
                route=route,
                order=order,
                sequence=sequence,
                planned_arrival=start,
                planned_departure=start,
            )
        order_transition(order_id=order.pk, to=OrderStatus.OUT_FOR_DELIVERY, actor=TEST_ACTOR)
        order_transition(order_id=order.pk, to=OrderStatus.DELIVERED, actor=TEST_ACTOR)

    response = tenant_a.browser(Role.DISPATCHER).get("/")

    [shown] = response.context["routes"]
    assert (shown.stops_done, shown.stops_total) == (1, 2)
    html = response.content.decode()
    assert '<td class="num">1 / 2</td><td class="hide-phone">08:00</td>' in html


def test_an_order_is_created_with_six_windows_the_empty_rows_folded_away(tenant_a):
    # given
    client = tenant_a.browser(Role.DISPATCHER)
    windows = {
        f"window_{n}_{end}": f"{7 + n:02d}:{minute}"
        for n in range(1, 7)
        for end, minute in (("start", "00"), ("end", "30"))
    }

    # when
    form_page = client.get("/orders/new/")
    response = client.post("/orders/new/", GOOD_ORDER | windows)

    # then
    shown, folded = form_page.context["form"].windows
    assert (len(shown), len(folded)) == (2, 8)
    assert "<summary>Add a window</summary>" in form_page.content.decode()
    assert response.status_code == 302
    with tenant_a.use():
        order = Order.objects.get(external_id="WEB-1")
    assert order.time_windows == [
        {
            "start": f"2026-11-27T{7 + n:02d}:00:00+01:00",
            "end": f"2026-11-27T{7 + n:02d}:30:00+01:00",
        }
        for n in range(1, 7)
    ]
    assert order.has_pickup is False


PICKUP = {
    "pickup_address": "Farm, Utrecht",
    "pickup_lat": "52,05",
    "pickup_lng": "5.05",
    "pickup_window_1_start": "07:00",
    "pickup_window_1_end": "08:00",
    "pickup_service_minutes": "10",
}


def test_an_order_is_created_with_a_pickup(tenant_a):
    response = tenant_a.browser(Role.DISPATCHER).post("/orders/new/", GOOD_ORDER | PICKUP)

    assert response.status_code == 302
    with tenant_a.use():
        order = Order.objects.get(external_id="WEB-1")
    assert (
        order.pickup_address,
        order.pickup_lat,
        order.pickup_lng,
        order.pickup_time_windows,
        order.pickup_service_seconds,
    ) == (
        "Farm, Utrecht",
        52.05,
        5.05,
        [{"start": "2026-11-27T07:00:00+01:00", "end": "2026-11-27T08:00:00+01:00"}],
        600,
    )


def test_a_pickup_is_shown_changed_and_removed_on_the_edit_form(tenant_a):
    # given
    with tenant_a.use():
        order = make_order(
            pickup_address="Farm, Utrecht",
            pickup_location=(52.05, 5.05),
            pickup_time_windows=[
                {"start": "2026-11-27T07:00:00+01:00", "end": "2026-11-27T08:00:00+01:00"}
            ],
        )
    client = tenant_a.browser(Role.DISPATCHER)
    changed = GOOD_ORDER | {
        "external_id": "",
        "pickup_address": "Bakery, Utrecht",
        "pickup_lat": "52.1",
        "pickup_lng": "5.2",
        "pickup_window_1_start": "06:00",
        "pickup_window_1_end": "06:30",
        "pickup_window_2_start": "07:30",
        "pickup_window_2_end": "08:00",
        "pickup_service_minutes": "3",
    }

    # when
    form_page = client.get(f"/orders/{order.pk}/edit/")
    changed_response = client.post(f"/orders/{order.pk}/edit/", changed)
    with tenant_a.use():
        order.refresh_from_db()
        after_change = (
            order.pickup_address,
            order.pickup_lat,
            order.pickup_lng,
            order.pickup_time_windows,
            order.pickup_service_seconds,
        )
    removed_response = client.post(f"/orders/{order.pk}/edit/", GOOD_ORDER | {"external_id": ""})
    with tenant_a.use():
        order.refresh_from_db()

    # then
    initial = form_page.context["form"].initial
    assert {name: initial.get(name) for name in PICKUP} == {
        "pickup_address": "Farm, Utrecht",
        "pickup_lat": "52.05",
        "pickup_lng": "5.05",
        "pickup_window_1_start": "07:00",
        "pickup_window_1_end": "08:00",
        "pickup_service_minutes": "0",
    }
    assert (changed_response.status_code, removed_response.status_code) == (302, 302)
    assert after_change == (
        "Bakery, Utrecht",
        52.1,
        5.2,
        [
            {"start": "2026-11-27T06:00:00+01:00", "end": "2026-11-27T06:30:00+01:00"},
            {"start": "2026-11-27T07:30:00+01:00", "end": "2026-11-27T08:00:00+01:00"},
        ],
        180,
    )
    assert (
        order.has_pickup,
        order.pickup_address,
        order.pickup_lat,
        order.pickup_lng,
        order.pickup_time_windows,
    ) == (False, "", None, None, [])


def test_a_bad_pickup_shows_its_errors_on_its_fields(tenant_a):
    client = tenant_a.browser(Role.DISPATCHER)

    only_lat = client.post("/orders/new/", GOOD_ORDER | {"pickup_lat": "52.05"})
    no_place = client.post(
        "/orders/new/",
        GOOD_ORDER
        | {
            "pickup_address": "Farm",
            "pickup_window_1_start": "09:00",
            "pickup_window_1_end": "08:00",
            "pickup_service_minutes": "-1",
        },
    )
    bad_place = client.post("/orders/new/", GOOD_ORDER | {"pickup_lat": "95", "pickup_lng": "5.05"})

    assert (only_lat.status_code, no_place.status_code, bad_place.status_code) == (400, 400, 400)
    assert only_lat.context["form"].errors == {
        "pickup_lat": ["Give both latitude and longitude, or neither."]
    }
    assert no_place.context["form"].errors == {
        "pickup_lat": ["A pickup needs its location (lat and lng)."],
        "pickup_time_windows": ["window 1: end must be after start."],
        "pickup_service_minutes": ["Must be between 0 and 86400."],
    }
    assert bad_place.context["form"].errors == {"pickup_lat": ["lat must be between -90 and 90."]}
    assert (
        b'<p class="error" role="alert">A pickup needs its location (lat and lng).</p>'
        in no_place.content
    )
    with tenant_a.use():
        assert Order.objects.count() == 0
