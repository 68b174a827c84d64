"""Webhook endpoints and deliveries; notification templates, settings, opt-outs and the message
log. Owner/admin only. Thin: parse, call a service or selector, shape the answer."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from notifications.models import (
    EVENT_NAMES,
    RECIPIENT_EVENTS,
    Channel,
    Message,
    OptOut,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
from notifications.rendering import PLACEHOLDERS
from notifications.selectors import (
    messages_list,
    opt_outs_list,
    template_get,
    templates_list,
    webhook_attempts_list,
    webhook_deliveries_list,
    webhook_endpoints_list,
)
from notifications.services import (
    notification_settings,
    notification_settings_save,
    opt_out_add,
    opt_out_remove,
    template_preview,
    template_reset,
    template_save,
    webhook_endpoint_create,
    webhook_endpoint_delete,
    webhook_endpoint_update,
    webhook_redeliver,
    webhook_secret_rotate,
)
from tenants.api.fields import ClockField
from tenants.api.permissions import IsManager
from tenants.api.routers import UUID_PATTERN
from tenants.api.views import ApiGenericView, ApiGenericViewSet, ApiView


def _strict(serializer_class, request, *, partial: bool = False) -> dict:
    """Validate, refusing names the serializer does not know (a typo must not pass silently)."""
    body = serializer_class(data=request.data, partial=partial)
    unknown = (
        {name: ["Unknown field."] for name in request.data if name not in body.fields}
        if isinstance(request.data, dict)
        else {}
    )
    if not body.is_valid() or unknown:
        raise serializers.ValidationError({**unknown, **body.errors})
    return body.validated_data


# --- webhooks ---------------------------------------------------------------------------------


class WebhookEndpointSerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookEndpoint
        fields = [
            "id",
            "url",
            "description",
            "events",
            "enabled",
            "disabled_reason",
            "failing_since",
            "consecutive_failures",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class WebhookEndpointCreatedSerializer(WebhookEndpointSerializer):
    secret = serializers.CharField(help_text="Shown once: keep it to verify signatures.")

    class Meta(WebhookEndpointSerializer.Meta):
        fields = [*WebhookEndpointSerializer.Meta.fields, "secret"]
        read_only_fields = fields


class WebhookEndpointInputSerializer(serializers.Serializer):
    url = serializers.URLField(max_length=2000)
    description = serializers.CharField(max_length=200, required=False, allow_blank=True)
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=EVENT_NAMES),
        required=False,
        help_text="Events to receive; empty or absent: every event.",
    )
    enabled = serializers.BooleanField(required=False)


class SecretSerializer(serializers.Serializer):
    secret = serializers.CharField()


class WebhookAttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookAttempt
        fields = ["attempted_at", "status_code", "duration_ms", "error", "response_body"]
        read_only_fields = fields


class WebhookDeliverySerializer(serializers.ModelSerializer):
    endpoint = serializers.UUIDField(source="endpoint_id", read_only=True)
    event_id = serializers.UUIDField(source="event.id", read_only=True)
    event_type = serializers.CharField(source="event.name", read_only=True)

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "endpoint",
            "event_id",
            "event_type",
            "status",
            "attempts",
            "next_attempt_at",
            "last_status_code",
            "last_error",
            "last_duration_ms",
            "delivered_at",
            "created_at",
        ]
        read_only_fields = fields


class WebhookDeliveryDetailSerializer(WebhookDeliverySerializer):
    payload = serializers.JSONField(source="event.data", read_only=True)
    log = serializers.SerializerMethodField()

    class Meta(WebhookDeliverySerializer.Meta):
        fields = [*WebhookDeliverySerializer.Meta.fields, "payload", "log"]
        read_only_fields = fields

    def get_log(self, delivery) -> list[dict]:
        return WebhookAttemptSerializer(webhook_attempts_list(delivery=delivery), many=True).data


class WebhookEndpointViewSet(ApiGenericViewSet):
    """Webhook endpoints: Standard Webhooks signed POSTs of the events you choose."""

    permission_classes = [IsManager]
    serializer_class = WebhookEndpointSerializer
    lookup_value_regex = UUID_PATTERN

    def get_queryset(self):
        return webhook_endpoints_list()

    def list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(WebhookEndpointSerializer(page, many=True).data)

    def retrieve(self, request, pk=None):
        return Response(WebhookEndpointSerializer(self.get_object()).data)

    @extend_schema(
        request=WebhookEndpointInputSerializer,
        responses={201: WebhookEndpointCreatedSerializer},
        summary="Add an endpoint (its secret is in this answer only)",
    )
    def create(self, request):
        data = _strict(WebhookEndpointInputSerializer, request)
        endpoint, secret = webhook_endpoint_create(
            url=data["url"],
            events=data.get("events", []),
            description=data.get("description", ""),
            enabled=data.get("enabled", True),
        )
        body = WebhookEndpointSerializer(endpoint).data
        return Response({**body, "secret": secret}, status=status.HTTP_201_CREATED)

    @extend_schema(request=WebhookEndpointInputSerializer, responses=WebhookEndpointSerializer)
    def partial_update(self, request, pk=None):
        endpoint = self.get_object()
        data = _strict(WebhookEndpointInputSerializer, request, partial=True)
        endpoint = webhook_endpoint_update(endpoint=endpoint, fields=dict(data))
        return Response(WebhookEndpointSerializer(endpoint).data)

    def destroy(self, request, pk=None):
        webhook_endpoint_delete(endpoint=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses=SecretSerializer, summary="A new secret (shown once)")
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request, pk=None):
        return Response({"secret": webhook_secret_rotate(endpoint=self.get_object())})

    @extend_schema(responses=WebhookDeliverySerializer(many=True), summary="Deliveries")
    @action(detail=True, methods=["get"])
    def deliveries(self, request, pk=None):
        deliveries = webhook_deliveries_list(
            endpoint=self.get_object(), status=request.query_params.get("status", "")
        )
        page = self.paginate_queryset(deliveries)
        return self.get_paginated_response(WebhookDeliverySerializer(page, many=True).data)


class WebhookDeliveryView(ApiGenericView):
    permission_classes = [IsManager]
    serializer_class = WebhookDeliveryDetailSerializer
    lookup_field = "id"

    def get_queryset(self):
        return webhook_deliveries_list()

    @extend_schema(summary="A delivery, its payload and its log of attempts")
    def get(self, request, id=None):
        return Response(WebhookDeliveryDetailSerializer(self.get_object()).data)


class WebhookRedeliverView(ApiGenericView):
    permission_classes = [IsManager]
    serializer_class = WebhookDeliverySerializer
    lookup_field = "id"

    def get_queryset(self):
        return webhook_deliveries_list()

    @extend_schema(
        request=None,
        responses={202: WebhookDeliverySerializer},
        summary="Send again now (same webhook-id)",
    )
    def post(self, request, id=None):
        delivery = webhook_redeliver(delivery=self.get_object())
        return Response(WebhookDeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)


# --- notification templates -------------------------------------------------------------------


class TemplateSerializer(serializers.Serializer):
    event = serializers.ChoiceField(choices=RECIPIENT_EVENTS)
    channel = serializers.ChoiceField(choices=Channel.choices)
    subject = serializers.CharField(allow_blank=True)
    body = serializers.CharField()
    enabled = serializers.BooleanField()
    is_default = serializers.BooleanField()
    updated_at = serializers.DateTimeField(allow_null=True)


class TemplateKeySerializer(serializers.Serializer):
    event = serializers.ChoiceField(choices=RECIPIENT_EVENTS)
    channel = serializers.ChoiceField(choices=Channel.choices)


class TemplateInputSerializer(serializers.Serializer):
    event = serializers.ChoiceField(choices=RECIPIENT_EVENTS)
    channel = serializers.ChoiceField(choices=Channel.choices)
    subject = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    body = serializers.CharField(max_length=20_000, trim_whitespace=False)
    enabled = serializers.BooleanField(required=False, default=True)


class TemplatePreviewInputSerializer(serializers.Serializer):
    event = serializers.ChoiceField(choices=RECIPIENT_EVENTS)
    channel = serializers.ChoiceField(choices=Channel.choices)
    subject = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    body = serializers.CharField(max_length=20_000, trim_whitespace=False)


class TemplatePreviewSerializer(serializers.Serializer):
    subject = serializers.CharField()
    body = serializers.CharField()
    length = serializers.IntegerField()


class TemplateListView(ApiView):
    """The recipient messages' wording: one template per event and channel (SMS, e-mail)."""

    permission_classes = [IsManager]

    @extend_schema(
        responses=inline_serializer(
            "TemplateList",
            fields={
                "results": TemplateSerializer(many=True),
                "placeholders": serializers.DictField(
                    child=serializers.CharField(), help_text="Each placeholder and its meaning."
                ),
            },
        ),
        summary="Every event and channel: your wording or the default (with placeholders)",
    )
    def get(self, request):
        return Response(
            {
                "results": TemplateSerializer(templates_list(), many=True).data,
                "placeholders": PLACEHOLDERS,
            }
        )

    @extend_schema(
        request=TemplateInputSerializer,
        responses=TemplateSerializer,
        summary="Save your wording for one event and channel",
    )
    def put(self, request):
        data = _strict(TemplateInputSerializer, request)
        template_save(**data)
        return Response(
            TemplateSerializer(template_get(event=data["event"], channel=data["channel"])).data
        )


class TemplateResetView(ApiView):
    permission_classes = [IsManager]

    @extend_schema(
        request=TemplateKeySerializer,
        responses=TemplateSerializer,
        summary="Back to the default wording",
    )
    def post(self, request):
        data = _strict(TemplateKeySerializer, request)
        template_reset(**data)
        return Response(TemplateSerializer(template_get(**data)).data)


class TemplatePreviewView(ApiView):
    permission_classes = [IsManager]

    @extend_schema(
        request=TemplatePreviewInputSerializer,
        responses=TemplatePreviewSerializer,
        summary="Render a template with sample order data",
    )
    def post(self, request):
        data = _strict(TemplatePreviewInputSerializer, request)
        return Response(template_preview(**data))


# --- settings, opt-outs, messages -------------------------------------------------------------


class NotificationSettingsSerializer(serializers.Serializer):
    quiet_hours_start = ClockField(allow_null=True, required=False)
    quiet_hours_end = ClockField(allow_null=True, required=False)
    reschedule_instructions = serializers.CharField(
        max_length=300, allow_blank=True, required=False
    )
    contact_phone = serializers.CharField(max_length=30, allow_blank=True, required=False)


class NotificationSettingsView(ApiView):
    """Quiet hours (business time; messages wait until they end) and rescheduling words."""

    permission_classes = [IsManager]

    @extend_schema(responses=NotificationSettingsSerializer)
    def get(self, request):
        return Response(NotificationSettingsSerializer(notification_settings()).data)

    @extend_schema(request=NotificationSettingsSerializer, responses=NotificationSettingsSerializer)
    def put(self, request):
        data = _strict(NotificationSettingsSerializer, request)
        row = notification_settings_save(fields=dict(data))
        return Response(NotificationSettingsSerializer(row).data)


class OptOutSerializer(serializers.ModelSerializer):
    class Meta:
        model = OptOut
        fields = ["id", "channel", "address", "source", "created_at"]
        read_only_fields = fields


class OptOutInputSerializer(serializers.Serializer):
    channel = serializers.ChoiceField(choices=Channel.choices)
    address = serializers.CharField(max_length=254, help_text="A phone number or an e-mail.")


class OptOutViewSet(ApiGenericViewSet):
    """Recipients who receive no more messages on a channel."""

    permission_classes = [IsManager]
    serializer_class = OptOutSerializer
    lookup_value_regex = UUID_PATTERN

    def get_queryset(self):
        return opt_outs_list()

    def list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(OptOutSerializer(page, many=True).data)

    @extend_schema(request=OptOutInputSerializer, responses={201: OptOutSerializer})
    def create(self, request):
        data = _strict(OptOutInputSerializer, request)
        opt_out = opt_out_add(channel=data["channel"], address=data["address"], source="api")
        return Response(OptOutSerializer(opt_out).data, status=status.HTTP_201_CREATED)

    def destroy(self, request, pk=None):
        opt_out_remove(opt_out=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class MessageSerializer(serializers.ModelSerializer):
    event_id = serializers.UUIDField(allow_null=True, read_only=True)
    order = serializers.UUIDField(source="order_id", allow_null=True, read_only=True)

    class Meta:
        model = Message
        fields = [
            "id",
            "event_id",
            "event_name",
            "order",
            "channel",
            "to",
            "subject",
            "body",
            "status",
            "attempts",
            "send_after",
            "provider_id",
            "error",
            "sent_at",
            "created_at",
        ]
        read_only_fields = fields


class MessageViewSet(ApiGenericViewSet):
    """Every SMS and e-mail to recipients: status, provider id, error. Filters: `status`,
    `channel`, `order`."""

    permission_classes = [IsManager]
    serializer_class = MessageSerializer
    lookup_value_regex = UUID_PATTERN

    def get_queryset(self):
        params = self.request.query_params
        order = params.get("order", "")
        if order:
            try:
                serializers.UUIDField().run_validation(order)
            except serializers.ValidationError:
                raise serializers.ValidationError({"order": ["Must be an order id."]}) from None
        return messages_list(
            status=params.get("status", ""), channel=params.get("channel", ""), order=order
        )

    def list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(MessageSerializer(page, many=True).data)

    def retrieve(self, request, pk=None):
        return Response(MessageSerializer(self.get_object()).data)
