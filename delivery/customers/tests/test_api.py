"""`/api/v1/customers/`, `/standing-orders/`, `/holidays`, customers' CSV import/export, and
orders that name a customer."""

import csv
import io
import json
from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile

from delivery.customers.models import Customer, Occurrence, StandingOrder
from delivery.customers.standing import business_today
from delivery.customers.tests.factories import make_customer, make_standing_order
from delivery.models import Order, OrderStatus
from tenants.accounts.models import Role
from tenants.models import Tenant
from tests.api import error, iso, send

CUSTOMERS = "/api/v1/customers/"
STANDING = "/api/v1/standing-orders/"
BODY = {
    "external_id": "CUS-1",
    "name": "Mrs Hen",
    "phones": ["+31 6 1234 5678"],
    "email": "Hen@Example.test",
    "language": "nl",
    "notifications": {"sms": False, "email": True},
    "tags": ["Weekly Eggs"],
    "places": [
        {
            "label": "Home",
            "address": "Keizersgracht 1, Amsterdam",
            "location": {"lat": 52.3791, "lng": 4.889},
            "instructions": "Blue box",
            "access_notes": "Gate 1234",
            "time_windows": [{"start": "8:00", "end": "12:00"}],
            "weekdays": ["Thursday", "mon"],
        }
    ],
}


def post(client, path, body, **headers):
    return client.post(path, data=json.dumps(body), content_type="application/json", **headers)


def test_create_a_customer_and_read_it_back_exactly(tenant_a):
    response = post(tenant_a.api(), CUSTOMERS, BODY)

    assert response.status_code == 201, response.content
    with tenant_a.use():
        customer = Customer.objects.get()
        place = customer.places.get()
    expected = {
        "id": str(customer.pk),
        "external_id": "CUS-1",
        "name": "Mrs Hen",
        "phones": ["+31612345678"],
        "email": "hen@example.test",
        "language": "nl",
        "notifications": {"sms": False, "email": True},
        "tags": ["weekly-eggs"],
        "notes": "",
        "places": [
            {
                "id": str(place.pk),
                "label": "Home",
                "address": "Keizersgracht 1, Amsterdam",
                "location": {"lat": 52.3791, "lng": 4.889},
                "instructions": "Blue box",
                "access_notes": "Gate 1234",
                "time_windows": [{"start": "08:00", "end": "12:00"}],
                "weekdays": ["mon", "thu"],
            }
        ],
        "created_at": iso(customer.created_at),
        "updated_at": iso(customer.updated_at),
    }
    assert response.json() == expected
    assert tenant_a.api().get(f"{CUSTOMERS}{customer.pk}/").json() == expected


def test_bad_customers_are_refused_with_every_problem_and_nothing_is_written(tenant_a):
    response = post(
        tenant_a.api(),
        CUSTOMERS,
        {
            "name": "",
            "phones": ["12"],
            "colour": "red",
            "places": [{"address": "", "time_windows": [{"start": "12:00", "end": "09:00"}]}],
        },
    )

    assert response.status_code == 400
    assert sorted(response.json()["error"]["fields"]) == [
        "colour",
        "name",
        "phones",
        "places.0.address",
        "places.0.time_windows",
    ]
    with tenant_a.use():
        assert Customer.objects.count() == 0


def test_a_taken_external_id_is_refused(tenant_a):
    assert post(tenant_a.api(), CUSTOMERS, BODY).status_code == 201
    response = post(tenant_a.api(), CUSTOMERS, {**BODY, "phones": []})
    message = "A customer with external_id 'CUS-1' already exists."
    assert response.status_code == 400
    assert response.json() == error("validation_error", message, {"external_id": [message]})


def test_an_idempotent_post_creates_one_customer(tenant_a):
    client = tenant_a.api()
    first = post(client, CUSTOMERS, BODY, HTTP_IDEMPOTENCY_KEY="cus-1")
    again = post(client, CUSTOMERS, BODY, HTTP_IDEMPOTENCY_KEY="cus-1")

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    with tenant_a.use():
        assert Customer.objects.count() == 1


def test_list_filters_and_cursor_pagination(tenant_a):
    with tenant_a.use():
        older = make_customer("Anna Older", phones=["+31611111111"], email="", tags=["eggs"])
        newer = make_customer("Bert Newer", phones=["+31622222222"], email="b@x.test")
    client = tenant_a.api()

    def names(query):
        response = client.get(f"{CUSTOMERS}?{query}")
        assert response.status_code == 200, response.content
        return [item["name"] for item in response.json()["results"]]

    assert names("") == ["Bert Newer", "Anna Older"]
    assert names("q=older") == ["Anna Older"]
    assert names("q=Keizersgracht") == ["Bert Newer", "Anna Older"]
    assert names("tag=eggs") == ["Anna Older"]
    assert names("phone=%2B31622222222") == ["Bert Newer"]
    assert names("email=b@x.test") == ["Bert Newer"]
    first = client.get(f"{CUSTOMERS}?limit=1").json()
    assert [item["id"] for item in first["results"]] == [str(newer.pk)]
    second = client.get(first["next"]).json()
    assert [item["id"] for item in second["results"]] == [str(older.pk)]
    assert second["next"] is None


def test_patch_changes_only_what_is_sent_and_keeps_the_places(tenant_a):
    with tenant_a.use():
        customer = make_customer()
        place_id = customer.places.get().pk

    response = send(tenant_a.api(), "patch", f"{CUSTOMERS}{customer.pk}/", {"tags": ["vip"]})

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["tags"], body["name"], body["phones"]) == (
        ["vip"],
        "Hen House Household",
        ["+31612345678"],
    )
    assert [place["id"] for place in body["places"]] == [str(place_id)]


def test_drivers_may_not_read_customers(tenant_a):
    client = tenant_a.browser(Role.DRIVER)
    assert client.get(CUSTOMERS).status_code == 403


def test_an_order_naming_a_customer_inherits_what_it_leaves_empty(tenant_a):
    with tenant_a.use():
        customer = make_customer()
        place = customer.places.get()

    response = post(
        tenant_a.api(),
        "/api/v1/orders/",
        {"customer": str(customer.pk), "delivery_date": "2026-12-10", "load": {"items": 6}},
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["recipient"] == {
        "name": "Hen House Household",
        "phone": "+31612345678",
        "email": "hens@example.test",
        "language": "",
    }
    assert body["address"] == "Keizersgracht 1, Amsterdam"
    assert body["location"] == {"lat": 52.3791, "lng": 4.889}
    assert body["time_windows"] == [
        {"start": "2026-12-10T08:00:00+01:00", "end": "2026-12-10T12:00:00+01:00"}
    ]
    assert body["notes"] == "Eggs in the blue box by the door\nAccess: Gate code 1234"
    with tenant_a.use():
        order = Order.objects.get(pk=body["id"])
        assert (order.customer_id, order.customer_place_id) == (customer.pk, place.pk)


def test_an_order_keeps_what_it_gives_over_the_customers(tenant_a):
    with tenant_a.use():
        customer = make_customer()

    response = post(
        tenant_a.api(),
        "/api/v1/orders/",
        {
            "customer": str(customer.pk),
            "recipient": {"name": "The neighbour"},
            "address": "Herengracht 5",
            "delivery_date": "2026-12-10",
            "notes": "Next door",
        },
    )

    body = response.json()
    assert (body["recipient"]["name"], body["address"], body["location"], body["notes"]) == (
        "The neighbour",
        "Herengracht 5",
        None,
        "Next door",
    )


def test_an_unknown_customer_is_refused(tenant_a, tenant_b):
    with tenant_b.use():
        foreign = make_customer()
    response = post(
        tenant_a.api(),
        "/api/v1/orders/",
        {"customer": str(foreign.pk), "delivery_date": "2026-12-10"},
    )
    assert response.status_code == 400
    assert response.json() == error(
        "validation_error", "No such customer.", {"customer": ["No such customer."]}
    )
    with tenant_a.use():
        assert Order.objects.count() == 0


# --- CSV ---------------------------------------------------------------------------------------


def upload(client, text: str):
    file = SimpleUploadedFile("customers.csv", text.encode(), content_type="text/csv")
    return client.post(f"{CUSTOMERS}import", {"file": file})


def test_import_merges_rows_of_a_known_phone_email_or_external_id_and_reports_them(tenant_a):
    with tenant_a.use():
        known = make_customer("Known", phones=["+31699999999"], email="known@x.test")
    text = (
        "External ID;Name;Phone;Email;Address;Lat;Lng;Tags;Window start;Window end;Colour\n"
        "E-1;Anna;+31611111111;anna@x.test;Dorpsstraat 1;52,1;4,3;eggs;08:00;10:00;red\n"
        "E-1;Anna again;;;Dorpsstraat 1;;;milk;;;\n"  # same external id, same place
        ";Bert;+31622222222;;Kerkweg 2;;;;;;\n"
        ";Bert at work;+31622222222;bert@x.test;Fabriekslaan 9;;;;;;\n"  # same phone, new place
        ";Known's shop;;known@x.test;Markt 3;;;;;;\n"  # e-mail of a known customer
        ";;+31633333333;;Nowhere 1;;;;;;\n"  # no name
    )

    response = upload(tenant_a.api(), text)

    assert response.status_code == 200, response.content
    with tenant_a.use():
        anna = Customer.objects.get(external_id="E-1")
        bert = Customer.objects.get(phones__contains=["+31622222222"])
        assert Customer.objects.count() == 3
        assert anna.tags == ["eggs", "milk"]
        assert [place.address for place in anna.places.all()] == ["Dorpsstraat 1"]
        assert anna.places.get().time_windows == [{"start": "08:00", "end": "10:00"}]
        assert (anna.places.get().lat, anna.places.get().lng) == (52.1, 4.3)
        assert bert.email == "bert@x.test"
        assert [place.address for place in bert.places.all()] == ["Kerkweg 2", "Fabriekslaan 9"]
        assert [place.address for place in known.places.all()] == [
            "Keizersgracht 1, Amsterdam",
            "Markt 3",
        ]
    assert response.json() == {
        "created": 2,
        "merged": 3,
        "failed": 1,
        "duplicates": [
            {"row": 2, "customer": str(anna.pk), "matched_on": "external_id"},
            {"row": 4, "customer": str(bert.pk), "matched_on": "phone"},
            {"row": 5, "customer": str(known.pk), "matched_on": "email"},
        ],
        "errors": [{"row": 6, "field": "name", "message": "This field is required."}],
        "warnings": ["Unknown column 'Colour' ignored."],
    }


def test_export_reimports_into_another_business_as_the_same_customers(tenant_a, tenant_b):
    with tenant_a.use():
        make_customer("Anna", phones=["+31611111111"], email="anna@x.test", tags=["eggs"])
    exported = b"".join(tenant_a.api().get(f"{CUSTOMERS}export").streaming_content).decode()
    rows = list(csv.DictReader(io.StringIO(exported)))
    assert [(row["name"], row["phones"], row["address"]) for row in rows] == [
        ("Anna", "+31611111111", "Keizersgracht 1, Amsterdam")
    ]

    response = upload(tenant_b.api(), exported)

    assert response.json()["created"] == 1
    with tenant_b.use():
        copy = Customer.objects.get()
        place = copy.places.get()
        assert (copy.name, copy.phones, copy.email, copy.tags) == (
            "Anna",
            ["+31611111111"],
            "anna@x.test",
            ["eggs"],
        )
        assert (place.lat, place.lng, place.instructions, place.access_notes) == (
            52.3791,
            4.889,
            "Eggs in the blue box by the door",
            "Gate code 1234",
        )
        assert place.time_windows == [{"start": "08:00", "end": "12:00"}]
    # Imported again, the file merges into the same customer.
    assert upload(tenant_b.api(), exported).json()["merged"] == 1


# --- standing orders ---------------------------------------------------------------------------


def test_create_a_standing_order_and_its_orders_appear(tenant_a):
    with tenant_a.use():
        customer = make_customer()
        today = business_today()

    response = post(
        tenant_a.api(),
        STANDING,
        {
            "customer": str(customer.pk),
            "start_date": today.isoformat(),
            "interval_weeks": 1,
            "load": {"items": 30, "weight_kg": 2},
            "time_windows": [{"start": "09:00", "end": "11:00"}],
            "notes": "30 eggs",
        },
    )

    assert response.status_code == 201, response.content
    body = response.json()
    with tenant_a.use():
        standing = StandingOrder.objects.get()
        place = customer.places.get()
    from delivery.customers.schedule import WEEKDAYS

    assert body == {
        "id": str(standing.pk),
        "customer": str(customer.pk),
        "place": str(place.pk),
        "weekdays": [WEEKDAYS[today.weekday()]],
        "interval_weeks": 1,
        "start_date": today.isoformat(),
        "end_date": None,
        "count": None,
        "load": {"weight_kg": 2.0, "volume_l": 0.0, "items": 30},
        "service_seconds": 300,
        "time_windows": [{"start": "09:00", "end": "11:00"}],
        "notes": "30 eggs",
        "paused": False,
        "source": "dashboard",
        "created_at": iso(standing.created_at),
        "updated_at": iso(standing.updated_at),
    }
    occurrences = tenant_a.api().get(f"{STANDING}{standing.pk}/occurrences").json()["results"]
    assert [(item["date"], item["status"], item["order_status"]) for item in occurrences] == [
        ((today + timedelta(weeks=week)).isoformat(), "generated", "unassigned")
        for week in range(3)
    ]


def test_skip_pause_and_resume_through_the_api(tenant_a):
    with tenant_a.use():
        today = business_today()
        standing = make_standing_order(make_customer(), today)
    client = tenant_a.api()
    next_week = (today + timedelta(weeks=1)).isoformat()

    skipped = post(client, f"{STANDING}{standing.pk}/skip", {"date": next_week})
    assert skipped.status_code == 200, skipped.content
    assert skipped.json()["status"] == "skipped"
    assert skipped.json()["skip_reason"] == "dispatcher"
    with tenant_a.use():
        assert Order.objects.get(delivery_date=next_week).status == OrderStatus.CANCELLED

    paused = post(client, f"{STANDING}{standing.pk}/pause", {})
    assert paused.json()["paused"] is True
    with tenant_a.use():
        assert Order.objects.exclude(status=OrderStatus.CANCELLED).count() == 0

    resumed = post(client, f"{STANDING}{standing.pk}/resume", {})
    assert resumed.json()["paused"] is False
    with tenant_a.use():
        live = Order.objects.exclude(status=OrderStatus.CANCELLED)
        assert sorted(live.values_list("delivery_date", flat=True)) == [
            today,
            today + timedelta(weeks=2),
        ]
        assert Occurrence.objects.get(date=next_week).status == "skipped"


def test_patch_a_standing_order_moves_its_unplanned_orders(tenant_a):
    with tenant_a.use():
        today = business_today()
        standing = make_standing_order(make_customer(), today)

    response = send(
        tenant_a.api(), "patch", f"{STANDING}{standing.pk}/", {"interval_weeks": 2, "load": {}}
    )

    assert response.status_code == 200, response.content
    assert response.json()["interval_weeks"] == 2
    with tenant_a.use():
        live = Order.objects.exclude(status=OrderStatus.CANCELLED)
        assert sorted(live.values_list("delivery_date", flat=True)) == [
            today,
            today + timedelta(weeks=2),
        ]


def test_a_bad_standing_order_is_refused(tenant_a):
    with tenant_a.use():
        customer = make_customer()
    response = post(
        tenant_a.api(),
        STANDING,
        {
            "customer": str(customer.pk),
            "start_date": "2026-12-10",
            "end_date": "2026-12-01",
            "weekdays": ["funday"],
            "interval_weeks": 0,
        },
    )
    assert response.status_code == 400
    assert sorted(response.json()["error"]["fields"]) == ["end_date", "interval_weeks", "weekdays"]
    with tenant_a.use():
        assert StandingOrder.objects.count() == 0


def test_a_holiday_skips_the_standing_orders_of_that_day(tenant_a):
    with tenant_a.use():
        today = business_today()
        make_standing_order(make_customer(), today)
    next_week = (today + timedelta(weeks=1)).isoformat()

    response = post(tenant_a.api(), "/api/v1/holidays", {"date": next_week, "name": "Closed"})

    assert response.status_code == 201
    assert response.json() == {"date": next_week, "name": "Closed"}
    with tenant_a.use():
        assert Order.objects.get(delivery_date=next_week).status == OrderStatus.CANCELLED
    assert tenant_a.api().get("/api/v1/holidays").json() == {"results": [response.json()]}


ODD_VALUES = [None, 0, -1, 1.5, True, "", "x" * 300, [], [1, "a"], {}, {"a": {"b": []}}]


def test_odd_values_in_every_field_are_refused_with_400_never_500(tenant_a):
    Tenant.objects.filter(pk=tenant_a.tenant.pk).update(api_rate_limit=100_000)
    with tenant_a.use():
        customer = make_customer()
        standing = make_standing_order(customer, business_today())
    client = tenant_a.api()
    customer_fields = [*BODY, "places.0"]
    standing_fields = [
        "weekdays",
        "interval_weeks",
        "start_date",
        "end_date",
        "count",
        "load",
        "service_seconds",
        "time_windows",
        "notes",
        "paused",
        "place",
    ]
    for value in ODD_VALUES:
        for name in customer_fields:
            body = json.loads(json.dumps(BODY))
            if name == "places.0":
                body["places"] = [value]
            else:
                body[name] = value
            response = post(client, CUSTOMERS, {**body, "external_id": None})
            assert response.status_code in (201, 400), (name, value, response.content)
        for name in standing_fields:
            response = send(client, "patch", f"{STANDING}{standing.pk}/", {name: value})
            assert response.status_code in (200, 400), (name, value, response.content)
        for path in (f"{STANDING}{standing.pk}/skip", "/api/v1/holidays"):
            response = post(client, path, {"date": value})
            assert response.status_code == 400, (path, value, response.content)
        response = post(client, STANDING, {"customer": value, "start_date": value})
        assert response.status_code == 400, (value, response.content)
        response = post(client, "/api/v1/orders/", {"customer": value, "delivery_date": value})
        assert response.status_code == 400, (value, response.content)
