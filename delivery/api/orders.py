"""Orders: list with filters, create, read, change, move through the lifecycle, audit trail."""

from datetime import datetime

from django.db import transaction
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.permissions import SAFE_METHODS, IsAuthenticated
from rest_framework.response import Response

from delivery import validation
from delivery.api.serializers import (
    OrderEventSerializer,
    OrderSerializer,
    OrderTransitionSerializer,
    OrderWriteSerializer,
)
from delivery.api.shopify import ShopifyOrderSyncSerializer
from delivery.customers.order_links import order_raw_for_customer
from delivery.models import Driver, Order, OrderStatus
from delivery.selectors import order_events, order_shopify_sync, orders_list, orders_visible_to
from delivery.services import order_create, order_reschedule, order_transition, order_update
from delivery.shopify_sync import shopify_sync_retry
from tenants.actors import actor_for
from tenants.api.fields import DateField
from tenants.api.permissions import IsOperations
from tenants.api.routers import UUID_PATTERN
from tenants.api.views import ApiGenericViewSet
from tenants.errors import ApplicationError
from tenants.selectors import tenant_phone_region, tenant_time_zone


def order_input(raw) -> validation.OrderInput:
    try:
        return validation.order_input_parse(
            raw, tz=tenant_time_zone(), phone_region=tenant_phone_region()
        )
    except validation.FieldErrors as errors:
        raise serializers.ValidationError(errors.fields) from None


def order_as_input(order) -> dict:
    """An order in the API's input shape: PATCH merges its changes into this."""
    data = OrderSerializer(order).data
    return {
        "external_id": data["external_id"],
        "recipient": data["recipient"],
        "address": data["address"],
        "location": data["location"],
        "delivery_date": data["delivery_date"],
        "time_windows": data["time_windows"],
        "service_seconds": data["service_seconds"],
        "load": data["load"],
        "skills": data["skills"],
        "priority": data["priority"],
        "notes": data["notes"],
        "pickup": data["pickup"],
    }


class AwareDateTimeField(serializers.DateTimeField):
    """A date-time that must carry its offset: a naive one is ambiguous, not UTC."""

    def enforce_timezone(self, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise serializers.ValidationError("Give the offset, e.g. 2026-11-26T08:00:00+01:00.")
        return super().enforce_timezone(value)


class OrderFilterSerializer(serializers.Serializer):
    status = serializers.CharField(required=False, help_text="One or more, comma-separated.")
    date = DateField(required=False)
    route = serializers.UUIDField(required=False)
    driver = serializers.UUIDField(required=False)
    external_id = serializers.CharField(required=False, max_length=100)
    updated_since = AwareDateTimeField(required=False)
    location_status = serializers.CharField(required=False)

    def validate_status(self, value):
        statuses = [item.strip() for item in value.split(",") if item.strip()]
        unknown = sorted(set(statuses) - set(OrderStatus.values))
        if unknown:
            raise serializers.ValidationError(
                f"Unknown status {', '.join(unknown)}; use {', '.join(OrderStatus.values)}."
            )
        return statuses


ORDER_FILTERS = [
    OpenApiParameter(name, OpenApiTypes.STR, description=description)
    for name, description in (
        ("status", "Comma-separated statuses."),
        ("date", "Delivery date, YYYY-MM-DD."),
        ("route", "Route id."),
        ("driver", "Driver id."),
        ("external_id", "Your id."),
        ("updated_since", "ISO 8601 with offset."),
        ("location_status", "provided, geocoded, pending or needs_location."),
    )
]


class OrderViewSet(ApiGenericViewSet):
    """Orders. Drivers see and move only the orders assigned to them."""

    serializer_class = OrderSerializer
    lookup_value_regex = UUID_PATTERN

    def get_permissions(self):
        if self.request.method in SAFE_METHODS or self.action == "transition":
            return [IsAuthenticated()]
        return [IsOperations()]

    def get_queryset(self):
        return orders_visible_to(actor_for(self.request.user))

    @extend_schema(parameters=ORDER_FILTERS, responses=OrderSerializer(many=True))
    def list(self, request):
        filters = OrderFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        orders = orders_list(actor=actor_for(request.user), filters=filters.validated_data)
        page = self.paginate_queryset(orders)
        return self.get_paginated_response(OrderSerializer(page, many=True).data)

    def retrieve(self, request, pk=None):
        return Response(OrderSerializer(self.get_object()).data)

    @extend_schema(request=OrderWriteSerializer, responses={201: OrderSerializer})
    def create(self, request):
        # An order may name a customer (and place): what it leaves empty comes from them.
        raw, links = order_raw_for_customer(request.data)
        order = order_create(data=order_input(raw), actor=actor_for(request.user), links=links)
        return Response(OrderSerializer(order).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=OrderWriteSerializer, responses=OrderSerializer)
    def update(self, request, pk=None):
        order = self.get_object()
        order = order_update(
            order_id=order.pk, data=order_input(request.data), actor=actor_for(request.user)
        )
        return Response(OrderSerializer(order).data)

    @extend_schema(request=OrderWriteSerializer(partial=True), responses=OrderSerializer)
    def partial_update(self, request, pk=None):
        order = self.get_object()
        if not isinstance(request.data, dict):
            raise serializers.ValidationError({"non_field_errors": ["Send a JSON object."]})
        patch = dict(request.data)
        actor = actor_for(request.user)
        with transaction.atomic():
            if "delivery_date" in patch and not {"time_windows", "pickup"} & patch.keys():
                # Only the day changes: the windows keep their clock times (order_reschedule).
                try:
                    new_date = validation.date_parse(patch.pop("delivery_date"))
                except ValueError as error:
                    raise serializers.ValidationError({"delivery_date": [str(error)]}) from None
                order = order_reschedule(order_id=order.pk, delivery_date=new_date, actor=actor)
                if not patch:
                    return Response(OrderSerializer(order).data)
            merged = order_as_input(order)
            for name, value in patch.items():
                if name in ("recipient", "load") and isinstance(value, dict):
                    merged[name] = {**(merged.get(name) or {}), **value}
                else:
                    merged[name] = value
            if "address" in patch and "location" not in patch:
                merged["location"] = None  # a new address is geocoded, not kept at the old spot
            order = order_update(order_id=order.pk, data=order_input(merged), actor=actor)
        return Response(OrderSerializer(order).data)

    def order_transition(self, **arguments) -> Order:
        """The service behind POST …/transition. The API serves routing's subclass
        (`routing.api.OrderViewSet`), which puts a manual assignment on the driver's route."""
        return order_transition(**arguments)

    @extend_schema(
        request=OrderTransitionSerializer,
        responses=OrderSerializer,
        summary="Move an order along its lifecycle (409 invalid_transition)",
    )
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        order = self.get_object()
        body = OrderTransitionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        driver = None
        if data.get("driver"):
            driver = Driver.objects.filter(pk=data["driver"]).first()
            if driver is None:
                raise ApplicationError(
                    "validation_error", "No such driver.", fields={"driver": ["No such driver."]}
                )
        location = data.get("location")
        if location:
            try:
                validation.coordinates(location["lat"], location["lng"])
            except ValueError as error:
                raise serializers.ValidationError({"location": [str(error)]}) from None
        order = self.order_transition(
            order_id=order.pk,
            to=data["to"],
            actor=actor_for(request.user),
            reason=data.get("reason", ""),
            note=data.get("note", ""),
            location=(location["lat"], location["lng"]) if location else None,
            driver=driver,
            recipient_name=data.get("recipient_name", ""),
            delivery_date=data.get("delivery_date"),
        )
        return Response(OrderSerializer(order).data)

    @extend_schema(
        responses=inline_serializer(
            "OrderEventList", fields={"results": OrderEventSerializer(many=True)}
        ),
        summary="The order's audit trail, oldest first (every event, one answer)",
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def events(self, request, pk=None):
        events = order_events(order=self.get_object())
        return Response({"results": OrderEventSerializer(events, many=True).data})

    @extend_schema(
        responses=ShopifyOrderSyncSerializer,
        summary="The write-back of an order from Shopify to its shop (404 for other orders)",
    )
    @action(
        detail=True,
        methods=["get"],
        url_path="shopify-sync",
        pagination_class=None,
        filter_backends=[],
    )
    def shopify_sync(self, request, pk=None):
        sync = order_shopify_sync(order=self.get_object())
        return Response(ShopifyOrderSyncSerializer(sync).data)

    @extend_schema(
        request=None,
        responses=ShopifyOrderSyncSerializer,
        summary="Try a failed or pending Shopify write-back again now (409 when waiting or synced)",
    )
    @action(detail=True, methods=["post"], url_path="shopify-sync/retry")
    def shopify_sync_retry(self, request, pk=None):
        sync = shopify_sync_retry(order_id=self.get_object().pk)
        return Response(ShopifyOrderSyncSerializer(sync).data)
