"""`/api/v1/customers/`, `/api/v1/standing-orders/`, `/api/v1/holidays/`: thin views; the
rules are in delivery.customers (validation, services, standing)."""

from django.db import connection
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from delivery.api.imports import CsvStreamingResponse
from delivery.api.serializers import LoadSerializer, LocationSerializer
from delivery.customers.csv_io import MAX_BYTES, customers_export_csv, customers_import_csv
from delivery.customers.models import Customer, CustomerPlace, Holiday, Occurrence, StandingOrder
from delivery.customers.selectors import customers_list, occurrences_of, standing_orders_list
from delivery.customers.services import (
    customer_create,
    customer_delete,
    customer_update,
)
from delivery.customers.standing import (
    business_today,
    holiday_add,
    occurrence_skip,
    standing_order_create,
    standing_order_pause,
    standing_order_update,
)
from delivery.customers.validation import (
    customer_input_parse,
    standing_order_input_parse,
)
from delivery.validation import FieldErrors, date_parse
from tenants.actors import actor_for
from tenants.api.permissions import IsOperations
from tenants.api.routers import UUID_PATTERN
from tenants.api.views import ApiGenericViewSet, ApiView
from tenants.errors import ApplicationError
from tenants.selectors import current_tenant, tenant_phone_region


def _parsed(parse, *args, **kwargs):
    try:
        return parse(*args, **kwargs)
    except FieldErrors as errors:
        raise serializers.ValidationError(errors.fields) from None


class ClockWindowSerializer(serializers.Serializer):
    start = serializers.CharField(help_text="HH:MM")
    end = serializers.CharField(help_text="HH:MM")


class CustomerPlaceSerializer(serializers.ModelSerializer):
    location = serializers.SerializerMethodField()
    time_windows = ClockWindowSerializer(many=True)

    class Meta:
        model = CustomerPlace
        fields = [
            "id",
            "label",
            "address",
            "location",
            "instructions",
            "access_notes",
            "time_windows",
            "weekdays",
        ]

    def get_location(self, place) -> dict | None:
        return {"lat": place.lat, "lng": place.lng} if place.lat is not None else None


class NotificationChoicesSerializer(serializers.Serializer):
    sms = serializers.BooleanField()
    email = serializers.BooleanField()


class CustomerSerializer(serializers.ModelSerializer):
    places = CustomerPlaceSerializer(many=True)
    notifications = serializers.SerializerMethodField()

    class Meta:
        model = Customer
        fields = [
            "id",
            "external_id",
            "name",
            "phones",
            "email",
            "language",
            "notifications",
            "tags",
            "notes",
            "places",
            "created_at",
            "updated_at",
        ]

    def get_notifications(self, customer) -> dict:
        return {"sms": customer.notify_sms, "email": customer.notify_email}


class CustomerPlaceWriteSerializer(serializers.Serializer):
    label = serializers.CharField(required=False)
    address = serializers.CharField()
    location = LocationSerializer(required=False, allow_null=True)
    instructions = serializers.CharField(required=False)
    access_notes = serializers.CharField(required=False)
    time_windows = ClockWindowSerializer(many=True, required=False)
    weekdays = serializers.ListField(child=serializers.CharField(), required=False)


class CustomerWriteSerializer(serializers.Serializer):
    """Documentation of the input; delivery.customers.validation parses it."""

    external_id = serializers.CharField(required=False, allow_null=True)
    name = serializers.CharField()
    phones = serializers.ListField(child=serializers.CharField(), required=False)
    email = serializers.EmailField(required=False, allow_blank=True)
    language = serializers.CharField(required=False, allow_blank=True)
    notifications = NotificationChoicesSerializer(required=False)
    tags = serializers.ListField(child=serializers.CharField(), required=False)
    notes = serializers.CharField(required=False, allow_blank=True)
    places = CustomerPlaceWriteSerializer(many=True, required=False, help_text="Absent: unchanged.")


class CustomerFilterSerializer(serializers.Serializer):
    q = serializers.CharField(required=False, max_length=200)
    tag = serializers.CharField(required=False, max_length=50)
    phone = serializers.CharField(required=False, max_length=40)
    email = serializers.CharField(required=False, max_length=254)
    external_id = serializers.CharField(required=False, max_length=100)


class CustomerViewSet(ApiGenericViewSet):
    """Customers and their places. Operations roles read and write."""

    serializer_class = CustomerSerializer
    permission_classes = [IsOperations]
    lookup_value_regex = UUID_PATTERN

    def get_queryset(self):
        return customers_list()

    @extend_schema(parameters=[CustomerFilterSerializer], responses=CustomerSerializer(many=True))
    def list(self, request):
        filters = CustomerFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        page = self.paginate_queryset(customers_list(filters=filters.validated_data))
        return self.get_paginated_response(CustomerSerializer(page, many=True).data)

    def retrieve(self, request, pk=None):
        return Response(CustomerSerializer(self.get_object()).data)

    @extend_schema(request=CustomerWriteSerializer, responses={201: CustomerSerializer})
    def create(self, request):
        data = _parsed(customer_input_parse, request.data, phone_region=tenant_phone_region())
        customer = customer_create(data=data)
        return Response(
            CustomerSerializer(customers_list().get(pk=customer.pk)).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(request=CustomerWriteSerializer, responses=CustomerSerializer)
    def update(self, request, pk=None):
        customer = self.get_object()
        data = _parsed(customer_input_parse, request.data, phone_region=tenant_phone_region())
        customer_update(customer_id=customer.pk, data=data)
        return Response(CustomerSerializer(customers_list().get(pk=customer.pk)).data)

    @extend_schema(request=CustomerWriteSerializer(partial=True), responses=CustomerSerializer)
    def partial_update(self, request, pk=None):
        customer = self.get_object()
        if not isinstance(request.data, dict):
            raise serializers.ValidationError({"non_field_errors": ["Send a JSON object."]})
        current = CustomerSerializer(customer).data
        writable = [name for name in CustomerWriteSerializer().fields if name != "places"]
        merged = {name: current[name] for name in writable}
        merged.update(request.data)
        data = _parsed(customer_input_parse, merged, phone_region=tenant_phone_region())
        customer_update(customer_id=customer.pk, data=data)
        return Response(CustomerSerializer(customers_list().get(pk=customer.pk)).data)

    def destroy(self, request, pk=None):
        customer_delete(customer_id=self.get_object().pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


class OccurrenceSerializer(serializers.ModelSerializer):
    order = serializers.UUIDField(source="order_id", allow_null=True)
    order_status = serializers.SerializerMethodField()

    class Meta:
        model = Occurrence
        fields = ["date", "status", "skip_reason", "order", "order_status"]

    def get_order_status(self, occurrence) -> str | None:
        return occurrence.order.status if occurrence.order_id else None


class StandingOrderSerializer(serializers.ModelSerializer):
    customer = serializers.UUIDField(source="customer_id")
    place = serializers.UUIDField(source="place_id")
    load = serializers.SerializerMethodField()
    time_windows = ClockWindowSerializer(many=True)
    paused = serializers.BooleanField(source="is_paused")
    source = serializers.CharField(
        read_only=True,
        help_text='"dashboard" (or the API), or "shopify": a shop\'s subscription whose orders '
        "the shop makes (never generated here).",
    )

    class Meta:
        model = StandingOrder
        fields = [
            "id",
            "customer",
            "place",
            "weekdays",
            "interval_weeks",
            "start_date",
            "end_date",
            "count",
            "load",
            "service_seconds",
            "time_windows",
            "notes",
            "paused",
            "source",
            "created_at",
            "updated_at",
        ]

    def get_load(self, standing) -> dict:
        return {
            "weight_kg": float(standing.weight_kg),
            "volume_l": float(standing.volume_l),
            "items": standing.items,
        }


class StandingOrderWriteSerializer(serializers.Serializer):
    customer = serializers.UUIDField()
    place = serializers.UUIDField(required=False, help_text="Default: the customer's first.")
    weekdays = serializers.ListField(
        child=serializers.CharField(), required=False, help_text="Default: start_date's."
    )
    interval_weeks = serializers.IntegerField(min_value=1, max_value=52, required=False)
    start_date = serializers.DateField()
    end_date = serializers.DateField(required=False, allow_null=True)
    count = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    load = LoadSerializer(required=False)
    service_seconds = serializers.IntegerField(min_value=0, required=False)
    time_windows = ClockWindowSerializer(many=True, required=False)
    notes = serializers.CharField(required=False, allow_blank=True)
    paused = serializers.BooleanField(required=False)


class StandingOrderFilterSerializer(serializers.Serializer):
    customer = serializers.UUIDField(required=False)
    paused = serializers.BooleanField(required=False, allow_null=True, default=None)


class OccurrenceSkipSerializer(serializers.Serializer):
    date = serializers.DateField()


def _place_for(customer_id, place_id) -> CustomerPlace:
    places = CustomerPlace.objects.filter(customer_id=customer_id)
    place = places.filter(pk=place_id).first() if place_id else places.first()
    if place is None:
        message = "Must be one of the customer's places." if place_id else "Add a place first."
        raise ApplicationError("validation_error", message, fields={"place": [message]})
    return place


def _uuid_field(raw: dict, name: str, *, required: bool):
    value = raw.get(name)
    if value in (None, "") and not required:
        return None
    field = serializers.UUIDField()
    try:
        return field.to_internal_value(value)
    except serializers.ValidationError as error:
        raise serializers.ValidationError({name: error.detail}) from None


class StandingOrderViewSet(ApiGenericViewSet):
    """Standing orders: a customer's repeating delivery, generated into orders ahead of time."""

    serializer_class = StandingOrderSerializer
    permission_classes = [IsOperations]
    lookup_value_regex = UUID_PATTERN

    def get_queryset(self):
        return standing_orders_list()

    @extend_schema(
        parameters=[StandingOrderFilterSerializer], responses=StandingOrderSerializer(many=True)
    )
    def list(self, request):
        filters = StandingOrderFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        page = self.paginate_queryset(standing_orders_list(filters=filters.validated_data))
        return self.get_paginated_response(StandingOrderSerializer(page, many=True).data)

    def retrieve(self, request, pk=None):
        return Response(StandingOrderSerializer(self.get_object()).data)

    @extend_schema(request=StandingOrderWriteSerializer, responses={201: StandingOrderSerializer})
    def create(self, request):
        if not isinstance(request.data, dict):
            raise serializers.ValidationError({"non_field_errors": ["Send a JSON object."]})
        customer_id = _uuid_field(request.data, "customer", required=True)
        if not Customer.objects.filter(pk=customer_id).exists():
            raise ApplicationError(
                "validation_error", "No such customer.", fields={"customer": ["No such customer."]}
            )
        place = _place_for(customer_id, _uuid_field(request.data, "place", required=False))
        data = _parsed(standing_order_input_parse, request.data)
        standing = standing_order_create(customer_id=customer_id, place=place, data=data)
        return Response(StandingOrderSerializer(standing).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=StandingOrderWriteSerializer(partial=True), responses=StandingOrderSerializer
    )
    def partial_update(self, request, pk=None):
        standing = self.get_object()
        if not isinstance(request.data, dict):
            raise serializers.ValidationError({"non_field_errors": ["Send a JSON object."]})
        if "customer" in request.data and str(request.data["customer"]) != str(
            standing.customer_id
        ):
            message = "A standing order keeps its customer."
            raise serializers.ValidationError({"customer": [message]})
        current = StandingOrderSerializer(standing).data
        current.pop("source")  # read-only: not part of the input
        merged = {**current, **request.data}
        place_id = _uuid_field(request.data, "place", required=False)
        place = _place_for(standing.customer_id, place_id) if place_id else None
        data = _parsed(standing_order_input_parse, merged)
        standing = standing_order_update(
            standing_order_id=standing.pk, data=data, place=place, actor=actor_for(request.user)
        )
        return Response(StandingOrderSerializer(standing).data)

    def destroy(self, request, pk=None):
        standing = self.get_object()
        # Future not-yet-planned occurrences go with it (as a pause would cancel them).
        standing_order_pause(
            standing_order_id=standing.pk, paused=True, actor=actor_for(request.user)
        )
        standing.delete()
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses=StandingOrderSerializer)
    @action(detail=True, methods=["post"])
    def pause(self, request, pk=None):
        standing = standing_order_pause(
            standing_order_id=self.get_object().pk, paused=True, actor=actor_for(request.user)
        )
        return Response(StandingOrderSerializer(standing).data)

    @extend_schema(request=None, responses=StandingOrderSerializer)
    @action(detail=True, methods=["post"])
    def resume(self, request, pk=None):
        standing = standing_order_pause(
            standing_order_id=self.get_object().pk, paused=False, actor=actor_for(request.user)
        )
        return Response(StandingOrderSerializer(standing).data)

    @extend_schema(
        request=OccurrenceSkipSerializer,
        responses=OccurrenceSerializer,
        summary='Skip one date ("not this week"); its order, if made, is cancelled',
    )
    @action(detail=True, methods=["post"])
    def skip(self, request, pk=None):
        standing = self.get_object()
        body = OccurrenceSkipSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        occurrence = occurrence_skip(
            standing_order_id=standing.pk,
            day=body.validated_data["date"],
            reason=Occurrence.SkipReason.DISPATCHER,
            actor=actor_for(request.user),
        )
        return Response(OccurrenceSerializer(occurrence).data)

    @extend_schema(responses=OccurrenceSerializer(many=True), summary="Occurrences from today")
    @action(detail=True, methods=["get"])
    def occurrences(self, request, pk=None):
        occurrences = occurrences_of(standing_order=self.get_object(), since=business_today())
        return Response({"results": OccurrenceSerializer(occurrences, many=True).data})


class HolidaySerializer(serializers.ModelSerializer):
    class Meta:
        model = Holiday
        fields = ["date", "name"]


class HolidayView(ApiView):
    """Days without standing-order deliveries; adding one skips its occurrences."""

    permission_classes = [IsOperations]

    @extend_schema(
        responses=inline_serializer("HolidayList", fields={"results": HolidaySerializer(many=True)})
    )
    def get(self, request):
        holidays = Holiday.objects.filter(date__gte=business_today())
        return Response({"results": HolidaySerializer(holidays, many=True).data})

    @extend_schema(request=HolidaySerializer, responses={201: HolidaySerializer})
    def post(self, request):
        if not isinstance(request.data, dict) or set(request.data) - {"date", "name"}:
            raise serializers.ValidationError({"non_field_errors": ['Send {"date", "name"}.']})
        try:
            day = date_parse(request.data.get("date"))
        except ValueError as error:
            raise serializers.ValidationError({"date": [str(error)]}) from None
        name = request.data.get("name") or ""
        if not isinstance(name, str) or len(name) > 100:
            raise serializers.ValidationError({"name": ["At most 100 characters of text."]})
        holiday = holiday_add(day=day, name=name, actor=actor_for(request.user))
        return Response(HolidaySerializer(holiday).data, status=status.HTTP_201_CREATED)


class CustomerImportResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    merged = serializers.IntegerField(help_text="Rows that were a known customer.")
    failed = serializers.IntegerField()
    duplicates = serializers.ListField(
        child=serializers.DictField(), help_text="[{row, customer, matched_on}]"
    )
    errors = serializers.ListField(child=serializers.DictField())
    warnings = serializers.ListField(child=serializers.CharField())


class CustomerImportView(ApiView):
    """A CSV of customers; rows with a known external id, phone or e-mail merge (reported)."""

    permission_classes = [IsOperations]
    parser_classes = [MultiPartParser]

    @extend_schema(
        request={
            "multipart/form-data": inline_serializer(
                "CustomerImport", {"file": serializers.FileField(help_text="UTF-8 CSV.")}
            )
        },
        responses={200: CustomerImportResultSerializer},
        summary="Import customers from CSV (deduplicated)",
    )
    def post(self, request):
        upload = request.FILES.get("file")
        if upload is None:
            message = "Upload the CSV file in the multipart field `file`."
            raise ApplicationError("validation_error", message, fields={"file": [message]})
        if upload.size > MAX_BYTES:
            raise ApplicationError("payload_too_large", "The file is larger than 10 MB.")
        result = customers_import_csv(content=upload.read(), phone_region=tenant_phone_region())
        return Response(
            {
                "created": result.created,
                "merged": result.merged,
                "failed": result.failed,
                "duplicates": result.duplicates,
                "errors": result.errors,
                "warnings": result.warnings,
            }
        )


def _export_chunks(customers, *, tenant):
    connection.set_tenant(tenant)
    for chunk in customers_export_csv(customers):
        yield chunk.encode()


class CustomerExportView(ApiView):
    permission_classes = [IsOperations]

    def perform_content_negotiation(self, request, force=False):
        return JSONRenderer(), JSONRenderer.media_type

    @extend_schema(
        parameters=[CustomerFilterSerializer],
        responses={(200, "text/csv"): OpenApiResponse(OpenApiTypes.STR)},
        summary="Export customers as CSV (one line per place; re-imports as is)",
    )
    def get(self, request):
        filters = CustomerFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        customers = customers_list(filters=filters.validated_data)
        tenant = current_tenant()
        response = CsvStreamingResponse(
            _export_chunks(customers, tenant=tenant), content_type="text/csv; charset=utf-8"
        )
        stamp = f"{timezone.now():%Y%m%d-%H%M}"
        filename = f"customers-{tenant.slug}-{stamp}.csv"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


__all__ = [
    "CustomerExportView",
    "CustomerImportView",
    "CustomerViewSet",
    "HolidayView",
    "StandingOrderViewSet",
]
