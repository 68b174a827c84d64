"""Invitation links: single use, expiring, bound to their business; the e-mail's status is
recorded; resending; choosing the password signs the user in where their role works."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from tenants.accounts.invitations import (
    invitation_email_queue,
    invitation_pending,
    invitation_resend,
    invitation_text,
    invitation_url,
    qr_code_svg,
)
from tenants.accounts.models import Role, User
from tenants.accounts.services import user_create, user_invite
from tenants.accounts.tokens import invitation_tokens, password_reset_tokens
from tenants.errors import ApplicationError
from tenants.tests.accounts_helpers import run_queued
from tests.fixtures.tenants import PASSWORD

NEW_PASSWORD = "nina-drives-vans-42"  # noqa: S105


def _invite(world, email="nina@example.test", role=Role.DRIVER) -> User:
    with world.use():
        return user_invite(
            actor=world.users[Role.ADMIN], email=email, role=role, full_name="Nina Vans"
        )


def _set_password(client, link_path: str):
    form_page = client.get(link_path, follow=True)
    assert form_page.status_code == 200
    assert b"Choose your password" in form_page.content
    assert b"At least 10 characters, not a common password" in form_page.content
    return client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )


def test_an_invitation_link_signs_the_driver_in_on_their_route(tenant_a):
    # given an invited driver and their link
    user = _invite(tenant_a)
    with tenant_a.use():
        path = invitation_url(user=user, host=tenant_a.host).removeprefix("http://alpha.localhost")

    # when they choose a password (the page names their account and where they will land)
    browser = tenant_a.anonymous()
    form_page = browser.get(path, follow=True)
    assert (
        "For <strong>nina@example.test</strong> at Business ALPHA. At least 10 characters, not a "
        "common password; you are signed in as soon as it is set, on your route."
    ) in form_page.content.decode()
    done = _set_password(browser, path)

    # then they are signed in and land on their route, and the link is spent
    assert done.status_code == 302
    assert done["Location"] == "/driver/"
    home = browser.get("/driver/")
    assert home.status_code == 200
    assert home.wsgi_request.user.email == "nina@example.test"
    with tenant_a.use():
        user.refresh_from_db()
        assert user.check_password(NEW_PASSWORD)
        assert not invitation_pending(user)
    spent = tenant_a.anonymous().get(path, follow=True)
    assert b"This link has expired" in spent.content


def test_a_dispatcher_who_sets_a_password_lands_on_today(tenant_a):
    user = _invite(tenant_a, email="dee@example.test", role=Role.DISPATCHER)
    with tenant_a.use():
        path = invitation_url(user=user, host=tenant_a.host).removeprefix("http://alpha.localhost")

    done = _set_password(tenant_a.anonymous(), path)

    assert done["Location"] == "/"


def test_an_invitation_link_expires(tenant_a, settings):
    settings.INVITATION_LINK_SECONDS = 3600
    user = _invite(tenant_a)
    with tenant_a.use():
        token = invitation_tokens.make_token(user)
        assert invitation_tokens.check_token(user, token)
        with time_machine.travel(timezone.now() + timedelta(seconds=3601)):
            assert not invitation_tokens.check_token(user, token)
        with time_machine.travel(timezone.now() + timedelta(seconds=3500)):
            assert invitation_tokens.check_token(user, token)


def test_an_invitation_token_is_bound_to_its_business_and_its_purpose(tenant_a, tenant_b):
    user = _invite(tenant_a)
    with tenant_a.use():
        token = invitation_tokens.make_token(user)
        assert invitation_tokens.check_token(user, token)
        # a password reset link is not an invitation, nor the other way round
        assert not password_reset_tokens.check_token(user, token)
    with tenant_b.use():
        # the same user id and token presented to another business
        assert not invitation_tokens.check_token(user, token)


def test_a_link_from_one_business_opens_nothing_on_another(tenant_a, tenant_b):
    user = _invite(tenant_a)
    with tenant_a.use():
        path = invitation_url(user=user, host=tenant_a.host).removeprefix("http://alpha.localhost")

    response = tenant_b.anonymous().get(path, follow=True)

    assert b"This link has expired" in response.content
    with tenant_a.use():
        assert User.objects.get(pk=user.pk).has_usable_password() is False


def test_a_deactivated_invitee_cannot_use_their_link(tenant_a):
    user = _invite(tenant_a)
    with tenant_a.use():
        path = invitation_url(user=user, host=tenant_a.host).removeprefix("http://alpha.localhost")
        User.objects.filter(pk=user.pk).update(is_active=False)

    response = tenant_a.anonymous().get(path, follow=True)

    assert b"This link has expired" in response.content


def test_the_invitation_email_is_queued_sent_and_recorded(
    tenant_a, django_capture_on_commit_callbacks
):
    # given an invitation
    with django_capture_on_commit_callbacks() as callbacks:
        user = _invite(tenant_a)
    with tenant_a.use():
        user.refresh_from_db()
        assert user.invitation_requested_at is not None
        assert user.invitation_sent_at is None

    # when the queued task runs
    assert run_queued(callbacks) == ["tenants.accounts.tasks.invitation_email_send"]

    # then the e-mail left, with a working link, and the time it left is recorded
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["nina@example.test"]
    assert "the link works once, for 3 days" in mail.outbox[0].body
    assert re.search(r"http://alpha\.localhost/password/set/[^/]+/[^/]+/", mail.outbox[0].body)
    with tenant_a.use():
        user.refresh_from_db()
        assert user.invitation_sent_at is not None
        assert user.invitation_sent_at >= user.invitation_requested_at


def test_resending_queues_the_email_again(tenant_a, django_capture_on_commit_callbacks):
    user = _invite(tenant_a)
    with tenant_a.use():
        User.objects.filter(pk=user.pk).update(invitation_sent_at=timezone.now())
        with django_capture_on_commit_callbacks() as callbacks:
            resent = invitation_resend(user=user)
        assert resent.invitation_sent_at is None
        assert run_queued(callbacks) == ["tenants.accounts.tasks.invitation_email_send"]
    assert len(mail.outbox) == 1


def test_resending_to_someone_who_has_a_password_is_refused(tenant_a):
    with tenant_a.use():
        user = tenant_a.users[Role.DRIVER]
        with pytest.raises(ApplicationError) as refused:
            invitation_resend(user=user)
    assert refused.value.code == "invalid_operation"
    assert refused.value.message == (
        "driver@alpha.test has already chosen a password: there is no invitation to resend."
    )


def test_the_email_task_sends_nothing_once_the_password_is_chosen(
    tenant_a, django_capture_on_commit_callbacks
):
    with tenant_a.use():
        user = user_create(email="late@example.test", role=Role.DRIVER, password=PASSWORD)
        with django_capture_on_commit_callbacks() as callbacks:
            invitation_email_queue(user=user)
    run_queued(callbacks)
    assert mail.outbox == []


def test_the_text_and_the_qr_code(tenant_a):
    user = _invite(tenant_a)
    url = "http://alpha.localhost/password/set/abc/def/"
    assert invitation_text(user=user, business_name="Business ALPHA", url=url) == (
        "Business ALPHA invited you to sign in as driver. "
        "Choose your password (link works 3 days, once): http://alpha.localhost/password/set/abc/def/"
    )
    svg = qr_code_svg(text=url)
    assert svg.startswith('<svg viewBox="0 0 ')
    assert svg.endswith("</svg>")
    assert "<script" not in svg
