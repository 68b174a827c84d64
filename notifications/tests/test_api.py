"""The notifications and webhooks API: owner/admin only, exact shapes, clear errors."""

import json

import pytest
from django.test import override_settings

from notifications.events import event_record
from notifications.models import (
    Message,
    NotificationTemplate,
    OptOut,
    WebhookDelivery,
    WebhookEndpoint,
)
from notifications.services import events_dispatch, webhook_delivery_send
from tenants.accounts.models import Role
from tenants.models import Tenant


def _post(client, path, body):
    return client.post(path, data=json.dumps(body), content_type="application/json")


def _put(client, path, body):
    return client.put(path, data=json.dumps(body), content_type="application/json")


def test_creating_an_endpoint_shows_its_secret_once(tenant_a, receiver):
    client = tenant_a.api()
    response = _post(
        client,
        "/api/v1/webhooks",
        {"url": receiver.url + "/in", "events": ["order.delivered", "order.failed"]},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["secret"].startswith("whsec_")
    assert body["events"] == ["order.delivered", "order.failed"]
    assert body["enabled"] is True
    detail = client.get(f"/api/v1/webhooks/{body['id']}").json()
    assert "secret" not in detail
    assert client.get("/api/v1/webhooks").json()["results"][0]["id"] == body["id"]
    rotated = _post(client, f"/api/v1/webhooks/{body['id']}/rotate-secret", {}).json()
    assert rotated["secret"].startswith("whsec_")
    assert rotated["secret"] != body["secret"]
    with tenant_a.use():
        assert WebhookEndpoint.objects.get().secret == rotated["secret"]


@override_settings(WEBHOOKS_ALLOW_PRIVATE_TARGETS=False)
def test_a_private_or_non_http_url_is_refused(tenant_a):
    client = tenant_a.api()
    response = _post(client, "/api/v1/webhooks", {"url": "http://169.254.169.254/latest"})
    assert response.status_code == 400
    assert response.json() == {
        "error": {
            "code": "validation_error",
            "message": "url: The host 169.254.169.254 resolves to a private or reserved address "
            "(169.254.169.254).",
            "fields": {
                "url": [
                    "The host 169.254.169.254 resolves to a private or reserved address "
                    "(169.254.169.254)."
                ]
            },
        }
    }
    response = _post(client, "/api/v1/webhooks", {"url": "ftp://example.com/x"})
    assert response.status_code == 400
    with tenant_a.use():
        assert WebhookEndpoint.objects.count() == 0


def test_unknown_events_and_fields_are_refused(tenant_a, receiver):
    client = tenant_a.api()
    response = _post(
        client, "/api/v1/webhooks", {"url": receiver.url, "events": ["order.exploded"]}
    )
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["events.0"]
    response = _post(client, "/api/v1/webhooks", {"url": receiver.url, "event": ["x"]})
    assert response.json()["error"]["fields"] == {"event": ["Unknown field."]}


@pytest.mark.parametrize("role", [Role.DISPATCHER, Role.DRIVER])
def test_only_owners_and_admins_manage_notifications(tenant_a, role):
    client = tenant_a.browser(role)
    for path in (
        "/api/v1/webhooks",
        "/api/v1/notifications/templates",
        "/api/v1/notifications/messages",
        "/api/v1/notifications/opt-outs",
        "/api/v1/notifications/settings",
    ):
        response = client.get(path)
        assert response.status_code == 403, path
        assert response.json()["error"]["code"] == "permission_denied"
    assert tenant_a.api(key=tenant_a.dispatcher_key).get("/api/v1/webhooks").status_code == 403


def test_deliveries_their_log_and_redeliver(tenant_a, receiver):
    client = tenant_a.api()
    endpoint = _post(client, "/api/v1/webhooks", {"url": receiver.url}).json()
    with tenant_a.use():
        event_record(name="route.completed", data={"id": "r"})
        events_dispatch()
        delivery = WebhookDelivery.objects.get()
        webhook_delivery_send(delivery_id=delivery.pk)
    listed = client.get(f"/api/v1/webhooks/{endpoint['id']}/deliveries").json()["results"]
    assert [(d["event_type"], d["status"], d["attempts"]) for d in listed] == [
        ("route.completed", "succeeded", 1)
    ]
    detail = client.get(f"/api/v1/webhooks/deliveries/{delivery.pk}").json()
    assert detail["payload"] == {"id": "r"}
    assert [(entry["status_code"], entry["error"]) for entry in detail["log"]] == [(200, "")]
    response = _post(client, f"/api/v1/webhooks/deliveries/{delivery.pk}/redeliver", {})
    assert response.status_code == 202
    assert response.json()["status"] == "pending"


def test_redelivering_to_a_disabled_endpoint_is_a_conflict(tenant_a, receiver):
    client = tenant_a.api()
    endpoint = _post(client, "/api/v1/webhooks", {"url": receiver.url}).json()
    with tenant_a.use():
        event_record(name="route.completed", data={"id": "r"})
        events_dispatch()
        delivery = WebhookDelivery.objects.get()
    response = client.patch(
        f"/api/v1/webhooks/{endpoint['id']}",
        data=json.dumps({"enabled": False}),
        content_type="application/json",
    )
    assert response.json()["enabled"] is False
    response = _post(client, f"/api/v1/webhooks/deliveries/{delivery.pk}/redeliver", {})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "endpoint_disabled"


def test_templates_list_edit_preview_and_reset(tenant_a):
    client = tenant_a.api()
    listed = client.get("/api/v1/notifications/templates").json()
    assert len(listed["results"]) == 8
    assert all(template["is_default"] for template in listed["results"])
    assert "tracking_url" in listed["placeholders"]

    path = "/api/v1/notifications/templates"
    key = {"event": "order.delivered", "channel": "sms"}
    saved = _put(client, path, {**key, "body": "Delivered! {{ tracking_url }}"})
    assert saved.status_code == 200, saved.content
    assert (saved.json()["body"], saved.json()["is_default"]) == (
        "Delivered! {{ tracking_url }}",
        False,
    )
    preview = _post(
        client,
        "/api/v1/notifications/templates/preview",
        {"event": "order.delivered", "channel": "sms", "body": "Hi {{ recipient_name }}"},
    )
    assert preview.json() == {"subject": "", "body": "Hi Alex Jansen", "length": 14}
    reset = _post(client, "/api/v1/notifications/templates/reset", key)
    assert reset.json()["is_default"] is True
    with tenant_a.use():
        assert NotificationTemplate.objects.count() == 0


def test_the_preview_is_plain_text_not_html_escaped(tenant_a):
    # given a business named with an ampersand
    tenant = tenant_a.tenant
    name = tenant.name
    Tenant.objects.filter(pk=tenant.pk).update(name="Crumb & Co Bakery")  # rolled back after
    # when
    try:
        preview = _post(
            tenant_a.api(),
            "/api/v1/notifications/templates/preview",
            {
                "event": "order.out_for_delivery",
                "channel": "email",
                "subject": "{{ business_name }}: on its way",
                "body": "From {{ business_name }} <3",
            },
        )
    finally:
        tenant.name = name
    # then
    assert preview.json() == {
        "subject": "Crumb & Co Bakery: on its way",
        "body": "From Crumb & Co Bakery <3",
        "length": 25,
    }


def test_a_broken_template_is_refused_with_the_reason(tenant_a):
    client = tenant_a.api()
    path = "/api/v1/notifications/templates"
    key = {"event": "order.failed", "channel": "email"}
    response = _put(client, path, {**key, "subject": "Sorry", "body": "{% if %}"})
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["body"][0].startswith("Template error:")
    response = _put(client, path, {**key, "subject": "", "body": "Hello"})
    assert response.json()["error"]["fields"] == {"subject": ["An e-mail needs a subject."]}
    response = _put(client, path, {"event": "order.created", "channel": "fax", "body": "x"})
    assert sorted(response.json()["error"]["fields"]) == ["channel", "event"]
    with tenant_a.use():
        assert NotificationTemplate.objects.count() == 0


def test_opt_outs_and_settings(tenant_a):
    client = tenant_a.api()
    created = _post(
        client, "/api/v1/notifications/opt-outs", {"channel": "sms", "address": "+31 6 1234 5678"}
    )
    assert created.status_code == 201
    assert created.json()["address"] == "+31612345678"
    bad = _post(client, "/api/v1/notifications/opt-outs", {"channel": "sms", "address": "nope"})
    assert bad.status_code == 400
    assert list(bad.json()["error"]["fields"]) == ["address"]
    assert client.delete(f"/api/v1/notifications/opt-outs/{created.json()['id']}").status_code == (
        204
    )
    with tenant_a.use():
        assert OptOut.objects.count() == 0

    response = _put(
        client,
        "/api/v1/notifications/settings",
        {"quiet_hours_start": "21:00", "quiet_hours_end": "08:00"},
    )
    assert response.json() == {
        "quiet_hours_start": "21:00:00",
        "quiet_hours_end": "08:00:00",
        "reschedule_instructions": "",
        "contact_phone": "",
    }
    half = _put(client, "/api/v1/notifications/settings", {"quiet_hours_start": "21:00"})
    assert half.status_code == 400


def test_the_message_log(tenant_a):
    from notifications.rendering import SAMPLE_DATA

    client = tenant_a.api()
    with tenant_a.use():
        event_record(name="order.delivered", data=SAMPLE_DATA)
        events_dispatch()
        assert Message.objects.count() == 2
    listed = client.get("/api/v1/notifications/messages?channel=sms").json()["results"]
    assert [(m["event_name"], m["to"], m["status"]) for m in listed] == [
        ("order.delivered", "+31612345678", "queued")
    ]
    assert client.get("/api/v1/notifications/messages?order=x").status_code == 400
    one = client.get(f"/api/v1/notifications/messages/{listed[0]['id']}").json()
    assert one["body"].startswith("Business ALPHA: your order SO-1042 has been delivered.")
