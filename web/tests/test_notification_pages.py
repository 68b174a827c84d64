"""Settings → Notifications and Settings → Webhooks: owner/admin pages, with the test client."""

import pytest

from notifications.events import event_record
from notifications.models import (
    Message,
    NotificationSettings,
    NotificationTemplate,
    OptOut,
    WebhookDelivery,
    WebhookEndpoint,
)
from notifications.rendering import SAMPLE_DATA
from notifications.services import events_dispatch, webhook_delivery_send
from tenants.accounts.models import Role

PAGES = [
    "/settings/notifications/",
    "/settings/notifications/templates/order.delivered/sms/",
    "/settings/notifications/messages/",
    "/settings/webhooks/",
]


@pytest.mark.parametrize("path", PAGES)
def test_pages_are_for_owners_and_admins(tenant_a, path):
    assert tenant_a.browser(Role.OWNER).get(path).status_code == 200
    assert tenant_a.browser(Role.ADMIN).get(path).status_code == 200
    assert tenant_a.browser(Role.DISPATCHER).get(path).status_code == 403
    anonymous = tenant_a.anonymous().get(path)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/login/")


def test_the_notifications_page_lists_every_template(tenant_a):
    page = tenant_a.browser(Role.OWNER).get("/settings/notifications/").content.decode()
    for event in ("order.out_for_delivery", "order.approaching", "order.delivered"):
        assert page.count(f"/settings/notifications/templates/{event}/") == 2
    assert "Quiet hours" in page


def test_editing_a_template_with_live_preview(tenant_a):
    client = tenant_a.browser(Role.OWNER)
    path = "/settings/notifications/templates/order.delivered/email/"
    page = client.get(path).content.decode()
    assert "Your order from Business ALPHA has been delivered" in page  # the preview
    assert 'hx-post="/settings/notifications/templates/order.delivered/email/preview/"' in page

    preview = client.post(
        path + "preview/", {"subject": "Hi {{ recipient_name }}", "body": "At {{ address }}"}
    )
    assert preview.status_code == 200
    assert "Hi Alex Jansen" in preview.content.decode()
    assert "At Keizersgracht 123, Amsterdam" in preview.content.decode()
    broken = client.post(path + "preview/", {"subject": "x", "body": "{% if %}"}).content
    assert b"Template error" in broken

    saved = client.post(path, {"subject": "Delivered", "body": "Done: {{ tracking_url }}"})
    assert saved.status_code == 302
    with tenant_a.use():
        template = NotificationTemplate.objects.get()
        assert (template.subject, template.body, template.enabled) == (
            "Delivered",
            "Done: {{ tracking_url }}",
            False,  # an unticked checkbox: switched off
        )
    refused = client.post(path, {"subject": "", "body": "Done", "enabled": "on"})
    assert refused.status_code == 200
    assert b"An e-mail needs a subject." in refused.content
    client.post(path, {"action": "reset"})
    with tenant_a.use():
        assert NotificationTemplate.objects.count() == 0


def test_quiet_hours_and_opt_outs_from_the_page(tenant_a):
    client = tenant_a.browser(Role.ADMIN)
    response = client.post(
        "/settings/notifications/",
        {"form": "settings", "quiet_hours_start": "21:30", "quiet_hours_end": "07:00"},
    )
    assert response.status_code == 302
    response = client.post(
        "/settings/notifications/", {"form": "opt_out", "channel": "email", "address": "X@Y.nl"}
    )
    assert response.status_code == 302
    with tenant_a.use():
        row = NotificationSettings.objects.get()
        assert (str(row.quiet_hours_start), str(row.quiet_hours_end)) == ("21:30:00", "07:00:00")
        opt_out = OptOut.objects.get()
        assert (opt_out.address, opt_out.source) == ("x@y.nl", "dashboard")
    page = client.get("/settings/notifications/").content.decode()
    assert "x@y.nl" in page
    client.post(f"/settings/notifications/opt-outs/{opt_out.pk}/delete/")
    with tenant_a.use():
        assert OptOut.objects.count() == 0


def test_adding_an_endpoint_shows_the_secret_once(tenant_a, receiver):
    client = tenant_a.browser(Role.OWNER)
    response = client.post(
        "/settings/webhooks/", {"url": receiver.url + "/x", "events": ["order.delivered"]}
    )
    assert response.status_code == 200
    with tenant_a.use():
        endpoint = WebhookEndpoint.objects.get()
    assert endpoint.secret in response.content.decode()
    assert endpoint.events == ["order.delivered"]
    assert endpoint.secret not in client.get("/settings/webhooks/").content.decode()
    detail = client.get(f"/settings/webhooks/{endpoint.pk}/").content.decode()
    assert endpoint.secret not in detail
    rotated = client.post(f"/settings/webhooks/{endpoint.pk}/", {"action": "rotate"})
    endpoint.refresh_from_db()
    assert endpoint.secret in rotated.content.decode()


def test_the_delivery_log_and_redeliver_button(tenant_a, receiver):
    client = tenant_a.browser(Role.OWNER)
    client.post("/settings/webhooks/", {"url": receiver.url})
    with tenant_a.use():
        endpoint = WebhookEndpoint.objects.get()
        event_record(name="order.created", data={"id": "x"})
        events_dispatch()
        delivery = WebhookDelivery.objects.get()
        webhook_delivery_send(delivery_id=delivery.pk)
    page = client.get(f"/settings/webhooks/{endpoint.pk}/").content.decode()
    assert str(delivery.event_id) in page
    assert "200" in page
    assert f"/settings/webhooks/deliveries/{delivery.pk}/redeliver/" in page
    response = client.post(f"/settings/webhooks/deliveries/{delivery.pk}/redeliver/")
    assert response.status_code == 302
    with tenant_a.use():
        assert WebhookDelivery.objects.get().status == "pending"
    client.post(f"/settings/webhooks/{endpoint.pk}/", {"action": "disable"})
    with tenant_a.use():
        assert WebhookEndpoint.objects.get().enabled is False


def test_webhook_pages_name_events_in_words_with_their_raw_name_beside(tenant_a, receiver):
    # given an endpoint for two events, and a delivery of one of them
    client = tenant_a.browser(Role.OWNER)
    client.post(
        "/settings/webhooks/",
        {"url": receiver.url, "events": ["order.out_for_delivery", "route.started"]},
    )
    with tenant_a.use():
        endpoint = WebhookEndpoint.objects.get()
        event_record(name="order.out_for_delivery", data={"id": "x"})
        events_dispatch()

    # when the pages are read
    listing = client.get("/settings/webhooks/").content.decode()
    detail = client.get(f"/settings/webhooks/{endpoint.pk}/").content.decode()

    # then the events are in words, the raw names small beside them for integrators
    events = (
        "Out for delivery <small><code>order.out_for_delivery</code></small>, "
        "Route started <small><code>route.started</code></small>"
    )
    assert f"<td>{events}</td>" in listing
    assert f"<dt>Events</dt><dd>{events}</dd>" in detail
    assert (
        "<tr><td>Out for delivery<br><small><code>order.out_for_delivery</code></small></td>"
    ) in detail
    # and the form's boxes too
    assert (
        '<input type="checkbox" name="events" value="order.out_for_delivery" '
        'id="id_events_2">\n Out for delivery (order.out_for_delivery)</label>'
    ) in listing


def test_an_endpoint_for_every_event_says_so(tenant_a, receiver):
    client = tenant_a.browser(Role.OWNER)
    client.post("/settings/webhooks/", {"url": receiver.url})

    listing = client.get("/settings/webhooks/").content.decode()

    assert "<td>all events</td>" in listing


def test_the_message_log_page(tenant_a):
    with tenant_a.use():
        event_record(name="order.delivered", data=SAMPLE_DATA)
        events_dispatch()
        assert Message.objects.count() == 2
    page = tenant_a.browser(Role.OWNER).get("/settings/notifications/messages/?status=queued")
    content = page.content.decode()
    assert "+31612345678" in content
    assert "alex@example.com" in content
