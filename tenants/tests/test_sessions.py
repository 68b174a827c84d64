"""Drivers sign in once on their phone and stay signed in (a long session that slides with use);
every other role keeps the normal session age."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.utils import timezone

from tenants.accounts.models import Role
from tests.fixtures.tenants import PASSWORD


def sign_in(world, role: str, path: str = "/login/"):
    client = world.anonymous()
    response = client.post(path, {"username": world.users[role].email, "password": PASSWORD})
    return client, response


def stored_session(world, client) -> Session:
    with world.use():
        return Session.objects.get(session_key=client.cookies[settings.SESSION_COOKIE_NAME].value)


def test_a_driver_gets_a_long_session_and_lands_on_their_route(tenant_a):
    before = timezone.now()

    client, response = sign_in(tenant_a, Role.DRIVER)

    assert (response.status_code, response["Location"]) == (302, "/driver/")
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["max-age"] == settings.DRIVER_SESSION_AGE == 30 * 24 * 3600
    expires = stored_session(tenant_a, client).expire_date
    assert (
        before + timedelta(seconds=settings.DRIVER_SESSION_AGE)
        <= expires
        <= timezone.now() + timedelta(seconds=settings.DRIVER_SESSION_AGE)
    )


@pytest.mark.parametrize("role", [Role.OWNER, Role.ADMIN, Role.DISPATCHER])
def test_other_roles_keep_the_normal_session_age(tenant_a, role):
    before = timezone.now()

    client, response = sign_in(tenant_a, role)

    assert (response.status_code, response["Location"]) == (302, "/")
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["max-age"] == settings.SESSION_COOKIE_AGE == 14 * 24 * 3600
    expires = stored_session(tenant_a, client).expire_date
    assert (
        before + timedelta(seconds=settings.SESSION_COOKIE_AGE)
        <= expires
        <= timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE)
    )


def test_a_driver_s_next_page_is_kept(tenant_a):
    _, response = sign_in(tenant_a, Role.DRIVER, "/login/?next=/driver/data/")

    assert (response.status_code, response["Location"]) == (302, "/driver/data/")


def test_a_driver_s_session_slides_with_each_visit(tenant_a):
    # given a driver's session signed in 29 days ago, one day from its end
    client, _ = sign_in(tenant_a, Role.DRIVER)
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    with tenant_a.use():
        Session.objects.filter(session_key=key).update(
            expire_date=timezone.now() + timedelta(days=1)
        )
    before = timezone.now()

    # when the driver opens their route
    response = client.get("/driver/")

    # then the session lasts 30 days from now again, in the cookie and on the server
    assert response.status_code == 200
    assert client.cookies[settings.SESSION_COOKIE_NAME]["max-age"] == settings.DRIVER_SESSION_AGE
    expires = stored_session(tenant_a, client).expire_date
    assert expires >= before + timedelta(seconds=settings.DRIVER_SESSION_AGE)


def test_a_wrong_password_signs_nobody_in(tenant_a):
    client = tenant_a.anonymous()

    response = client.post(
        "/login/", {"username": tenant_a.users[Role.DRIVER].email, "password": "wrong-password"}
    )

    assert response.status_code == 200
    assert settings.SESSION_COOKIE_NAME not in client.cookies


@pytest.mark.parametrize(
    "cookie",
    ['"abcdefghij\\000klmnop"', '"abcdefghij\\012klmnop"', "abcdefghijklmnopqrstuvwxyz-0123_"],
    ids=["quoted-nul", "quoted-line-break", "not-a-session-key"],
)
def test_a_session_cookie_that_is_no_session_key_is_no_session(tenant_a, cookie):
    # the cookie's quoted octal escape decodes to a NUL, which PostgreSQL cannot compare
    client = tenant_a.anonymous()
    client.cookies.load(f"{settings.SESSION_COOKIE_NAME}={cookie}")

    response = client.get("/orders/")

    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/orders/"
