"""The platform's API endpoints, registered in the tenant-isolation harness."""

from tenants.accounts.models import Role
from tenants.accounts.services import api_key_create, user_create
from tests.isolation.registry import Endpoint, register


def make_user(world) -> str:
    with world.use():
        return str(user_create(email="isolated@example.test", role=Role.DRIVER, password=None).pk)


def make_api_key(world) -> str:
    with world.use():
        return str(api_key_create(name="Isolated key")[0].pk)


register(
    Endpoint("me", "GET", "/api/v1/me"),
    Endpoint("user-list", "GET", "/api/v1/users/"),
    Endpoint(
        "user-list", "POST", "/api/v1/users/", body={"email": "new@example.test", "role": "driver"}
    ),
    Endpoint("user-detail", "GET", "/api/v1/users/{id}/", make_object=make_user),
    Endpoint("user-deactivate", "POST", "/api/v1/users/{id}/deactivate", make_object=make_user),
    Endpoint("user-unlock", "POST", "/api/v1/users/{id}/unlock", make_object=make_user),
    Endpoint("api-key-list", "GET", "/api/v1/api-keys/"),
    Endpoint("api-key-list", "POST", "/api/v1/api-keys/", body={"name": "New key"}),
    Endpoint("api-key-detail", "GET", "/api/v1/api-keys/{id}/", make_object=make_api_key),
    Endpoint("api-key-revoke", "POST", "/api/v1/api-keys/{id}/revoke", make_object=make_api_key),
)
