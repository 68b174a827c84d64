"""Password guessing: the login lockout (django-axes) by e-mail and by address, its unlock by an
owner or admin, and the per-address limits on unauthenticated API calls, sign-ups and
invitations. Each refusal says what happened and when to try again."""

import json

import pytest
from axes.models import AccessAttempt
from django.test import Client

from tenants.accounts.models import Role, User
from tests.fixtures.tenants import PASSWORD


def sign_in(world, email: str, password: str, address: str = "203.0.113.7"):
    client = Client(HTTP_HOST=world.host, REMOTE_ADDR=address)
    return client.post("/login/", {"username": email, "password": password})


def test_five_wrong_passwords_lock_the_account_with_when_to_try_again(tenant_a):
    email = "dispatcher@alpha.test"

    wrong = [sign_in(tenant_a, email, "not-the-password").status_code for _ in range(5)]
    locked = sign_in(tenant_a, email, PASSWORD)

    # the fifth wrong password is answered with the lockout already
    assert wrong == [200] * 4 + [429]
    assert locked.status_code == 429
    assert locked["Retry-After"] == "900"
    page = locked.content.decode()
    assert "Too many failed sign-ins" in page
    assert "Try again in 15 minutes." in page
    assert "An owner or admin of Business ALPHA can unlock your account sooner" in page
    assert "_auth_user_id" not in locked.client.session


def test_the_lock_holds_for_the_e_mail_from_any_address(tenant_a):
    email = "dispatcher@alpha.test"
    for number in range(5):
        sign_in(tenant_a, email, "wrong", address=f"198.51.100.{number + 1}")

    assert sign_in(tenant_a, email, PASSWORD, address="192.0.2.200").status_code == 429


def test_the_lock_holds_for_an_address_trying_many_e_mails(tenant_a):
    for number in range(5):
        sign_in(tenant_a, f"nobody{number}@alpha.test", "wrong", address="198.51.100.9")

    blocked = sign_in(tenant_a, "owner@alpha.test", PASSWORD, address="198.51.100.9")
    elsewhere = sign_in(tenant_a, "owner@alpha.test", PASSWORD, address="192.0.2.1")

    assert blocked.status_code == 429
    assert elsewhere.status_code == 302


def test_a_lock_in_one_business_does_not_lock_another(tenant_a, tenant_b):
    for _ in range(5):
        sign_in(tenant_a, "owner@alpha.test", "wrong")

    assert sign_in(tenant_b, "owner@bravo.test", PASSWORD).status_code == 302


def test_an_admin_unlocks_a_teammate_through_the_api(tenant_a):
    email = "dispatcher@alpha.test"
    for _ in range(5):
        sign_in(tenant_a, email, "wrong")
    user = tenant_a.users[Role.DISPATCHER]

    response = tenant_a.api().post(f"/api/v1/users/{user.pk}/unlock")

    assert response.status_code == 200
    assert response.json()["email"] == email
    with tenant_a.use():
        assert AccessAttempt.objects.filter(username=email).count() == 0
    assert sign_in(tenant_a, email, PASSWORD).status_code == 302


def test_a_dispatcher_may_not_unlock(tenant_a):
    user = tenant_a.users[Role.DRIVER]

    response = tenant_a.api(key=tenant_a.dispatcher_key).post(f"/api/v1/users/{user.pk}/unlock")

    assert response.status_code == 403


def test_the_team_page_shows_a_locked_out_teammate_and_unlocks_them(tenant_a):
    email = "driver@alpha.test"
    for _ in range(5):
        sign_in(tenant_a, email, "wrong")
    owner = tenant_a.browser(Role.OWNER)
    with tenant_a.use():
        user = User.objects.get(email=email)

    page = owner.get("/team/").content.decode()
    unlocked = owner.post(f"/team/{user.pk}/unlock/")

    assert "<strong>Locked out</strong>" in page
    assert f'action="/team/{user.pk}/unlock/"' in page
    assert unlocked.status_code == 302
    assert "<strong>Locked out</strong>" not in owner.get("/team/").content.decode()
    assert sign_in(tenant_a, email, PASSWORD).status_code == 302


def test_a_successful_sign_in_forgets_earlier_failures(tenant_a):
    email = "admin@alpha.test"
    for _ in range(4):
        sign_in(tenant_a, email, "wrong")

    assert sign_in(tenant_a, email, PASSWORD).status_code == 302
    assert [sign_in(tenant_a, email, "wrong").status_code for _ in range(4)] == [200] * 4


# --- per-address limits --------------------------------------------------------------------------


def test_wrong_api_keys_from_one_address_are_limited_with_retry_after(tenant_a):
    client = Client(
        HTTP_HOST=tenant_a.host, REMOTE_ADDR="203.0.113.50", HTTP_AUTHORIZATION="Bearer dk_x_y"
    )

    statuses = [client.get("/api/v1/me").status_code for _ in range(31)]
    refused = client.get("/api/v1/orders/")

    assert statuses == [401] * 30 + [429]
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 60
    body = refused.json()["error"]
    assert body["code"] == "rate_limited"
    assert body["message"].startswith(
        "Too many requests without valid credentials from your address. Try again in "
    )
    other_address = Client(HTTP_HOST=tenant_a.host, REMOTE_ADDR="203.0.113.51")
    assert other_address.get("/api/v1/me").status_code == 401


def test_calls_without_credentials_count_too_and_valid_keys_are_not_limited_by_them(tenant_a):
    anonymous = Client(HTTP_HOST=tenant_a.host, REMOTE_ADDR="203.0.113.60")
    for _ in range(30):
        anonymous.get("/api/v1/me")

    assert anonymous.get("/api/v1/me").status_code == 429
    with_key = Client(
        HTTP_HOST=tenant_a.host,
        REMOTE_ADDR="203.0.113.60",
        HTTP_AUTHORIZATION=f"Bearer {tenant_a.admin_key}",
    )
    assert with_key.get("/api/v1/me").status_code == 200


def test_sign_ups_from_one_address_are_limited(db, settings):
    settings.SIGNUP_RATE_LIMIT_PER_HOUR = 3
    public = Client(HTTP_HOST="localhost", REMOTE_ADDR="203.0.113.70")

    # invalid sign-ups count as well: the limit is on attempts, each of which may create a schema
    statuses = [public.post("/signup/", {"name": ""}).status_code for _ in range(4)]

    assert statuses == [400, 400, 400, 429]
    refused = public.post("/signup/", {"name": ""})
    assert 3000 < int(refused["Retry-After"]) <= 3600
    page = refused.content.decode()
    assert "Too many sign-ups" in page
    assert "Try again in 60 minutes." in page


@pytest.mark.parametrize("limit", [2])
def test_invitations_from_one_address_are_limited(tenant_a, settings, limit):
    settings.INVITATION_RATE_LIMIT_PER_HOUR = limit
    client = tenant_a.api()

    statuses = [
        client.post(
            "/api/v1/users",
            data=json.dumps({"email": f"new{number}@alpha.test", "role": "dispatcher"}),
            content_type="application/json",
        ).status_code
        for number in range(3)
    ]
    page = tenant_a.browser(Role.OWNER).post(
        "/team/", {"email": "web@alpha.test", "role": "dispatcher"}
    )

    assert statuses == [201, 201, 429]
    assert page.status_code == 429
    assert "Too many invitations" in page.content.decode()
    with tenant_a.use():
        assert User.objects.filter(email__startswith="new").count() == 2
        assert not User.objects.filter(email="web@alpha.test").exists()
