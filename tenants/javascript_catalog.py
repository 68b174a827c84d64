"""The words of the pages' scripts (the `djangojs` domain, locale/*/LC_MESSAGES/djangojs.po):
Django's JavaScript catalog, served from our own host (the Content-Security-Policy allows scripts
from it only) at `/jsi18n/<language>/`. The language is in the address, so that a browser or the
driver's phone (which keeps a copy for dead spots) never shows a cached catalog in the business's
former language."""

from django.http import Http404
from django.utils import translation
from django.views.i18n import JavaScriptCatalog

from tenants.locale import LANGUAGE_CODES


class BusinessJavaScriptCatalog(JavaScriptCatalog):
    def get(self, request, *args, language: str = "", **kwargs):
        if language not in LANGUAGE_CODES:
            raise Http404
        with translation.override(language):
            return super().get(request, *args, **kwargs)
