"""Resolve the business from the Host header before anything else touches the database."""

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.db import connection
from django.http import HttpResponseNotFound
from django.template.loader import render_to_string
from django.utils import translation
from django_tenants.middleware.main import TenantMainMiddleware

from tenants.api.errors import json_error_response
from tenants.locale import business_locale
from tenants.selectors import tenant_for_host


class TenantHostMiddleware(TenantMainMiddleware):
    def process_request(self, request):
        connection.set_schema_to_public()
        try:
            hostname = request.get_host().split(":")[0]
        except DisallowedHost:
            return HttpResponseNotFound()
        tenant = tenant_for_host(hostname=hostname)
        if tenant is None:
            return self.unknown_host_response(request, hostname)
        tenant.domain_url = hostname
        request.tenant = tenant
        connection.set_tenant(tenant)
        self.setup_url_routing(request)
        return None

    @staticmethod
    def unknown_host_response(request, hostname: str):
        if request.path.startswith("/api/"):
            return json_error_response("not_found", "No business at this address.", 404)
        return HttpResponseNotFound(
            render_to_string("tenants/unknown_host.html", {"hostname": hostname}, request)
        )


class BusinessLanguageMiddleware:
    """Activates the business's language for the request (the platform's default on the public
    site): Django's LocaleMiddleware, with the business's setting instead of the browser's."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        tenant = getattr(request, "tenant", None)
        # The API's messages are its documented contract, in English, whoever calls.
        api = request.path.startswith("/api/")
        language = settings.LANGUAGE_CODE if api else business_locale(tenant).language
        translation.activate(language)
        request.LANGUAGE_CODE = language
        try:
            response = self.get_response(request)
        finally:
            translation.deactivate()
        response.headers.setdefault("Content-Language", language)
        return response
