"""Websocket middleware: the business from the Host header, the user from its session."""

from http.cookies import CookieError, SimpleCookie
from urllib.parse import urlsplit

from channels.db import database_sync_to_async
from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, load_backend
from django.contrib.sessions.backends.db import SessionStore
from django.utils.crypto import constant_time_compare
from django_tenants.utils import tenant_context

from tenants.models import Tenant
from tenants.selectors import tenant_for_host


def _header(scope, name: bytes) -> str:
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin1")
    return ""


def _hostname(value: str) -> str:
    return value.split(":")[0].lower()


@database_sync_to_async
def _tenant(hostname: str) -> Tenant | None:
    tenant = tenant_for_host(hostname=hostname)
    if tenant is None or tenant.schema_name == settings.PUBLIC_SCHEMA_NAME:
        return None
    return tenant


@database_sync_to_async
def _session_user(tenant: Tenant, session_key: str):
    """The active user signed in with `session_key` in `tenant`'s schema, or None."""
    with tenant_context(tenant):
        session = SessionStore(session_key)
        user_id = session.get(SESSION_KEY)
        backend_path = session.get(BACKEND_SESSION_KEY)
        if user_id is None or backend_path not in settings.AUTHENTICATION_BACKENDS:
            return None
        user = load_backend(backend_path).get_user(user_id)
        if user is None or not constant_time_compare(
            session.get(HASH_SESSION_KEY, ""), user.get_session_auth_hash()
        ):
            return None
        return user


class TenantWebsocketMiddleware:
    """Puts `tenant` and `user` (or None) in the scope; refuses unknown hosts, foreign origins."""

    def __init__(self, inner) -> None:
        self.inner = inner

    async def __call__(self, scope, receive, send):
        hostname = _hostname(_header(scope, b"host"))
        origin = _header(scope, b"origin")
        # A page on another host must not open a socket with this host's cookies.
        if origin and _hostname(urlsplit(origin).netloc) != hostname:
            return await WebsocketDenier.as_asgi()(scope, receive, send)
        tenant = await _tenant(hostname)
        if tenant is None:
            return await WebsocketDenier.as_asgi()(scope, receive, send)
        user = None
        try:
            cookies = SimpleCookie(_header(scope, b"cookie"))
        except CookieError:
            cookies = SimpleCookie()
        morsel = cookies.get(settings.SESSION_COOKIE_NAME)
        if morsel is not None and morsel.value:
            user = await _session_user(tenant, morsel.value)
        return await self.inner({**scope, "tenant": tenant, "user": user}, receive, send)
