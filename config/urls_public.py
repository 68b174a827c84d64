"""URLs on the public site (`BASE_DOMAIN`): landing page, sign-up and sign-in."""

from django.urls import path

from tenants import views
from tenants.javascript_catalog import BusinessJavaScriptCatalog

urlpatterns = [
    path("", views.landing, name="landing"),
    path("signup/", views.signup, name="signup"),
    path("login/", views.public_login, name="public-login"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("jsi18n/<str:language>/", BusinessJavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("healthz", views.health, name="health"),
    path("readyz", views.ready, name="ready"),
]
