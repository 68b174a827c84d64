"""The API conventions of SPEC.md: error shape, pagination, idempotency, rate limiting, auth."""

import json
from concurrent.futures import ThreadPoolExecutor

from django.test import Client

from tenants.accounts.models import ApiKey, IdempotencyRecord
from tenants.accounts.services import api_key_create, api_key_revoke


def post_json(client, path, body, **headers):
    return client.post(path, data=json.dumps(body), content_type="application/json", **headers)


# --- authentication -------------------------------------------------------------------------


def test_missing_credentials_answer_401_with_bearer_challenge(tenant_a):
    response = tenant_a.anonymous().get("/api/v1/me")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert response.json() == {
        "error": {
            "code": "not_authenticated",
            "message": "Authentication credentials were not provided.",
            "fields": {},
        }
    }


def test_unknown_and_revoked_keys_are_refused(tenant_a):
    with tenant_a.use():
        api_key, raw_key = api_key_create(name="Soon revoked")
        api_key_revoke(api_key=api_key)

    for key in (raw_key, "dk_00000000_nope", "not-even-our-format"):
        response = tenant_a.api(key=key).get("/api/v1/me")
        assert response.status_code == 401
        assert response.json()["error"] == {
            "code": "authentication_failed",
            "message": "Invalid or revoked API key.",
            "fields": {},
        }


def test_malformed_authorization_header_is_refused(tenant_a):
    client = Client(HTTP_HOST=tenant_a.host, HTTP_AUTHORIZATION="Bearer two parts")

    response = client.get("/api/v1/me")

    assert response.status_code == 401
    assert response.json()["error"]["message"] == (
        "Malformed Authorization header: expected 'Bearer <api key>'."
    )


def test_keys_are_stored_hashed_with_a_visible_prefix(tenant_a):
    with tenant_a.use():
        api_key, raw_key = api_key_create(name="Hashed")
        stored = ApiKey.objects.get(pk=api_key.pk)

    assert raw_key.startswith(f"dk_{stored.prefix}_")
    assert raw_key not in (stored.key_hash, stored.prefix, stored.name)
    assert len(stored.key_hash) == 64


def test_session_writes_require_csrf(tenant_a):
    client = Client(HTTP_HOST=tenant_a.host, enforce_csrf_checks=True)
    with tenant_a.use():
        client.force_login(tenant_a.users["owner"])
        before = ApiKey.objects.count()

    response = post_json(client, "/api/v1/api-keys/", {"name": "From the dashboard"})

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    with tenant_a.use():
        assert ApiKey.objects.count() == before


def test_session_reads_work(tenant_a):
    response = tenant_a.browser("dispatcher").get("/api/v1/me")

    assert response.status_code == 200
    assert response.json() == {
        "type": "user",
        "id": str(tenant_a.users["dispatcher"].pk),
        "role": "dispatcher",
        "email": "dispatcher@alpha.test",
        "name": "Dispatcher",
        "tenant": {"slug": "alpha", "name": "Business ALPHA", "time_zone": "Europe/Amsterdam"},
    }


# --- error shape ----------------------------------------------------------------------------


def test_validation_errors_have_the_error_shape(tenant_a):
    response = post_json(tenant_a.api(), "/api/v1/api-keys/", {"role": "superuser"})

    assert response.status_code == 400
    assert response.json() == {
        "error": {
            "code": "validation_error",
            "message": "name: This field is required. (and 1 more field)",
            "fields": {
                "name": ["This field is required."],
                "role": ['"superuser" is not a valid choice.'],
            },
        }
    }


def test_malformed_json_is_a_parse_error(tenant_a):
    response = tenant_a.api().post(
        "/api/v1/api-keys/", data="{not json", content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parse_error"


def test_non_json_bodies_are_refused(tenant_a):
    response = tenant_a.api().post("/api/v1/api-keys/", data={"name": "form"})

    assert response.status_code == 415
    assert response.json()["error"]["code"] == "unsupported_media_type"


def test_unknown_api_paths_answer_404_in_the_error_shape(tenant_a):
    response = tenant_a.api().get("/api/v1/no-such-thing/")

    assert response.status_code == 404
    assert response.json() == {
        "error": {"code": "not_found", "message": "Not found.", "fields": {}}
    }


def test_unknown_host_answers_404(tenant_a):
    response = Client(HTTP_HOST="nobody.localhost").get("/api/v1/me")

    assert response.status_code == 404
    assert response.json()["error"] == {
        "code": "not_found",
        "message": "No business at this address.",
        "fields": {},
    }


def test_wrong_role_answers_403(tenant_a):
    response = tenant_a.api(key=tenant_a.dispatcher_key).get("/api/v1/api-keys/")

    assert response.status_code == 403
    assert response.json()["error"] == {
        "code": "permission_denied",
        "message": "Only an owner or admin may do this.",
        "fields": {},
    }


# --- pagination -----------------------------------------------------------------------------


def test_lists_are_cursor_paginated(tenant_a):
    # given 7 keys besides the fixture's two
    with tenant_a.use():
        for number in range(7):
            api_key_create(name=f"Key {number}")
        expected = list(
            ApiKey.objects.order_by("-created_at", "-id").values_list("name", flat=True)
        )
    client = tenant_a.api()

    # when we walk the list three at a time
    names, url, pages = [], "/api/v1/api-keys/?limit=4", 0
    while url:
        body = client.get(url).json()
        assert set(body) == {"results", "next"}
        names += [item["name"] for item in body["results"]]
        url = body["next"]
        pages += 1

    # then every key is seen once, newest first
    assert pages == 3
    assert names == expected


def test_default_page_size_is_50(tenant_a):
    with tenant_a.use():
        for number in range(55):
            api_key_create(name=f"Key {number}")

    body = tenant_a.api().get("/api/v1/api-keys/").json()

    assert len(body["results"]) == 50
    assert body["next"].startswith("http://alpha.localhost/api/v1/api-keys/?cursor=")


def test_bad_limit_and_cursor_are_validation_errors(tenant_a):
    client = tenant_a.api()
    for limit in ("0", "501", "ten"):
        response = client.get(f"/api/v1/api-keys/?limit={limit}")
        assert response.status_code == 400
        assert response.json()["error"]["fields"] == {
            "limit": ["Must be an integer between 1 and 500."]
        }

    response = client.get("/api/v1/api-keys/?cursor=garbage")
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "cursor": ["Invalid cursor: use the 'next' URL of a previous page."]
    }


# --- idempotency ----------------------------------------------------------------------------


def test_a_retry_replays_the_first_response(tenant_a):
    client = tenant_a.api()
    with tenant_a.use():
        before = ApiKey.objects.count()

    first = post_json(client, "/api/v1/api-keys/", {"name": "Once"}, HTTP_IDEMPOTENCY_KEY="k-1")
    retry = post_json(client, "/api/v1/api-keys/", {"name": "Once"}, HTTP_IDEMPOTENCY_KEY="k-1")

    assert first.status_code == 201
    assert "Idempotent-Replayed" not in first
    assert retry.status_code == 201
    assert retry["Idempotent-Replayed"] == "true"
    assert retry.content == first.content
    with tenant_a.use():
        assert ApiKey.objects.count() == before + 1


def test_the_same_key_with_another_body_answers_422(tenant_a):
    client = tenant_a.api()
    post_json(client, "/api/v1/api-keys/", {"name": "First"}, HTTP_IDEMPOTENCY_KEY="k-2")
    with tenant_a.use():
        before = ApiKey.objects.count()

    response = post_json(client, "/api/v1/api-keys/", {"name": "Other"}, HTTP_IDEMPOTENCY_KEY="k-2")

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "idempotency_key_reused"
    with tenant_a.use():
        assert ApiKey.objects.count() == before


def test_a_retry_while_the_first_runs_answers_409(tenant_a):
    # given a claim for the key that has not finished (the first request is still running)
    client = tenant_a.api()
    body = {"name": "Slow"}
    from tenants.api.idempotency import idempotency_claim, request_fingerprint

    with tenant_a.use():
        api_key = ApiKey.objects.get(name="Admin key")
        idempotency_claim(
            principal=f"key:{api_key.pk}",
            key="k-3",
            fingerprint=request_fingerprint(
                method="POST", path="/api/v1/api-keys/", body=json.dumps(body).encode()
            ),
        )

    response = post_json(client, "/api/v1/api-keys/", body, HTTP_IDEMPOTENCY_KEY="k-3")

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "idempotency_request_in_progress"


def test_keys_are_scoped_to_the_caller(tenant_a):
    admin, dispatcher_owner = tenant_a.api(), tenant_a.browser("owner")

    first = post_json(admin, "/api/v1/api-keys/", {"name": "Mine"}, HTTP_IDEMPOTENCY_KEY="shared")
    second = post_json(
        dispatcher_owner, "/api/v1/api-keys/", {"name": "Mine"}, HTTP_IDEMPOTENCY_KEY="shared"
    )

    assert first.status_code == second.status_code == 201
    assert first.json()["id"] != second.json()["id"]


def test_validation_failures_are_replayed_too(tenant_a):
    client = tenant_a.api()

    first = post_json(client, "/api/v1/api-keys/", {"name": ""}, HTTP_IDEMPOTENCY_KEY="k-4")
    retry = post_json(client, "/api/v1/api-keys/", {"name": ""}, HTTP_IDEMPOTENCY_KEY="k-4")

    assert first.status_code == retry.status_code == 400
    assert retry["Idempotent-Replayed"] == "true"
    assert retry.content == first.content


def test_an_invalid_idempotency_key_is_refused(tenant_a):
    response = post_json(
        tenant_a.api(), "/api/v1/api-keys/", {"name": "x"}, HTTP_IDEMPOTENCY_KEY="x" * 256
    )

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "Idempotency-Key": ["Must be 1–255 printable ASCII characters."]
    }


def test_twenty_concurrent_posts_with_one_key_have_one_side_effect(
    asgi_server, committed_tenant, django_db_blocker
):
    # given a business on the running server, with room for 21 requests this second
    world = committed_tenant("idem")
    with django_db_blocker.unblock():
        world.tenant.api_rate_limit = 100
        world.tenant.save(update_fields=["api_rate_limit"])
    body = {"name": "Exactly once"}
    headers = {
        "Authorization": f"Bearer {world.admin_key}",
        "Idempotency-Key": "order-import-2026-11-26",
    }

    # when 20 clients post the same request at the same moment
    def post(_):
        return asgi_server.request(
            "POST", world.host, "/api/v1/api-keys/", json=body, headers=headers
        )

    with ThreadPoolExecutor(max_workers=20) as pool:
        responses = list(pool.map(post, range(20)))

    # then one key was created; every answer is that creation, its replay, or "still running"
    statuses = sorted(response.status_code for response in responses)
    assert set(statuses) <= {201, 409}
    created = [r for r in responses if r.status_code == 201]
    assert len(created) >= 1
    assert len({r.content for r in created}) == 1
    with django_db_blocker.unblock(), world.use():
        assert ApiKey.objects.filter(name="Exactly once").count() == 1
        assert IdempotencyRecord.objects.count() == 1

    # and a later retry replays the very same body
    replay = post(None)
    assert replay.status_code == 201
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert replay.content == created[0].content


# --- rate limiting --------------------------------------------------------------------------


def test_rate_limit_headers_on_every_response(tenant_a):
    response = tenant_a.api().get("/api/v1/me")

    assert response["X-RateLimit-Limit"] == "20"
    assert response["X-RateLimit-Remaining"] == "19"


def test_a_burst_over_the_limit_gets_429_and_other_keys_are_unaffected(tenant_a):
    # given a business limited to 5 requests per second per key
    tenant_a.tenant.api_rate_limit = 5
    tenant_a.tenant.save(update_fields=["api_rate_limit"])
    client = tenant_a.api()

    # when one key sends 6 requests at once
    responses = [client.get("/api/v1/me") for _ in range(6)]

    # then the sixth is refused with a retry hint, and another key still has its full budget
    assert [r.status_code for r in responses] == [200, 200, 200, 200, 200, 429]
    assert [r["X-RateLimit-Remaining"] for r in responses] == ["4", "3", "2", "1", "0", "0"]
    refused = responses[-1]
    assert refused["Retry-After"] == "1"
    assert refused["X-RateLimit-Limit"] == "5"
    assert refused.json()["error"]["code"] == "rate_limited"
    other = tenant_a.api(key=tenant_a.dispatcher_key).get("/api/v1/me")
    assert other.status_code == 200
    assert other["X-RateLimit-Remaining"] == "4"


def test_the_default_limit_is_twenty_per_second(tenant_a):
    client = tenant_a.api()

    statuses = [client.get("/api/v1/me").status_code for _ in range(21)]

    assert statuses == [200] * 20 + [429]


def test_a_refused_post_is_not_executed(tenant_a):
    tenant_a.tenant.api_rate_limit = 1
    tenant_a.tenant.save(update_fields=["api_rate_limit"])
    client = tenant_a.api()
    client.get("/api/v1/me")
    with tenant_a.use():
        before = ApiKey.objects.count()

    response = post_json(client, "/api/v1/api-keys/", {"name": "Too fast"})

    assert response.status_code == 429
    with tenant_a.use():
        assert ApiKey.objects.count() == before
