""" "Forgot password?": the link by e-mail, the same answer for every address, throttles per
address and per client, expiry, single use, and the business the link belongs to."""

import re
from datetime import timedelta

import time_machine
from django.core import mail
from django.utils import timezone

from tenants.accounts.models import User
from tenants.tests.accounts_helpers import run_queued
from tests.fixtures.tenants import PASSWORD

NEW_PASSWORD = "a-fresh-password-77"  # noqa: S105
LINK = re.compile(r"http://alpha\.localhost(/password/reset/[^/]+/[^/]+/)")


def _ask(client, email: str, capture):
    with capture() as callbacks:
        response = client.post("/password/reset/", {"email": email})
    return response, run_queued(callbacks)


def test_the_login_page_offers_forgot_password(tenant_a):
    response = tenant_a.anonymous().get("/login/")

    assert response.status_code == 200
    assert b'<a href="/password/reset/">Forgot password?</a>' in response.content


def test_a_known_and_an_unknown_address_get_the_same_answer(
    tenant_a, django_capture_on_commit_callbacks
):
    client = tenant_a.anonymous()

    known, known_tasks = _ask(client, "Dispatcher@Alpha.test", django_capture_on_commit_callbacks)
    unknown, unknown_tasks = _ask(client, "nobody@alpha.test", django_capture_on_commit_callbacks)

    # the same redirect and the same page, whether or not the address has an account
    assert (known.status_code, known["Location"]) == (302, "/password/reset/sent/")
    assert (unknown.status_code, unknown["Location"]) == (302, "/password/reset/sent/")
    sent = client.get("/password/reset/sent/")
    assert b"If that address belongs to an account at Business ALPHA" in sent.content
    # the request does the same work for both (no timing difference: the worker looks the
    # address up), and only the known address gets an e-mail
    assert known_tasks == ["tenants.accounts.tasks.password_reset_email_send"]
    assert unknown_tasks == ["tenants.accounts.tasks.password_reset_email_send"]
    assert [message.to for message in mail.outbox] == [["dispatcher@alpha.test"]]
    assert mail.outbox[0].subject == "Choose a new password for Business ALPHA"
    assert "the link works once, for 60 minutes" in mail.outbox[0].body


def test_a_user_of_another_business_gets_nothing_here(
    tenant_a, tenant_b, django_capture_on_commit_callbacks
):
    response, tasks = _ask(
        tenant_a.anonymous(), "dispatcher@bravo.test", django_capture_on_commit_callbacks
    )

    assert response["Location"] == "/password/reset/sent/"
    assert tasks == ["tenants.accounts.tasks.password_reset_email_send"]
    assert mail.outbox == []


def test_the_link_sets_a_new_password_signs_in_and_is_spent(
    tenant_a, django_capture_on_commit_callbacks
):
    # given a reset e-mail
    _ask(tenant_a.anonymous(), "dispatcher@alpha.test", django_capture_on_commit_callbacks)
    path = LINK.search(mail.outbox[0].body)[1]

    # when the user follows it and chooses a new password
    browser = tenant_a.anonymous()
    form_page = browser.get(path, follow=True)
    assert b"Choose a new password" in form_page.content
    done = browser.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    # then they are signed in on Today, the old password is gone and the link is spent
    assert done.status_code == 302
    assert done["Location"] == "/"
    assert browser.get("/").status_code == 200
    with tenant_a.use():
        user = User.objects.get(email="dispatcher@alpha.test")
        assert user.check_password(NEW_PASSWORD)
        assert not user.check_password(PASSWORD)
    spent = tenant_a.anonymous().get(path, follow=True)
    assert b"A password reset link works once and for 60 minutes." in spent.content


def test_the_link_expires_after_an_hour(tenant_a, django_capture_on_commit_callbacks):
    _ask(tenant_a.anonymous(), "driver@alpha.test", django_capture_on_commit_callbacks)
    path = LINK.search(mail.outbox[0].body)[1]

    with time_machine.travel(timezone.now() + timedelta(minutes=61)):
        late = tenant_a.anonymous().get(path, follow=True)

    assert b"This link has expired" in late.content
    with tenant_a.use():
        assert User.objects.get(email="driver@alpha.test").check_password(PASSWORD)


def test_the_link_does_not_work_on_another_business(
    tenant_a, tenant_b, django_capture_on_commit_callbacks
):
    _ask(tenant_a.anonymous(), "driver@alpha.test", django_capture_on_commit_callbacks)
    path = LINK.search(mail.outbox[0].body)[1]

    response = tenant_b.anonymous().get(path, follow=True)

    assert b"This link has expired" in response.content


def test_one_address_is_throttled_silently(tenant_a, settings, django_capture_on_commit_callbacks):
    settings.PASSWORD_RESET_RATE_LIMIT_PER_EMAIL_PER_HOUR = 2
    client = tenant_a.anonymous()

    answers = [
        _ask(client, email, django_capture_on_commit_callbacks)
        for email in ("driver@alpha.test", "driver@alpha.test", "DRIVER@alpha.test")
    ]

    # the third asks as often as the limit allows: same answer, no e-mail
    assert [response["Location"] for response, _ in answers] == ["/password/reset/sent/"] * 3
    assert [tasks for _, tasks in answers] == [
        ["tenants.accounts.tasks.password_reset_email_send"],
        ["tenants.accounts.tasks.password_reset_email_send"],
        [],
    ]
    assert len(mail.outbox) == 2


def test_unknown_addresses_count_towards_the_limit_too(
    tenant_a, settings, django_capture_on_commit_callbacks
):
    # an unknown address is throttled exactly like a known one: the limit tells nothing
    settings.PASSWORD_RESET_RATE_LIMIT_PER_EMAIL_PER_HOUR = 1
    client = tenant_a.anonymous()
    first, _ = _ask(client, "ghost@alpha.test", django_capture_on_commit_callbacks)
    second, _ = _ask(client, "ghost@alpha.test", django_capture_on_commit_callbacks)

    assert first.status_code == second.status_code == 302


def test_one_client_address_is_throttled_with_a_429(
    tenant_a, settings, django_capture_on_commit_callbacks
):
    settings.PASSWORD_RESET_RATE_LIMIT_PER_HOUR = 2
    client = tenant_a.anonymous()
    _ask(client, "a@example.test", django_capture_on_commit_callbacks)
    _ask(client, "b@example.test", django_capture_on_commit_callbacks)

    refused, tasks = _ask(client, "driver@alpha.test", django_capture_on_commit_callbacks)

    assert refused.status_code == 429
    assert refused["Retry-After"].isdigit()
    assert b"Too many password reset requests" in refused.content
    assert tasks == []
    assert mail.outbox == []


def test_a_bad_address_is_a_form_error(tenant_a, django_capture_on_commit_callbacks):
    response, tasks = _ask(
        tenant_a.anonymous(), "not an address", django_capture_on_commit_callbacks
    )

    assert response.status_code == 400
    assert b"Enter a valid email address." in response.content
    assert tasks == []


def test_a_deactivated_user_gets_no_email(tenant_a, django_capture_on_commit_callbacks):
    with tenant_a.use():
        User.objects.filter(email="driver@alpha.test").update(is_active=False)

    response, tasks = _ask(
        tenant_a.anonymous(), "driver@alpha.test", django_capture_on_commit_callbacks
    )

    assert response["Location"] == "/password/reset/sent/"
    assert tasks == ["tenants.accounts.tasks.password_reset_email_send"]
    assert mail.outbox == []


def test_a_reset_lifts_a_login_lockout(tenant_a, settings, django_capture_on_commit_callbacks):
    # given a user locked out by wrong passwords
    client = tenant_a.anonymous()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/login/", {"username": "dispatcher@alpha.test", "password": "wrong-one"})
    locked = tenant_a.anonymous().post(
        "/login/", {"username": "dispatcher@alpha.test", "password": PASSWORD}
    )
    assert locked.status_code == 429

    # when they reset their password from another device
    _ask(tenant_a.anonymous(), "dispatcher@alpha.test", django_capture_on_commit_callbacks)
    browser = tenant_a.anonymous()
    form_page = browser.get(LINK.search(mail.outbox[0].body)[1], follow=True)
    browser.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    # then the new password signs them in
    again = tenant_a.anonymous().post(
        "/login/", {"username": "dispatcher@alpha.test", "password": NEW_PASSWORD}
    )
    assert again.status_code == 302


def test_odd_links_and_input_never_fail(tenant_a, django_capture_on_commit_callbacks):
    client = tenant_a.anonymous()
    nul, tasks = _ask(client, "dri\x00ver@alpha.test", django_capture_on_commit_callbacks)
    assert nul.status_code == 400
    assert tasks == []
    for path in (
        "/password/reset/garbage/abc-def/",
        "/password/reset/MTIz/1-2-3/",
        "/password/reset/MTIz/set-password/",
        "/password/set/%F0%9F%98%80/zz-zz/",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        assert b"This link has expired" in response.content
