"""/api/schema/ served from memory: the OpenAPI document of this code, generated and rendered once
per process, version, language and format. (Its own module: tenants.api.schema is DRF's
DEFAULT_SCHEMA_CLASS, loaded before the views.)

Generating it walks every endpoint and serializer (about a second on an idle machine, several on
a busy one) and rendering it as YAML takes as long again, for every request; the document only
changes with the code, which a deploy restarts.
"""

import gzip
import threading
from typing import ClassVar

from django.http import HttpResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SCHEMA_KWARGS, SpectacularAPIView


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
