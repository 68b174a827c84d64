"""URLs on the public site (`BASE_DOMAIN`): landing page and sign-up."""

from django.urls import path

from tenants import views

urlpatterns = [
    path("", views.landing, name="landing"),
    path("signup/", views.signup, name="signup"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("healthz", views.health, name="health"),
    path("readyz", views.ready, name="ready"),
]
