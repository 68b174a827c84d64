"""The OpenAPI schema is valid, complete, and the docs page needs no internet."""

import gzip
import re

import pytest
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


def test_docs_page_loads_only_the_scripts_its_layout_uses(tenant_a, monkeypatch):
    # (no schema generation in the background, left running into the next test)
    monkeypatch.setattr("tenants.api.schema_view._warm", lambda *args: None)
    # Swagger UI's base layout never uses the standalone preset: its 270 KB are not loaded.
    html = tenant_a.anonymous().get("/api/docs/").content.decode()

    assert re.findall(r"<script src=\"([^\"]+)\"", html) == [
        "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js",
        "/api/docs/?script=",
    ]


def _schema(tenant_a) -> dict:
    return yaml.safe_load(tenant_a.anonymous().get("/api/schema/").content)


ERROR_REF = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}


def test_every_operation_documents_its_error_statuses_with_the_error_shape(tenant_a):
    schema = _schema(tenant_a)

    undocumented = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            expected = {"400", "401", "403", "404", "406", "429"}
            if method in ("post", "put", "patch"):
                expected |= {"413", "415"}
            if method in ("post", "put", "patch", "delete"):
                expected.add("409")
            if method == "post":
                expected.add("422")
            for status in sorted(expected):
                response = operation["responses"].get(status)
                if (
                    response is None
                    or response.get("content", {}).get("application/json")
                    != ERROR_REF["application/json"]
                    and not _is_error_schema(
                        schema, response.get("content", {}).get("application/json", {})
                    )
                ):
                    undocumented.append(f"{method.upper()} {path} {status}")
    assert undocumented == []
    assert schema["components"]["schemas"]["Error"] == {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message", "fields"],
                "properties": {
                    "code": {"type": "string", "example": "validation_error"},
                    "message": {"type": "string"},
                    "fields": {
                        "type": "object",
                        "description": "Per field (dotted path) its problems.",
                        "additionalProperties": {"type": "array", "items": {"type": "string"}},
                    },
                },
            }
        },
    }


def _is_error_schema(schema: dict, media: dict) -> bool:
    """An operation's own error body (the CSV import's 400 adds `error.rows`) still has `error`."""
    body = media.get("schema", {})
    if "$ref" in body:
        body = schema["components"]["schemas"][body["$ref"].rsplit("/", 1)[1]]
    return "error" in body.get("properties", {})


def test_the_notification_settings_times_have_no_offset_in_schema_and_body(tenant_a):
    schema = _schema(tenant_a)
    client = tenant_a.api()

    saved = client.put(
        "/api/v1/notifications/settings",
        data='{"quiet_hours_start": "21:30", "quiet_hours_end": "07:00"}',
        content_type="application/json",
    )

    field = schema["components"]["schemas"]["NotificationSettings"]["properties"][
        "quiet_hours_start"
    ]
    assert "format" not in field
    assert field["pattern"] == "^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$"
    assert saved.status_code == 200
    assert saved.json()["quiet_hours_start"] == "21:30:00"
    assert re.fullmatch(field["pattern"], saved.json()["quiet_hours_end"])


def test_the_template_list_is_documented_as_the_object_it_is(tenant_a):
    schema = _schema(tenant_a)

    body = tenant_a.api().get("/api/v1/notifications/templates").json()

    documented = schema["paths"]["/api/v1/notifications/templates/"]["get"]["responses"]["200"]
    ref = documented["content"]["application/json"]["schema"]["$ref"]
    component = schema["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert component["type"] == "object"
    assert sorted(component["properties"]) == ["placeholders", "results"]
    assert sorted(body) == ["placeholders", "results"]


def test_order_events_are_documented_without_pagination(tenant_a):
    schema = _schema(tenant_a)

    operation = schema["paths"]["/api/v1/orders/{id}/events/"]["get"]

    ref = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    component = schema["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert sorted(component["properties"]) == ["results"]
    assert [parameter["name"] for parameter in operation["parameters"]] == ["id"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/orders/not-a-uuid/"),
        ("get", "/api/v1/orders/%C2%84/events/"),
        ("post", "/api/v1/api-keys/42/revoke/"),
        ("delete", "/api/v1/webhooks/nope"),
        ("get", "/api/v2/orders/"),
    ],
)
@pytest.mark.parametrize("debug", [False, True])
def test_an_unknown_api_path_is_a_json_404_in_development_too(
    tenant_a, settings, method, path, debug
):
    settings.DEBUG = debug
    client = tenant_a.browser("owner")  # a session cookie: no CSRF page either

    response = getattr(client, method)(path)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "error": {"code": "not_found", "message": "Not found.", "fields": {}}
    }


@pytest.fixture
def schema_generations(monkeypatch) -> list:
    """A process that has not served the schema yet; the list gets an entry each time
    drf-spectacular generates it (the real generator runs)."""
    from drf_spectacular.generators import SchemaGenerator

    from tenants.api.schema_view import CachedSchemaView

    monkeypatch.setattr(CachedSchemaView, "_rendered", {})
    generated = []
    original = SchemaGenerator.get_schema

    def counting(self, *args, **kwargs):
        generated.append(1)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(SchemaGenerator, "get_schema", counting)
    return generated


def test_the_schema_is_generated_once_per_process_and_format(tenant_a, schema_generations):
    # given a process that has not served the schema yet
    generated = schema_generations
    client = tenant_a.anonymous()

    # when it is asked twice as YAML and twice as JSON (as Swagger UI asks)
    yaml_first = client.get("/api/schema/")
    yaml_again = client.get("/api/schema/")
    json_first = client.get("/api/schema/", HTTP_ACCEPT="application/json,*/*")
    json_again = client.get("/api/schema/", HTTP_ACCEPT="application/json,*/*")

    # then each format was generated once and served the same from memory
    assert len(generated) == 2
    assert yaml_first.content == yaml_again.content
    assert json_first.content == json_again.content
    assert yaml_first["Content-Type"] == yaml_again["Content-Type"]
    assert json_again["Content-Type"] == "application/json"
    assert yaml.safe_load(yaml_again.content) == json_again.json()
    compressed = client.get(
        "/api/schema/", HTTP_ACCEPT="application/json", HTTP_ACCEPT_ENCODING="gzip, br"
    )
    assert compressed["Content-Encoding"] == "gzip"
    assert gzip.decompress(compressed.content) == json_again.content
    assert len(generated) == 2


def test_the_favicon_is_served_on_every_host(tenant_a, client):
    from django.templatetags.static import static

    business = tenant_a.anonymous().get("/favicon.ico")
    public = client.get("/favicon.ico", HTTP_HOST="localhost")
    icon = tenant_a.anonymous().get(static("img/favicon.ico"))
    page = tenant_a.anonymous().get("/login/")

    assert (business.status_code, business["Location"]) == (302, static("img/favicon.ico"))
    assert (public.status_code, public["Location"]) == (302, static("img/favicon.ico"))
    assert icon.status_code == 200
    assert b"".join(icon.streaming_content)[:4] == b"\x00\x00\x01\x00"  # an ICO file
    assert f'<link rel="icon" href="{static("img/favicon.svg")}"' in page.content.decode()


def test_the_docs_page_prepares_the_schema_while_its_scripts_load(tenant_a, schema_generations):
    import time

    from tenants.api.schema_view import CachedSchemaView

    # given a process that has not served the schema yet
    generated = schema_generations
    client = tenant_a.anonymous()

    # when the docs page is opened
    page = client.get("/api/docs/")
    deadline = time.monotonic() + 60
    while not CachedSchemaView._rendered and time.monotonic() < deadline:
        time.sleep(0.05)  # waiting for the warm-up thread is what is tested
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json,*/*")

    # then the schema was generated in the background, once, and Swagger UI's request read it
    assert page.status_code == 200
    assert schema.status_code == 200
    assert len(generated) == 1
    assert schema.json()["info"]["title"] == "Delivery platform API"


PREPARED_AT_START = """
import time
import config.asgi
from tenants.api.schema_view import CachedSchemaView
deadline = time.monotonic() + 60
while not CachedSchemaView._rendered and time.monotonic() < deadline:
    time.sleep(0.05)
print(sorted(key[1] for key in CachedSchemaView._rendered))
"""


def test_a_web_process_prepares_the_docs_schema_when_it_starts():
    import os
    import subprocess
    import sys

    # when a web process loads the ASGI application with API_SCHEMA_PREPARE_ON_START on
    started = subprocess.run(
        [sys.executable, "-c", PREPARED_AT_START],
        env={**os.environ, "API_SCHEMA_PREPARE_ON_START": "1"},
        capture_output=True,
        text=True,
        timeout=120,
    )

    # then the schema in the default language is ready before any visit asks for it
    assert started.returncode == 0, started.stderr[-2000:]
    assert started.stdout.strip().splitlines()[-1] == "['en']"
