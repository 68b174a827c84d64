"""ASGI entry point: Django for HTTP, Channels for websockets (tenant from the Host header)."""

import os

from django.conf import settings
from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.development")

django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from config.websockets import websocket_urlpatterns  # noqa: E402
from tenants.websocket import TenantWebsocketMiddleware  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": TenantWebsocketMiddleware(URLRouter(websocket_urlpatterns)),
    }
)

if settings.API_SCHEMA_PREPARE_ON_START:
    from tenants.api.schema_view import schema_prepare  # noqa: E402

    schema_prepare(host=settings.BASE_DOMAIN, language=settings.LANGUAGE_CODE)
