"""Websocket paths of every app."""

from django.urls import path

from tenants.consumers import PingConsumer

websocket_urlpatterns = [
    path("ws/ping/", PingConsumer.as_asgi()),
]
