"""No path leaks across tenants: A's key on B's host → 401; B's ids on A's host → 404;
and in both cases nothing changes in either business."""

import json

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from tests.isolation.registry import load
from tests.isolation.snapshot import schema_fingerprint

ENDPOINTS = load()
ID_ENDPOINTS = [endpoint for endpoint in ENDPOINTS if "{id}" in endpoint.path]
IGNORED_METHODS = {"HEAD", "OPTIONS"}


def _api_routes() -> set[tuple[str, str]]:
    """(route name, method) for every view under the `api` namespace of the tenant URLconf."""
    routes = set()

    def walk(patterns, namespace):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, pattern.namespace or namespace)
            elif isinstance(pattern, URLPattern) and namespace == "api":
                callback = pattern.callback
                actions = getattr(callback, "actions", None)
                if actions:
                    methods = {method.upper() for method in actions}
                else:
                    view_class = callback.view_class
                    methods = {
                        m.upper() for m in view_class.http_method_names if hasattr(view_class, m)
                    }
                routes.update((pattern.name, m) for m in methods - IGNORED_METHODS)

    walk(get_resolver("config.urls_tenant").url_patterns, None)
    return routes


def _path(endpoint, object_id=None) -> str:
    return endpoint.path.replace("{id}", str(object_id)) if object_id else endpoint.path


def _call(client, endpoint, path):
    if endpoint.method in ("GET", "DELETE"):
        return client.generic(endpoint.method, path)
    return client.generic(
        endpoint.method, path, data=json.dumps(endpoint.body), content_type="application/json"
    )


def test_every_api_route_is_registered_in_the_harness():
    registered = {(endpoint.route, endpoint.method) for endpoint in ENDPOINTS}
    assert _api_routes() - registered == set()


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda endpoint: endpoint.name)
def test_a_key_of_another_business_is_not_authenticated(endpoint, tenant_a, tenant_b):
    # given an object of B (for paths with an id) and B's state
    object_id = endpoint.make_object(tenant_b) if endpoint.make_object else None
    before = schema_fingerprint(tenant_b.schema)

    # when A's key is used on B's host
    response = _call(tenant_b.api(key=tenant_a.admin_key), endpoint, _path(endpoint, object_id))

    # then B does not know the key, and nothing in B changed
    assert response.status_code == 401, response.content
    assert response.json()["error"]["code"] == "authentication_failed"
    assert schema_fingerprint(tenant_b.schema) == before


@pytest.mark.parametrize("endpoint", ID_ENDPOINTS, ids=lambda endpoint: endpoint.name)
def test_ids_of_another_business_are_not_found(endpoint, tenant_a, tenant_b):
    # given an object of B, and A's key freshly used (so its last-used time stays put)
    object_id = endpoint.make_object(tenant_b)
    client = tenant_a.api()
    assert client.get("/api/v1/me").status_code == 200
    before_a, before_b = schema_fingerprint(tenant_a.schema), schema_fingerprint(tenant_b.schema)

    # when A's key asks for B's object on A's host
    response = _call(client, endpoint, _path(endpoint, object_id))

    # then it is not found, exactly as a missing object, and nothing changed anywhere
    assert response.status_code == 404, response.content
    assert response.json() == {
        "error": {"code": "not_found", "message": "Not found.", "fields": {}}
    }
    assert schema_fingerprint(tenant_a.schema) == before_a
    assert schema_fingerprint(tenant_b.schema) == before_b
