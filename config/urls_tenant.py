"""URLs on a business's host (`<slug>.<BASE_DOMAIN>`)."""

from django.shortcuts import render
from django.urls import include, path, re_path

from delivery.api.shopify import shopify_orders_webhook
from tenants.api.errors import api_not_found, json_error_response
from tenants.api.schema_view import CachedSchemaView, DocsView
from tenants.javascript_catalog import BusinessJavaScriptCatalog
from tenants.views import favicon, health, ready

urlpatterns = [
    path("api/v1/", include(("config.urls_api", "api"), namespace="api")),
    path("api/schema/", CachedSchemaView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script as a file: the CSP allows no inline code.
    path("api/docs/", DocsView.as_view(url_name="api-schema"), name="api-docs"),
    # Anything else under /api/ (a non-UUID id, a typo) is a JSON 404, with DEBUG on too: Django's
    # debug 404 page would answer HTML, which no API client can read.
    re_path(r"^api/", api_not_found, name="api-not-found"),
    path("favicon.ico", favicon, name="favicon"),
    # The pages' scripts' words in the business's language (the `djangojs` domain): same origin,
    # as the Content-Security-Policy wants; the driver's phone keeps a copy for dead spots.
    path("jsi18n/<str:language>/", BusinessJavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("healthz", health, name="health"),
    path("readyz", ready, name="ready"),
    path("integrations/shopify/orders", shopify_orders_webhook, name="shopify-orders-webhook"),
    path("", include("tenants.accounts.urls")),
    path("", include("web.urls")),
]


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def handler404(request, exception=None):
    if _is_api(request):
        return json_error_response("not_found", "Not found.", 404)
    return render(request, "errors/404.html", status=404)


def handler403(request, exception=None):
    if _is_api(request):
        return json_error_response("permission_denied", "You may not do this.", 403)
    return render(request, "errors/403.html", status=403)


def handler500(request):
    if _is_api(request):
        return json_error_response("server_error", "Something went wrong on our side.", 500)
    return render(request, "errors/500.html", status=500)
