"""Proof of delivery over the API: upload (multipart), list, and the file itself, served only
to the tenant's authorised callers (drivers: their own orders), never from a public URL."""

import logging

from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from delivery import validation
from delivery.api.serializers import LocationSerializer
from delivery.models import Order, ProofFile
from delivery.proofs import (
    order_proofs,
    proof_download_name,
    proof_request_size_limit,
    proof_uploads_check,
    proofs_add,
)
from delivery.selectors import orders_visible_to
from tenants.actors import actor_for
from tenants.api.views import ApiView
from tenants.errors import ApplicationError

logger = logging.getLogger(__name__)

FILE_FIELDS = {"photo", "signature"}
TEXT_FIELDS = {"recipient_name", "note", "lat", "lng"}


class ProofSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=ProofFile.Kind.choices, read_only=True)
    url = serializers.SerializerMethodField()
    location = serializers.SerializerMethodField()
    attempt = serializers.UUIDField(source="attempt_id", allow_null=True, read_only=True)

    class Meta:
        model = ProofFile
        fields = [
            "id",
            "kind",
            "content_type",
            "size_bytes",
            "url",
            "recipient_name",
            "note",
            "location",
            "attempt",
            "uploaded_at",
        ]
        read_only_fields = fields

    def get_url(self, proof) -> str:
        path = reverse("api:order-proof-file", kwargs={"id": proof.order_id, "proof_id": proof.pk})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path

    def get_location(self, proof) -> LocationSerializer(allow_null=True):
        return {"lat": proof.lat, "lng": proof.lng} if proof.lat is not None else None


class ProofListSerializer(serializers.Serializer):
    results = ProofSerializer(many=True)


class ProofUploadSerializer(serializers.Serializer):
    """The multipart form (files are checked by `delivery.proofs.proof_uploads_check`)."""

    photo = serializers.ListField(
        child=serializers.FileField(),
        required=False,
        help_text="JPEG, PNG or WebP photos; repeat the field for several.",
    )
    signature = serializers.FileField(required=False, help_text="At most one, an image.")
    recipient_name = serializers.CharField(
        max_length=200, required=False, allow_blank=True, help_text="Who took the delivery."
    )
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    lat = serializers.FloatField(required=False, help_text="Where the proof was taken.")
    lng = serializers.FloatField(required=False)


def _visible_order(request, order_id) -> Order:
    # Someone else's order (a driver's colleague's, another tenant's) answers 404, as a missing one.
    return get_object_or_404(orders_visible_to(actor_for(request.user)), pk=order_id)


def _form_fields(request) -> dict:
    unknown = sorted(set(request.data) - FILE_FIELDS - TEXT_FIELDS)
    if unknown:
        fields = {name: ["Unknown field."] for name in unknown}
        raise ApplicationError("validation_error", f"{unknown[0]}: Unknown field.", fields=fields)
    form = ProofUploadSerializer(
        data={name: request.data[name] for name in TEXT_FIELDS if name in request.data}
    )
    form.is_valid(raise_exception=True)
    data = form.validated_data
    location = None
    if "lat" in data or "lng" in data:
        try:
            location = validation.coordinates(data.get("lat"), data.get("lng"))
        except ValueError as error:
            raise ApplicationError(
                "validation_error", f"location: {error}", fields={"location": [str(error)]}
            ) from None
    return {
        "recipient_name": data.get("recipient_name", "").strip(),
        "note": data.get("note", "").strip(),
        "location": location,
    }


class OrderProofsView(ApiView):
    """`/orders/{id}/proofs`: list the order's proofs; add photos and a signature."""

    permission_classes = [IsAuthenticated]
    parser_classes = [MultiPartParser]

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        # Refuse an oversized upload before anything (idempotency included) reads its body.
        if request.method == "POST":
            try:
                content_length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                content_length = 0
            if content_length > proof_request_size_limit():
                raise ApplicationError(
                    "payload_too_large",
                    "The upload is larger than the files allowed in one request.",
                )

    @extend_schema(
        operation_id="v1_orders_proofs_list",
        responses=ProofListSerializer,
        summary="The order's proofs of delivery, oldest first",
    )
    def get(self, request, id):
        order = _visible_order(request, id)
        proofs = order_proofs(order=order)
        return Response(
            {"results": ProofSerializer(proofs, many=True, context={"request": request}).data}
        )

    @extend_schema(
        request={"multipart/form-data": ProofUploadSerializer},
        responses={
            201: ProofListSerializer,
            409: OpenApiResponse(description="The order is not out for delivery."),
            413: OpenApiResponse(description="A file is over the size limit."),
        },
        summary="Add proof of delivery while the order is out for delivery",
    )
    def post(self, request, id):
        order = _visible_order(request, id)
        form = _form_fields(request)
        uploads = proof_uploads_check(
            photos=request.FILES.getlist("photo"), signatures=request.FILES.getlist("signature")
        )
        proofs = proofs_add(
            order_id=order.pk, actor=actor_for(request.user), uploads=uploads, **form
        )
        return Response(
            {"results": ProofSerializer(proofs, many=True, context={"request": request}).data},
            status=status.HTTP_201_CREATED,
        )


class ProofFileView(ApiView):
    """`/orders/{id}/proofs/{proof_id}/file`: the image itself, for this tenant's callers only."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        responses={(200, "image/*"): OpenApiTypes.BINARY},
        summary="Download one proof file (JPEG, PNG or WebP)",
    )
    def get(self, request, id, proof_id):
        order = _visible_order(request, id)
        proof = get_object_or_404(order_proofs(order=order), pk=proof_id)
        try:
            handle = proof.file.open("rb")
        except FileNotFoundError:
            logger.error("proof %s: file %s is missing from storage", proof.pk, proof.file.name)
            raise Http404 from None
        response = FileResponse(
            handle, content_type=proof.content_type, filename=proof_download_name(proof)
        )
        # Personal data: browsers may keep it, shared caches and proxies must not.
        response["Cache-Control"] = "private"
        # Served as an image and nothing else, even if a crafted file tries to be more.
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        return response
