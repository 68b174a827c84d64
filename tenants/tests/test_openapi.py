"""The OpenAPI schema is valid, complete, and the docs page needs no internet."""

import re

import yaml

from tests.isolation.registry import load


def test_schema_is_valid_and_lists_every_endpoint(tenant_a):
    response = tenant_a.anonymous().get("/api/schema/")

    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    assert schema["openapi"].startswith("3.")
    documented = {
        (method.upper(), path.rstrip("/"))
        for path, operations in schema["paths"].items()
        for method in operations
    }
    for endpoint in load():
        path = (endpoint.documented_path or endpoint.path).rstrip("/")
        assert (endpoint.method, path) in documented, endpoint.name
    assert schema["components"]["securitySchemes"]["ApiKey"]["scheme"] == "bearer"


def test_docs_page_loads_only_local_assets(tenant_a):
    response = tenant_a.anonymous().get("/api/docs/")

    assert response.status_code == 200
    html = response.content.decode()
    assert re.findall(r"""(?:src|href)=["'](https?:)?//""", html) == []
