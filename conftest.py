"""Fixtures for every test (see tests/fixtures): businesses A and B with every role and API keys,
and real servers (ASGI web, Celery worker) for the flows that cross processes."""

pytest_plugins = [
    "tests.fixtures.tenants",
    "tests.fixtures.live",
    "tests.fixtures.browser",
    "tests.fixtures.geocoder",
]
