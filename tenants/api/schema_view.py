"""/api/schema/ served from memory: the OpenAPI document of this code, generated and rendered once
per process, version, language and format. (Its own module: tenants.api.schema is DRF's
DEFAULT_SCHEMA_CLASS, loaded before the views.)

Generating it walks every endpoint and serializer (about a second on an idle machine, several on
a busy one) and rendering it as YAML takes as long again, for every request; the document only
changes with the code, which a deploy restarts.
"""

import gzip
import logging
import threading
from typing import ClassVar

from django.db import connections
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import (
    SCHEMA_KWARGS,
    SpectacularAPIView,
    SpectacularSwaggerSplitView,
)

logger = logging.getLogger(__name__)


class CachedSchemaView(SpectacularAPIView):
    # key → (content, gzipped content, headers)
    _rendered: ClassVar[dict[tuple, tuple[bytes, bytes, dict[str, str]]]] = {}
    _lock: ClassVar[threading.Lock] = threading.Lock()

    def _key(self, request) -> tuple:
        version = self.api_version or request.version or self._get_version_parameter(request)
        language = request.GET.get("lang") or translation.get_language()
        return (version, language, self.serve_public, request.accepted_media_type)

    @extend_schema(**SCHEMA_KWARGS)  # as the view it replaces: left out of the schema itself
    def get(self, request, *args, **kwargs):
        key = self._key(request)
        cached = self._rendered.get(key)
        if cached is None:
            with self._lock:  # one generation at a time; the requests waiting then read it
                cached = self._rendered.get(key)
                if cached is None:
                    response = super().get(request, *args, **kwargs)
                    response.accepted_renderer = request.accepted_renderer
                    response.accepted_media_type = request.accepted_media_type
                    response.renderer_context = self.get_renderer_context()
                    response.render()
                    headers = {
                        name: response[name]
                        for name in ("Content-Type", "Content-Disposition")
                        if response.has_header(name)
                    }
                    # 650 KB of JSON is 40 KB compressed: compressed once, here, not per request.
                    compressed = gzip.compress(response.content, mtime=0)
                    cached = (response.content, compressed, headers)
                    self._rendered[key] = cached
        content, compressed, headers = cached
        if "gzip" in request.headers.get("Accept-Encoding", ""):
            response = HttpResponse(compressed, headers=headers)
            response["Content-Encoding"] = "gzip"
        else:
            response = HttpResponse(content, headers=headers)
        patch_vary_headers(response, ["Accept-Encoding"])
        return response


def _warm(path: str, host: str, language: str) -> None:
    """Generate the JSON schema Swagger UI is about to ask for (run in a thread of its own)."""
    try:
        request = RequestFactory().get(path, HTTP_HOST=host, HTTP_ACCEPT="application/json")
        with translation.override(language):
            CachedSchemaView.as_view()(request)
    except Exception:  # a warm-up only: the docs' own request generates it otherwise
        logger.warning("could not prepare the API schema in advance", exc_info=True)
    finally:
        connections.close_all()  # this thread's own, if the generation opened one


class DocsView(SpectacularSwaggerSplitView):
    """/api/docs/: Swagger UI, which asks for the schema once its 1.5 MB of scripts are loaded;
    the schema is generated meanwhile, so that it is ready (or nearly) when asked. The page is
    drf-spectacular's without the standalone preset's script, which the base layout never uses."""

    template_name = "tenants/api_docs.html"

    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        if request.GET.get("script") is None:
            schema_prepare(host=request.get_host(), language=translation.get_language())
        return super().get(request, *args, **kwargs)


def schema_prepare(*, host: str, language: str) -> None:
    """Generate the docs' JSON schema in `language` in a thread of its own, unless it is ready or
    under way: the docs page asks for it (a web process asks once when it starts, with
    API_SCHEMA_PREPARE_ON_START, so that the first visitor does not wait for it)."""
    key = (None, language, True, "application/json")
    if key not in CachedSchemaView._rendered and not CachedSchemaView._lock.locked():
        threading.Thread(
            target=_warm, args=(reverse("api-schema"), host, language), daemon=True
        ).start()
