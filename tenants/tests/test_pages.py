"""Sign in/out and invitations on the tenant host (the team and API-key pages: web/tests)."""

import re

from django.core import mail
from django.test import Client

from tenants.accounts.emails import invitation_email_send
from tenants.accounts.models import User
from tests.fixtures.tenants import PASSWORD


def test_sign_in_and_out(tenant_a):
    browser = tenant_a.anonymous()

    wrong = browser.post("/login/", {"username": "owner@alpha.test", "password": "nope"})
    right = browser.post("/login/", {"username": "Owner@Alpha.test", "password": PASSWORD})

    assert wrong.status_code == 200
    assert b"Please enter a correct email and password." in wrong.content
    assert right.status_code == 302
    assert browser.get("/").status_code == 200
    assert browser.post("/logout/").status_code == 302
    assert browser.get("/")["Location"] == "/login/?next=/"


def test_a_user_of_one_business_cannot_sign_in_to_another(tenant_a, tenant_b):
    browser = tenant_b.anonymous()

    response = browser.post("/login/", {"username": "owner@alpha.test", "password": PASSWORD})

    assert response.status_code == 200
    assert b"Please enter a correct email and password." in response.content


def test_a_session_of_one_business_is_not_valid_on_another(tenant_a, tenant_b):
    browser = tenant_a.browser("owner")
    cookie = browser.cookies["sessionid"].value
    other = Client(HTTP_HOST=tenant_b.host)
    other.cookies["sessionid"] = cookie

    assert other.get("/")["Location"] == "/login/?next=/"
    assert other.get("/api/v1/me").status_code == 401


def test_invitation_email_and_set_password(tenant_a):
    # given an invitation sent from the team page
    admin = tenant_a.browser("admin")
    response = admin.post(
        "/team/", {"email": "nina@example.test", "full_name": "Nina", "role": "driver"}
    )
    assert response.status_code == 302
    with tenant_a.use():
        invited = User.objects.get(email="nina@example.test")
        invitation_email_send(user=invited)

    # then the e-mail names the business and carries a set-password link on its host
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["nina@example.test"]
    assert message.subject == "You're invited to Business ALPHA"
    assert "Admin invited you to join Business ALPHA as driver." in message.body
    link = re.search(r"http://alpha\.localhost(/password/set/[^/]+/[^/]+/)", message.body)
    assert link, message.body

    # when Nina follows it and chooses a password
    browser = tenant_a.anonymous()
    form_page = browser.get(link[1], follow=True)
    assert form_page.status_code == 200
    done = browser.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "nina-drives-vans", "new_password2": "nina-drives-vans"},
    )
    assert done.status_code == 302

    # then she can sign in, and the link is spent
    assert (
        tenant_a.anonymous()
        .post("/login/", {"username": "nina@example.test", "password": "nina-drives-vans"})
        .status_code
        == 302
    )
    spent = tenant_a.anonymous().get(link[1], follow=True)
    assert b"This link has expired" in spent.content


def test_unknown_business_host_page(worlds, db):
    response = Client(HTTP_HOST="ghost.localhost").get("/")

    assert response.status_code == 404
    assert b"No business at ghost.localhost" in response.content
