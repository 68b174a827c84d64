"""`/driver/…` on the tenant host."""

from django.urls import path

from delivery.driver import views

urlpatterns = [
    path("", views.driver_home, name="driver-home"),
    path("data/", views.driver_data, name="driver-data"),
    path("sw.js", views.service_worker, name="driver-service-worker"),
]
