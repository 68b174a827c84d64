"""`/api/v1/me`, `/api/v1/users/`, `/api/v1/api-keys/`: success, validation, roles."""

import json

from tenants.accounts.models import ApiKey, User


def post_json(client, path, body=None):
    return client.post(path, data=json.dumps(body or {}), content_type="application/json")


def test_me_with_an_api_key(tenant_a):
    with tenant_a.use():
        api_key = ApiKey.objects.get(name="Admin key")

    response = tenant_a.api().get("/api/v1/me")

    assert response.status_code == 200
    assert response.json() == {
        "type": "api_key",
        "id": str(api_key.pk),
        "role": "admin",
        "email": None,
        "name": "Admin key",
        "tenant": {"slug": "alpha", "name": "Business ALPHA", "time_zone": "Europe/Amsterdam"},
    }


def test_me_records_when_a_key_was_last_used(tenant_a):
    with tenant_a.use():
        ApiKey.objects.filter(name="Admin key").update(last_used_at=None)

    tenant_a.api().get("/api/v1/me")

    with tenant_a.use():
        assert ApiKey.objects.get(name="Admin key").last_used_at is not None


def test_list_users(tenant_a):
    response = tenant_a.api().get("/api/v1/users/")

    assert response.status_code == 200
    assert sorted(user["email"] for user in response.json()["results"]) == [
        "admin@alpha.test",
        "dispatcher@alpha.test",
        "driver@alpha.test",
        "owner@alpha.test",
    ]


def test_the_user_list_costs_the_same_queries_whatever_its_size(
    tenant_a, django_assert_max_num_queries
):
    client = tenant_a.browser("owner")
    client.get("/api/v1/users/?limit=2")  # warm up: session, content types

    with django_assert_max_num_queries(6):
        client.get("/api/v1/users/?limit=500")


def test_invite_a_user(tenant_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        response = post_json(
            tenant_a.browser("admin"),
            "/api/v1/users/",
            {"email": "New.Driver@Example.test", "full_name": "Nina", "role": "driver"},
        )

    assert response.status_code == 201
    body = response.json()
    assert body["email"] == "new.driver@example.test"
    assert body["role"] == "driver"
    assert body["is_active"] is True
    assert len(callbacks) == 1  # the invitation e-mail is queued after commit
    with tenant_a.use():
        user = User.objects.get(email="new.driver@example.test")
        assert user.invited_by == tenant_a.users["admin"]
        assert not user.has_usable_password()


def test_invite_validation(tenant_a):
    client = tenant_a.api()

    duplicate = post_json(
        client, "/api/v1/users/", {"email": "driver@alpha.test", "role": "driver"}
    )
    bad_role = post_json(client, "/api/v1/users/", {"email": "x@example.test", "role": "king"})
    bad_email = post_json(client, "/api/v1/users/", {"email": "nope", "role": "driver"})

    assert duplicate.status_code == 400
    assert duplicate.json()["error"]["fields"] == {
        "email": ["A user with this e-mail address already exists."]
    }
    assert bad_role.json()["error"]["fields"] == {"role": ['"king" is not a valid choice.']}
    assert bad_email.json()["error"]["fields"] == {"email": ["Enter a valid email address."]}


def test_an_admin_cannot_invite_an_owner(tenant_a):
    response = post_json(
        tenant_a.browser("admin"), "/api/v1/users/", {"email": "boss@example.test", "role": "owner"}
    )

    assert response.status_code == 403
    assert response.json()["error"]["message"] == (
        "You cannot invite someone as owner: it is above your role."
    )
    with tenant_a.use():
        assert not User.objects.filter(email="boss@example.test").exists()


def test_dispatchers_and_drivers_cannot_manage_users(tenant_a):
    for client in (tenant_a.browser("dispatcher"), tenant_a.browser("driver")):
        listing = client.get("/api/v1/users/")
        invite = post_json(client, "/api/v1/users/", {"email": "z@example.test", "role": "driver"})
        assert listing.status_code == invite.status_code == 403
    with tenant_a.use():
        assert not User.objects.filter(email="z@example.test").exists()


def test_deactivate_a_user(tenant_a):
    driver = tenant_a.users["driver"]
    driver_client = tenant_a.browser("driver")
    assert driver_client.get("/api/v1/me").status_code == 200

    response = post_json(tenant_a.api(), f"/api/v1/users/{driver.pk}/deactivate")

    assert response.status_code == 200
    assert response.json()["is_active"] is False
    assert response.json()["deactivated_at"] is not None
    # the driver's open session no longer works
    assert driver_client.get("/api/v1/me").status_code == 401


def test_nobody_deactivates_themselves_and_only_owners_deactivate_owners(tenant_a):
    owner = tenant_a.users["owner"]

    by_self = post_json(tenant_a.browser("owner"), f"/api/v1/users/{owner.pk}/deactivate")
    by_admin = post_json(tenant_a.browser("admin"), f"/api/v1/users/{owner.pk}/deactivate")

    assert by_self.status_code == 409
    assert by_self.json()["error"]["message"] == "You cannot deactivate yourself."
    assert by_admin.status_code == 403
    assert by_admin.json()["error"]["message"] == "Only an owner can deactivate an owner."
    with tenant_a.use():
        assert User.objects.get(pk=owner.pk).is_active is True


def test_unknown_ids_are_404(tenant_a):
    response = tenant_a.api().get("/api/v1/users/00000000-0000-0000-0000-000000000000/")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_create_an_api_key_shows_the_secret_once(tenant_a):
    client = tenant_a.browser("owner")

    created = post_json(client, "/api/v1/api-keys/", {"name": "Shopify sync", "role": "dispatcher"})

    assert created.status_code == 201
    body = created.json()
    assert set(body) == {
        "id",
        "name",
        "prefix",
        "role",
        "created_at",
        "last_used_at",
        "revoked_at",
        "key",
    }
    assert body["role"] == "dispatcher"
    assert body["key"].startswith(f"dk_{body['prefix']}_")
    listed = client.get(f"/api/v1/api-keys/{body['id']}/").json()
    assert "key" not in listed
    # the new key works, with its role
    me = tenant_a.api(key=body["key"]).get("/api/v1/me").json()
    assert (me["type"], me["role"], me["name"]) == ("api_key", "dispatcher", "Shopify sync")


def test_revoke_an_api_key(tenant_a):
    created = post_json(tenant_a.api(), "/api/v1/api-keys/", {"name": "Temporary"}).json()

    response = post_json(tenant_a.api(), f"/api/v1/api-keys/{created['id']}/revoke")

    assert response.status_code == 200
    assert response.json()["revoked_at"] is not None
    assert tenant_a.api(key=created["key"]).get("/api/v1/me").status_code == 401
