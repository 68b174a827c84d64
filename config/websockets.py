"""Websocket paths of every app."""

from django.urls import path

from tenants.consumers import PingConsumer
from tracking.consumers import (
    DispatchConsumer,
    DriverConsumer,
    DriverRouteConsumer,
    TrackConsumer,
)

websocket_urlpatterns = [
    path("ws/ping/", PingConsumer.as_asgi()),
    path("ws/dispatch/", DispatchConsumer.as_asgi()),
    path("ws/driver/", DriverConsumer.as_asgi()),
    path("ws/driver/route/", DriverRouteConsumer.as_asgi()),
    path("ws/track/<str:token>/", TrackConsumer.as_asgi()),
]
