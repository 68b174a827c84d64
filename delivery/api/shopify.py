"""Shopify: the `orders/create` webhook a shop posts to the tenant host, and the API owners and
admins use to connect shops. Thin: read the request, call a service in delivery.shopify."""

from django.core.exceptions import RequestDataTooBig
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.response import Response

from delivery.models import ShopifyConnection, ShopifyOrderSync
from delivery.shopify import (
    secret_masked,
    shopify_connection_create,
    shopify_connection_delete,
    shopify_connection_update,
    shopify_connection_verified,
    shopify_webhook_receive,
)
from tenants.api.errors import json_error_response
from tenants.api.permissions import IsManager
from tenants.api.routers import UUID_PATTERN
from tenants.api.views import ApiGenericViewSet
from tenants.selectors import current_tenant, tenant_url

WEBHOOK_PATH = "/integrations/shopify/orders"
MAX_WEBHOOK_ID_LENGTH = 100


@csrf_exempt
def shopify_orders_webhook(request):
    """POST from Shopify, signed with the shop's webhook secret; 401 unless the signature of a
    connected shop matches, and then always 200 (a duplicate too) so Shopify stops retrying."""
    if request.method != "POST":
        response = json_error_response("method_not_allowed", "Use POST.", 405)
        response["Allow"] = "POST"
        return response
    try:
        body = request.body
    except RequestDataTooBig:
        return json_error_response("payload_too_large", "The request body is too large.", 413)
    connection = shopify_connection_verified(
        shop_domain=request.headers.get("X-Shopify-Shop-Domain", ""),
        signature=request.headers.get("X-Shopify-Hmac-Sha256", ""),
        body=body,
    )
    if connection is None:
        return json_error_response(
            "authentication_failed", "Unknown shop or invalid X-Shopify-Hmac-Sha256.", 401
        )
    webhook_id = request.headers.get("X-Shopify-Webhook-Id", "").strip()
    # Printable: no control characters nor lone surrogates (PostgreSQL stores neither).
    if not webhook_id or len(webhook_id) > MAX_WEBHOOK_ID_LENGTH or not webhook_id.isprintable():
        return json_error_response(
            "validation_error", "X-Shopify-Webhook-Id is missing or too long.", 400
        )
    result = shopify_webhook_receive(
        connection=connection,
        webhook_id=webhook_id,
        topic=request.headers.get("X-Shopify-Topic", "").strip(),
        body=body,
    )
    return JsonResponse(
        {
            "outcome": result.outcome,
            "order": str(result.order.pk) if result.order else None,
            "reason": result.reason,
        }
    )


def webhook_url() -> str:
    return tenant_url(tenant=current_tenant(), path=WEBHOOK_PATH)


class ShopifyOrderSyncSerializer(serializers.ModelSerializer):
    """The write-back of an order from Shopify: waiting (not delivered or failed yet), pending
    (being written, or waiting for its next try at `next_attempt_at`), synced, or failed (see
    `last_error`; POST …/shopify-sync/retry tries again)."""

    status = serializers.ChoiceField(choices=ShopifyOrderSync.Status.choices, read_only=True)
    outcome = serializers.ChoiceField(
        choices=ShopifyOrderSync.Outcome.choices,
        read_only=True,
        allow_blank=True,
        help_text="The fulfillment event to write: delivered or attempted_delivery.",
    )

    class Meta:
        model = ShopifyOrderSync
        fields = [
            "status",
            "outcome",
            "shop_domain",
            "shopify_order_id",
            "fulfillment_id",
            "attempts",
            "last_error",
            "last_attempt_at",
            "next_attempt_at",
            "synced_at",
        ]
        read_only_fields = fields


class ShopifyConnectionSerializer(serializers.ModelSerializer):
    webhook_secret = serializers.SerializerMethodField(
        help_text="Masked: only the last four characters are ever shown."
    )
    webhook_url = serializers.SerializerMethodField(
        help_text="Where Shopify must send the orders/create webhook (format JSON)."
    )
    access_token = serializers.SerializerMethodField(
        help_text="The Admin API access token, masked (last four characters); empty when none "
        "is set: then deliveries are not written back."
    )

    class Meta:
        model = ShopifyConnection
        fields = [
            "id",
            "shop_domain",
            "webhook_secret",
            "webhook_url",
            "access_token",
            "is_active",
            "created_at",
        ]
        read_only_fields = fields

    def get_webhook_secret(self, connection) -> str:
        return secret_masked(connection.webhook_secret)

    def get_access_token(self, connection) -> str:
        return secret_masked(connection.access_token)

    def get_webhook_url(self, connection) -> str:
        if "webhook_url" not in self.context:
            self.context["webhook_url"] = webhook_url()
        return self.context["webhook_url"]


class ShopifyConnectionCreateSerializer(serializers.Serializer):
    shop_domain = serializers.CharField(
        max_length=255, help_text="The shop's permanent domain, e.g. my-bakery.myshopify.com."
    )
    webhook_secret = serializers.CharField(
        max_length=255,
        help_text="The signing secret Shopify shows under Settings → Notifications → Webhooks.",
    )
    access_token = serializers.CharField(
        max_length=255,
        required=False,
        allow_blank=True,
        help_text="The Admin API access token of the shop's custom app (shpat_…, scope "
        "write_merchant_managed_fulfillment_orders): delivered and failed orders are written "
        "back to the shop with it. Never shown back.",
    )


class ShopifyConnectionUpdateSerializer(serializers.Serializer):
    webhook_secret = serializers.CharField(max_length=255, required=False)
    access_token = serializers.CharField(
        max_length=255,
        required=False,
        allow_blank=True,
        help_text="A new Admin API access token; empty removes it. Never shown back.",
    )
    is_active = serializers.BooleanField(required=False)


class ShopifyConnectionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiGenericViewSet):
    """Shops whose orders arrive by webhook and get their deliveries written back. Owner/admin
    only; the secret and the access token are never shown back."""

    permission_classes = [IsManager]
    serializer_class = ShopifyConnectionSerializer
    lookup_value_regex = UUID_PATTERN

    def get_queryset(self):
        return ShopifyConnection.objects.order_by("-created_at", "-id")

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "webhook_url": webhook_url()}

    @extend_schema(
        request=ShopifyConnectionCreateSerializer,
        responses={201: ShopifyConnectionSerializer},
        summary="Connect a Shopify shop",
    )
    def create(self, request):
        body = ShopifyConnectionCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        connection = shopify_connection_create(**body.validated_data)
        return Response(self.get_serializer(connection).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=ShopifyConnectionUpdateSerializer,
        responses=ShopifyConnectionSerializer,
        summary="Change a shop's secret, access token or activity",
    )
    def partial_update(self, request, pk=None):
        connection = self.get_object()
        body = ShopifyConnectionUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        connection = shopify_connection_update(connection=connection, fields=body.validated_data)
        return Response(self.get_serializer(connection).data)

    @extend_schema(summary="Disconnect a Shopify shop (its orders stay)")
    def destroy(self, request, pk=None):
        shopify_connection_delete(connection=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)
