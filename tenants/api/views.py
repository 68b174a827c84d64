"""Base classes for every API view: idempotent POSTs, rate-limit headers, one error shape."""

import hashlib
import json

from django.db import transaction
from rest_framework import exceptions, generics, mixins, viewsets
from rest_framework.views import APIView

from tenants.api.idempotency import (
    HEADER,
    idempotency_claim,
    idempotency_complete,
    idempotency_key_validate,
    idempotency_release,
    request_fingerprint,
)
from tenants.api.parsers import query_check
from tenants.api.principals import principal_id
from tenants.api.ratelimit import anonymous_api_call_check


def _multipart_content(request) -> bytes:
    """What a retried upload must repeat: its fields and its files' names, sizes and SHA-256,
    never the raw bytes. Clients draw a new multipart boundary for every attempt (so raw bodies
    of honest retries differ), and reading the raw body would hold every file in memory and
    trip DATA_UPLOAD_MAX_MEMORY_SIZE, which Django otherwise applies to form fields only."""
    fields = {name: request.POST.getlist(name) for name in sorted(request.POST)}
    files = {}
    for name in sorted(request.FILES):
        described = []
        for upload in request.FILES.getlist(name):
            digest = hashlib.sha256()
            for chunk in upload.chunks():
                digest.update(chunk)
            upload.seek(0)
            described.append([upload.name, upload.size, digest.hexdigest()])
        files[name] = described
    return json.dumps({"fields": fields, "files": files}, sort_keys=True).encode()


class ApiMixin:
    """Wraps DRF's dispatch so that POSTs with an `Idempotency-Key` run at most once."""

    def dispatch(self, request, *args, **kwargs):
        self.args = args
        self.kwargs = kwargs
        request = self.initialize_request(request, *args, **kwargs)
        self.request = request
        self.headers = self.default_response_headers
        claim = None
        finalized = False
        try:
            self.initial(request, *args, **kwargs)
            handler = self._handler_for(request)
            claim = self._idempotency_claim(request)
            if claim is None:
                response = handler(request, *args, **kwargs)
            elif claim.replay is not None:
                response = claim.replay
            else:
                response = self._run_claimed(claim, handler, request, *args, **kwargs)
                finalized = True
        except Exception as exc:  # noqa: BLE001 - DRF's own contract: every exception goes here
            response = self.handle_exception(exc)
            if claim is not None and claim.replay is None:
                # Nothing of the request was written (its transaction rolled back): keep a 4xx
                # answer for retries, forget the claim after a 5xx so a retry runs again.
                response = self.finalize_response(request, response, *args, **kwargs)
                finalized = True
                response.render()
                if response.status_code < 500:
                    idempotency_complete(claim=claim, response=response)
                else:
                    idempotency_release(claim=claim)
        if not finalized:
            response = self.finalize_response(request, response, *args, **kwargs)
        self.response = response
        return response

    def _run_claimed(self, claim, handler, request, *args, **kwargs):
        """Run the request; its stored response commits with its own writes, or not at all."""
        with transaction.atomic():
            response = handler(request, *args, **kwargs)
            response = self.finalize_response(request, response, *args, **kwargs)
            response.render()
            if response.status_code < 500:
                idempotency_complete(claim=claim, response=response)
                return response
            transaction.set_rollback(True)
        idempotency_release(claim=claim)
        return response

    def perform_authentication(self, request):
        """Wrong API keys and calls without credentials are limited per client address (guessing
        keys), before the per-key limit of ApiRateThrottle applies to the rest."""
        try:
            request.user  # noqa: B018 - DRF authenticates lazily, on first access
        except exceptions.AuthenticationFailed:
            anonymous_api_call_check(request)
            raise
        if request.user is None:
            anonymous_api_call_check(request)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        query_check(request.query_params)

    def _handler_for(self, request):
        if request.method.lower() in self.http_method_names:
            return getattr(self, request.method.lower(), self.http_method_not_allowed)
        return self.http_method_not_allowed

    def _idempotency_claim(self, request):
        raw_key = request.headers.get(HEADER)
        if raw_key is None or request.method != "POST":
            return None
        principal = principal_id(request)
        if principal is None:
            return None
        key = idempotency_key_validate(raw_key)
        media_type = (request.content_type or "").split(";")[0].strip().lower()
        multipart = media_type == "multipart/form-data"
        body = _multipart_content(request) if multipart else request.body
        return idempotency_claim(
            principal=principal,
            key=key,
            fingerprint=request_fingerprint(
                method=request.method, path=request.get_full_path(), body=body
            ),
        )

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        result = getattr(request._request, "rate_limit", None)
        if result is not None:
            response["X-RateLimit-Limit"] = str(result.limit)
            response["X-RateLimit-Remaining"] = str(result.remaining)
        return response


class ApiView(ApiMixin, APIView):
    pass


class ApiGenericView(ApiMixin, generics.GenericAPIView):
    pass


class ApiGenericViewSet(ApiMixin, viewsets.GenericViewSet):
    pass


class ApiReadOnlyViewSet(
    ApiMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    pass
