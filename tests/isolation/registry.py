"""The tenant-isolation harness's catalogue: every API endpoint registers here.

An app lists its endpoints in `<app>/tests/isolation.py` with `register(Endpoint(...))` and adds
that module to APP_MODULES below; `test_isolation.py` then proves, for each endpoint, that
another business's key and another business's ids get nowhere and change nothing. A test fails
if an API route exists that nobody registered.
"""

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field

APP_MODULES = [
    "tenants.tests.isolation",
    "delivery.tests.isolation",
    "delivery.customers.tests.isolation",
    "routing.tests.isolation",
    "notifications.tests.isolation",
    "tracking.tests.isolation",
]


@dataclass(frozen=True)
class Endpoint:
    route: str  # the URL name in the `api` namespace, e.g. "user-detail"
    method: str
    path: str  # with "{id}" where an object id goes
    # Creates an object in the given business (a tests.fixtures.tenants.World); returns its id.
    make_object: Callable | None = None
    body: dict = field(default_factory=dict)
    # The path as the OpenAPI schema writes it, when it has more than one id (else `path`).
    documented_path: str = ""

    @property
    def name(self) -> str:
        return f"{self.method} {self.path}"


ENDPOINTS: list[Endpoint] = []


def register(*endpoints: Endpoint) -> None:
    ENDPOINTS.extend(endpoints)


def load() -> list[Endpoint]:
    for module in APP_MODULES:
        importlib.import_module(module)
    return ENDPOINTS
