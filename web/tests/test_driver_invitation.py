"""Getting a driver in from the settings: adding one says where the invitation went, and their
invitation page resends it, texts it through the notifications outbox, and shows a link and a QR
code. Owners and admins only; sends are rate limited; other businesses' drivers are not found."""

import re
from datetime import UTC, datetime, timedelta

from django.contrib.messages import get_messages
from django.core import mail
from django.utils import timezone

from delivery.models import Driver
from delivery.tests.factories import make_driver
from notifications.models import Channel, Message
from notifications.services import message_send
from notifications.sms import outbox as sms_outbox
from tenants.accounts.invitations import qr_code_svg
from tenants.accounts.models import Role, User
from tenants.models import Tenant
from tenants.tests.accounts_helpers import run_queued

LINK = re.compile(r'id="invitation-link" type="text" readonly value="([^"]+)"')


def _messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def _add_driver(tenant_a, capture, **fields):
    client = tenant_a.browser(Role.ADMIN)
    with capture() as callbacks:
        response = client.post(
            "/settings/drivers/new/",
            {"email": "nina@alpha.test", "full_name": "Nina Vans", "phone": "+31 6 12345678"}
            | fields,
        )
    return client, response, callbacks


def test_adding_a_driver_says_where_the_invitation_went_and_opens_it(
    tenant_a, django_capture_on_commit_callbacks
):
    # when an admin adds a new driver by e-mail
    client, response, callbacks = _add_driver(tenant_a, django_capture_on_commit_callbacks)

    # then they land on the driver's invitation, told where the e-mail goes
    with tenant_a.use():
        driver = Driver.objects.select_related("user").get()
    assert response.status_code == 302
    assert response["Location"] == f"/settings/drivers/{driver.pk}/invitation/"
    assert _messages(response) == [
        "Driver Nina Vans added. An invitation e-mail is on its way to nina@alpha.test; you can "
        "also text them the link or show them the QR code below."
    ]
    assert run_queued(callbacks) == ["tenants.accounts.tasks.invitation_email_send"]
    assert [message.to for message in mail.outbox] == [["nina@alpha.test"]]

    # and the page shows the e-mail as sent, the link, the QR code and the text button
    page = client.get(response["Location"])
    html = page.content.decode()
    assert page.status_code == 200
    assert "Invitation e-mail sent to <strong>nina@alpha.test</strong> on " in html
    link = LINK.search(html)[1]
    assert re.fullmatch(r"http://alpha\.localhost/password/set/[\w-]+/[\w-]+/", link)
    assert '<figure class="qr" id="invitation-qr"' in html
    assert qr_code_svg(text=link) in html  # the code encodes exactly the link shown
    assert "Text the link to +31612345678</button>" in html
    assert '<script type="module" src="/static/web/dashboard/invitation.js"></script>' in html


def test_the_copied_link_signs_the_driver_in_on_their_route(
    tenant_a, django_capture_on_commit_callbacks
):
    client, response, _ = _add_driver(tenant_a, django_capture_on_commit_callbacks)
    link = LINK.search(client.get(response["Location"]).content.decode())[1]

    phone = tenant_a.anonymous()
    form_page = phone.get(link.removeprefix("http://alpha.localhost"), follow=True)
    done = phone.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "nina-drives-vans-42", "new_password2": "nina-drives-vans-42"},
    )

    assert done["Location"] == "/driver/"
    assert phone.get("/driver/").status_code == 200
    # the invitation page now says so, with no link left to share
    accepted = client.get(response["Location"]).content.decode()
    assert "Invitation accepted" in accepted
    assert LINK.search(accepted) is None


def test_on_a_site_with_a_port_the_link_names_it_once(
    tenant_a, settings, django_capture_on_commit_callbacks
):
    # given a site served on a port (SITE_PORT), the admin's browser on alpha.localhost:8000
    settings.SITE_PORT = "8000"
    client, response, _ = _add_driver(tenant_a, django_capture_on_commit_callbacks)
    client.defaults["HTTP_HOST"] = "alpha.localhost:8000"

    link = LINK.search(client.get(response["Location"]).content.decode())[1]

    assert re.fullmatch(r"http://alpha\.localhost:8000/password/set/[\w-]+/[\w-]+/", link)


def test_adding_an_existing_user_as_driver_sends_no_invitation(
    tenant_a, django_capture_on_commit_callbacks
):
    user = tenant_a.users[Role.DRIVER]
    _, response, callbacks = _add_driver(
        tenant_a, django_capture_on_commit_callbacks, user=str(user.pk), email=""
    )

    assert response["Location"] == "/settings/drivers/"
    assert _messages(response) == ["Driver Driver saved."]
    assert run_queued(callbacks) == []


def test_resend_queues_the_email_again(tenant_a, django_capture_on_commit_callbacks):
    with tenant_a.use():
        driver = make_driver(email="nina@alpha.test")
    client = tenant_a.browser(Role.ADMIN)
    assert (
        "No invitation e-mail has been sent to"
        in client.get(f"/settings/drivers/{driver.pk}/invitation/").content.decode()
    )

    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(f"/settings/drivers/{driver.pk}/invitation/resend/")

    assert response["Location"] == f"/settings/drivers/{driver.pk}/invitation/"
    assert _messages(response) == ["Invitation e-mail sent again to nina@alpha.test."]
    page = client.get(response["Location"]).content.decode()
    assert "Invitation e-mail to <strong>nina@alpha.test</strong> is on its way" in page
    assert run_queued(callbacks) == ["tenants.accounts.tasks.invitation_email_send"]
    assert len(mail.outbox) == 1


def test_resend_to_a_driver_with_a_password_is_refused(
    tenant_a, django_capture_on_commit_callbacks
):
    with tenant_a.use():
        driver = Driver.objects.create(user=tenant_a.users[Role.DRIVER])
    client = tenant_a.browser(Role.ADMIN)

    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(f"/settings/drivers/{driver.pk}/invitation/resend/")

    assert _messages(response) == [
        "driver@alpha.test has already chosen a password: there is no invitation to resend."
    ]
    assert callbacks == []


def test_the_invitation_is_texted_through_the_outbox(tenant_a, django_capture_on_commit_callbacks):
    with tenant_a.use():
        driver = make_driver(email="nina@alpha.test", phone="+31612345678")
    client = tenant_a.browser(Role.ADMIN)

    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(f"/settings/drivers/{driver.pk}/invitation/sms/")

    assert _messages(response) == [
        "Invitation text queued to +31612345678; the message log shows when it is sent."
    ]
    assert [callback.task.name for callback in callbacks] == [
        "notifications.tasks.message_send_task"
    ]
    with tenant_a.use():
        message = Message.objects.get()
        assert (message.channel, message.to, message.event_name, message.order_id) == (
            Channel.SMS,
            "+31612345678",
            "driver.invitation",
            None,
        )
        assert message_send(message_id=message.pk) == "sent"
    assert [sms["to"] for sms in sms_outbox] == ["+31612345678"]
    body = sms_outbox[0]["body"]
    assert body.startswith(
        "Business ALPHA invited you to sign in as driver. Choose your password (link works 3 "
        "days, once): http://alpha.localhost/password/set/"
    )
    # the texted link works
    path = body.split("http://alpha.localhost", 1)[1]
    phone = tenant_a.anonymous()
    assert b"Choose your password" in phone.get(path, follow=True).content


def test_no_phone_no_text(tenant_a, django_capture_on_commit_callbacks):
    with tenant_a.use():
        driver = make_driver(email="nina@alpha.test")
    client = tenant_a.browser(Role.ADMIN)

    page = client.get(f"/settings/drivers/{driver.pk}/invitation/").content.decode()
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(f"/settings/drivers/{driver.pk}/invitation/sms/")

    assert "has no phone number." in page
    assert _messages(response) == [
        "Van Driver has no phone number: add one to text the invitation."
    ]
    assert callbacks == []
    with tenant_a.use():
        assert not Message.objects.exists()


def test_sends_are_rate_limited_per_client_address(tenant_a, settings):
    settings.INVITATION_RATE_LIMIT_PER_HOUR = 2
    with tenant_a.use():
        driver = make_driver(email="nina@alpha.test", phone="+31612345678")
    client = tenant_a.browser(Role.ADMIN)
    client.post(f"/settings/drivers/{driver.pk}/invitation/resend/")
    client.post(f"/settings/drivers/{driver.pk}/invitation/sms/")

    refused_sms = client.post(f"/settings/drivers/{driver.pk}/invitation/sms/")
    refused_new = client.post("/settings/drivers/new/", {"email": "other@alpha.test"})

    assert refused_sms.status_code == 429
    assert b"Too many invitations" in refused_sms.content
    assert refused_new.status_code == 429
    with tenant_a.use():
        assert Message.objects.count() == 1
        assert not User.objects.filter(email="other@alpha.test").exists()


def test_only_owners_and_admins_and_only_their_own_drivers(tenant_a, tenant_b):
    with tenant_b.use():
        other = make_driver(email="nina@bravo.test", phone="+31612345678")
    with tenant_a.use():
        driver = make_driver(email="nina@alpha.test", phone="+31612345678")
    path = f"/settings/drivers/{driver.pk}/invitation/"

    assert tenant_a.browser(Role.DISPATCHER).get(path).status_code == 403
    assert tenant_a.browser(Role.DISPATCHER).post(path + "sms/").status_code == 403
    assert tenant_a.anonymous().get(path)["Location"] == f"/login/?next={path}"
    admin = tenant_a.browser(Role.ADMIN)
    assert admin.get(f"/settings/drivers/{other.pk}/invitation/").status_code == 404
    assert admin.post(f"/settings/drivers/{other.pk}/invitation/sms/").status_code == 404
    with tenant_a.use():
        assert not Message.objects.exists()
    with tenant_b.use():
        assert not Message.objects.exists()


def test_the_drivers_list_marks_who_has_not_signed_in_yet(tenant_a):
    with tenant_a.use():
        pending = make_driver(email="nina@alpha.test")
        Driver.objects.create(user=tenant_a.users[Role.DRIVER])

    html = tenant_a.browser(Role.ADMIN).get("/settings/drivers/").content.decode()

    marker = f'<a class="chip" href="/settings/drivers/{pending.pk}/invitation/">'
    assert html.count('<a class="chip" href="/settings/drivers/') == 1
    assert marker + "Invited: not signed in yet</a>" in html


def test_the_team_page_resends_an_invitation(tenant_a, django_capture_on_commit_callbacks):
    # given an invited dispatcher who has not chosen a password
    client = tenant_a.browser(Role.ADMIN)
    client.post("/team/", {"email": "dee@alpha.test", "full_name": "Dee", "role": "dispatcher"})
    with tenant_a.use():
        invitee = User.objects.get(email="dee@alpha.test")
    page = client.get("/team/").content.decode()
    assert f'action="/team/{invitee.pk}/resend/"' in page
    assert f'action="/team/{tenant_a.users[Role.DRIVER].pk}/resend/"' not in page

    # when the admin resends it
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(f"/team/{invitee.pk}/resend/")

    # then the e-mail goes again
    assert response["Location"] == "/team/"
    assert _messages(response) == ["Invitation e-mail sent again to dee@alpha.test."]
    assert run_queued(callbacks) == ["tenants.accounts.tasks.invitation_email_send"]
    assert [message.to for message in mail.outbox] == [["dee@alpha.test"]]
    # a dispatcher may not
    assert tenant_a.browser(Role.DISPATCHER).post(f"/team/{invitee.pk}/resend/").status_code == 403


def test_an_email_that_has_not_left_after_a_while_is_called_out(tenant_a):
    with tenant_a.use():
        driver = make_driver(email="nina@alpha.test")
        User.objects.filter(pk=driver.user_id).update(
            invitation_requested_at=timezone.now() - timedelta(minutes=11)
        )

    html = tenant_a.browser(Role.ADMIN).get(f"/settings/drivers/{driver.pk}/invitation/")

    assert (
        "The invitation e-mail to <strong>nina@alpha.test</strong> has not left yet"
        in html.content.decode()
    )


def test_the_link_names_the_port_once_when_the_site_runs_on_one(
    tenant_a, settings, django_capture_on_commit_callbacks
):
    # given the site on port 8123 (`PORT=8123 make run`) and an admin on it
    settings.SITE_PORT = "8123"
    client, response, _ = _add_driver(tenant_a, django_capture_on_commit_callbacks)
    client.defaults["HTTP_HOST"] = "alpha.localhost:8123"

    # when they open the driver's invitation
    link = LINK.search(client.get(response["Location"]).content.decode())[1]

    # then the link (and so the QR code) reaches the business on that port
    assert re.fullmatch(r"http://alpha\.localhost:8123/password/set/[\w-]+/[\w-]+/", link)


def test_a_us_business_reads_when_the_invitation_left_on_its_clock(tenant_a):
    # given a US business whose driver's invitation e-mail left at 3:30 PM, Chicago time
    Tenant.objects.filter(pk=tenant_a.tenant.pk).update(
        country="US", clock="auto", time_zone="America/Chicago"
    )
    with tenant_a.use():
        driver = make_driver(email="nina@alpha.test")
        User.objects.filter(pk=driver.user_id).update(
            invitation_sent_at=datetime(2026, 12, 3, 21, 30, tzinfo=UTC)
        )

    # when the owner opens the invitation
    html = tenant_a.browser(Role.ADMIN).get(f"/settings/drivers/{driver.pk}/invitation/")

    # then the moment reads month first, on the 12-hour clock
    assert (
        "Invitation e-mail sent to <strong>nina@alpha.test</strong> on 12/03/2026 3:30 PM."
        in html.content.decode()
    )
