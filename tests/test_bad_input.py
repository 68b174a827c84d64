"""Input PostgreSQL or Python cannot take is a 400 in the error shape, never a 500, and writes
nothing: NUL characters, lone surrogates, dates far out, JSON nested too deep, absurd lists."""

import json

import pytest

from delivery.models import Driver, Order, OrderEvent, Vehicle
from notifications.models import WebhookEndpoint
from tenants.api.parsers import MAX_DEPTH

ORDERS = "/api/v1/orders/"

ORDER = {
    "recipient": {"name": "Ada Lovelace"},
    "address": "Oudegracht 100, 3511 AX Utrecht",
    "location": {"lat": 52.0907, "lng": 5.1214},
    "delivery_date": "2026-11-27",
}


def post_raw(client, path: str, body: str):
    return client.post(
        path, data=body.encode("utf-8", "surrogatepass"), content_type="application/json"
    )


def written(world) -> tuple[int, int, int, int]:
    with world.use():
        return (
            Order.objects.count(),
            OrderEvent.objects.count(),
            Vehicle.objects.count(),
            Driver.objects.count(),
        )


def error(code: str, message: str, fields: dict | None = None) -> dict:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


NUL = "Null characters are not allowed."
SURROGATE = "Not valid Unicode text (a lone surrogate)."


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({**ORDER, "recipient": {"name": "Ada\u0000Lovelace"}}, "recipient.name", NUL),
        ({**ORDER, "notes": "ring\u0000twice"}, "notes", NUL),
        ({**ORDER, "external_id": "\u0000"}, "external_id", NUL),
        ({**ORDER, "address": "Oudegracht\u0000 100"}, "address", NUL),
    ],
)
def test_nul_characters_in_a_text_field_are_400(tenant_a, body, field, message):
    before = written(tenant_a)

    response = tenant_a.api().post(ORDERS, data=json.dumps(body), content_type="application/json")

    assert response.status_code == 400
    assert response.json() == error("validation_error", f"{field}: {message}", {field: [message]})
    assert written(tenant_a) == before


def test_a_lone_surrogate_is_400(tenant_a):
    before = written(tenant_a)
    # json.dumps writes "\ud800" as the escape the attacker sends.
    body = json.dumps({**ORDER, "recipient": {"name": "\ud800"}})

    response = post_raw(tenant_a.api(), ORDERS, body)

    assert response.status_code == 400
    assert response.json() == error(
        "validation_error", f"recipient.name: {SURROGATE}", {"recipient.name": [SURROGATE]}
    )
    assert written(tenant_a) == before


def test_a_lone_surrogate_in_a_key_is_400(tenant_a):
    response = post_raw(tenant_a.api(), ORDERS, json.dumps({**ORDER, "\udfff": 1}))

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/notifications/messages/?status=a%00b",
        "/api/v1/orders/?status=a%00b",
        "/api/v1/orders/?external_id=%00",
        "/api/v1/routes/?date=2026-11-27&x%00=1",
    ],
)
def test_nul_characters_in_a_query_filter_are_400(tenant_a, path):
    response = tenant_a.api().get(path)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"
    assert list(response.json()["error"]["fields"].values()) == [[NUL]]


def test_nul_characters_in_the_webhook_deliveries_filter_are_400(tenant_a):
    with tenant_a.use():
        endpoint = WebhookEndpoint.objects.create(
            url="https://hooks.example.test/in", secret="whsec_x", events=[]
        )

    response = tenant_a.api().get(f"/api/v1/webhooks/{endpoint.pk}/deliveries/?status=a%00b")

    assert response.status_code == 400
    assert response.json() == error("validation_error", f"status: {NUL}", {"status": [NUL]})


@pytest.mark.parametrize(
    ("delivery_date", "windows"),
    [
        ("9999-12-31", [{"start": "09:00", "end": "12:00"}]),
        ("9999-12-31", []),
        ("0001-01-01", [{"start": "09:00", "end": "12:00"}]),
        ("1999-12-31", []),
        ("2100-01-01", []),
    ],
)
def test_dates_outside_the_sane_range_are_400(tenant_a, delivery_date, windows):
    before = written(tenant_a)
    body = {**ORDER, "delivery_date": delivery_date, "time_windows": windows}

    response = tenant_a.api().post(ORDERS, data=json.dumps(body), content_type="application/json")

    message = "Must be between 2000-01-01 and 2099-12-31."
    assert response.status_code == 400
    assert response.json() == error(
        "validation_error", f"delivery_date: {message}", {"delivery_date": [message]}
    )
    assert written(tenant_a) == before


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/orders/?date=9999-12-31",
        "/api/v1/routes/?date=0001-01-01",
        "/api/v1/orders/export/?date=9999-12-31",
    ],
)
def test_date_filters_outside_the_sane_range_are_400(tenant_a, path):
    response = tenant_a.api().get(path)

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "date": ["Must be between 2000-01-01 and 2099-12-31."]
    }


def test_planning_a_day_far_out_is_400(tenant_a):
    response = tenant_a.api().post(
        "/api/v1/optimizations/",
        data=json.dumps({"date": "9999-12-31"}),
        content_type="application/json",
    )

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "date": ["Must be between 2000-01-01 and 2099-12-31."]
    }


@pytest.mark.parametrize("depth", [MAX_DEPTH + 5, 2000, 100_000])
def test_json_nested_too_deep_is_400(tenant_a, depth):
    before = written(tenant_a)
    body = '{"notes": ' + "[" * depth + "]" * depth + "}"

    response = post_raw(tenant_a.api(), ORDERS, body)

    assert response.status_code == 400
    assert response.json() == error(
        "parse_error", f"JSON parse error - nested deeper than {MAX_DEPTH} levels."
    )
    assert written(tenant_a) == before


@pytest.mark.parametrize(
    ("path", "body"),
    [
        (ORDERS, {**ORDER, "skills": [f"skill-{n}" for n in range(10_000)]}),
        (
            "/api/v1/vehicles/",
            {"name": "Van 1", "skills": [f"skill-{n}" for n in range(51)]},
        ),
    ],
)
def test_absurd_lists_are_400(tenant_a, path, body):
    before = written(tenant_a)

    response = tenant_a.api().post(path, data=json.dumps(body), content_type="application/json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"
    assert "skills" in response.json()["error"]["fields"]
    assert written(tenant_a) == before


def test_fifty_skills_are_fine_and_fifty_one_are_too_many(tenant_a):
    ok = {**ORDER, "skills": [f"skill-{n}" for n in range(50)]}
    too_many = {**ORDER, "skills": [f"skill-{n}" for n in range(51)]}

    accepted = tenant_a.api().post(ORDERS, data=json.dumps(ok), content_type="application/json")
    refused = tenant_a.api().post(
        ORDERS, data=json.dumps(too_many), content_type="application/json"
    )

    assert accepted.status_code == 201
    assert refused.status_code == 400
    assert refused.json()["error"]["fields"] == {"skills": ["At most 50 skills."]}


def test_any_array_longer_than_the_platform_limit_is_400(tenant_a):
    body = {**ORDER, "time_windows": [{}] * 5001}

    response = tenant_a.api().post(ORDERS, data=json.dumps(body), content_type="application/json")

    assert response.status_code == 400
    assert response.json() == error(
        "validation_error",
        "time_windows: At most 5000 items.",
        {"time_windows": ["At most 5000 items."]},
    )
