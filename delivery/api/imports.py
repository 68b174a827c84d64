"""Orders in bulk: `POST orders/bulk` (JSON), `POST orders/import` and `GET orders/export` (CSV)."""

from collections.abc import Generator

from asgiref.sync import sync_to_async
from django.db import connection
from django.http import StreamingHttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from delivery.api.orders import ORDER_FILTERS, OrderFilterSerializer
from delivery.api.serializers import OrderSerializer, OrderWriteSerializer
from delivery.imports import (
    MAX_BULK_ORDERS,
    MAX_IMPORT_BYTES,
    ImportRejected,
    orders_bulk_create,
    orders_export_csv,
    orders_import_csv,
)
from delivery.selectors import orders_list
from tenants.actors import actor_for
from tenants.api.errors import error_body, status_for
from tenants.api.fields import DateField
from tenants.api.permissions import IsOperations
from tenants.api.views import ApiView
from tenants.errors import ApplicationError
from tenants.selectors import current_tenant, tenant_phone_region, tenant_time_zone

# The multipart envelope around the file: boundaries, headers, the `file` field's name.
MULTIPART_OVERHEAD = 64 * 1024


class OrderBulkView(ApiView):
    """Create up to 1,000 orders at once: all of them, or none and every bad row reported."""

    permission_classes = [IsOperations]

    @extend_schema(
        request=inline_serializer(
            "OrderBulk",
            {"orders": OrderWriteSerializer(many=True, help_text=f"1 to {MAX_BULK_ORDERS}.")},
        ),
        responses={
            201: inline_serializer(
                "OrderBulkResult",
                {"created": serializers.IntegerField(), "results": OrderSerializer(many=True)},
            ),
            400: OpenApiResponse(description="Errors keyed `orders.<index>.<field>`."),
            413: OpenApiResponse(description=f"More than {MAX_BULK_ORDERS} orders."),
        },
        summary="Create many orders, all or nothing",
    )
    def post(self, request):
        orders = orders_bulk_create(
            body=request.data,
            actor=actor_for(request.user),
            tz=tenant_time_zone(),
            phone_region=tenant_phone_region(),
        )
        return Response(
            {"created": len(orders), "results": OrderSerializer(orders, many=True).data},
            status=status.HTTP_201_CREATED,
        )


class ImportParamsSerializer(serializers.Serializer):
    date = DateField(required=False, help_text="Delivery date of rows without a delivery_date.")
    partial = serializers.BooleanField(
        default=False, help_text="Import the good rows and report the bad ones."
    )


class RowProblemSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text="1-based data row (the first row after the header).")
    line = serializers.IntegerField(help_text="Line of the file where the row starts.")
    column = serializers.CharField(allow_null=True, help_text="As written in the header.")
    message = serializers.CharField()


class ColumnWarningSerializer(serializers.Serializer):
    column = serializers.CharField()
    message = serializers.CharField()


class OrderImportResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    failed = serializers.IntegerField(help_text="Orders not imported (with ?partial=true).")
    errors = RowProblemSerializer(many=True)
    warnings = ColumnWarningSerializer(many=True, help_text="Columns that were ignored.")
    location_warnings = RowProblemSerializer(
        many=True,
        help_text="Rows imported without coordinates (a warning: they cannot be planned until "
        "they have a location). Each message says whether the address is being looked up or "
        "the order must be placed on the map; `column` is null.",
    )


class OrderImportView(ApiView):
    """A CSV file of orders (our columns or a Shopify orders export); see the README."""

    permission_classes = [IsOperations]
    parser_classes = [MultiPartParser]

    @extend_schema(
        parameters=[ImportParamsSerializer],
        request={
            "multipart/form-data": inline_serializer(
                "OrderImport", {"file": serializers.FileField(help_text="UTF-8 CSV.")}
            )
        },
        responses={
            201: OrderImportResultSerializer,
            200: OpenApiResponse(
                OrderImportResultSerializer,
                description="With ?partial=true, when no row could be imported.",
            ),
            400: OpenApiResponse(
                description="Bad rows (nothing written): `fields` keyed `rows.<row>.<column>` "
                "and `error.rows`: [{row, line, column, message}]; or a file that is not a CSV."
            ),
            413: OpenApiResponse(description="Over 10 MB or 20,000 rows."),
        },
        summary="Import orders from a CSV file",
    )
    def post(self, request):
        params = ImportParamsSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        # Refuse a huge upload before it is parsed (and spooled to disk).
        if int(request.META.get("CONTENT_LENGTH") or 0) > MAX_IMPORT_BYTES + MULTIPART_OVERHEAD:
            raise ApplicationError(
                "payload_too_large",
                f"The file is larger than {MAX_IMPORT_BYTES // (1024 * 1024)} MB.",
            )
        upload = request.FILES.get("file")
        if upload is None:
            message = "Upload the CSV file in the multipart field `file`."
            raise ApplicationError("validation_error", message, fields={"file": [message]})
        if upload.size > MAX_IMPORT_BYTES:
            raise ApplicationError(
                "payload_too_large",
                f"The file is larger than {MAX_IMPORT_BYTES // (1024 * 1024)} MB.",
            )
        try:
            result = orders_import_csv(
                content=upload.read(),
                actor=actor_for(request.user),
                tz=tenant_time_zone(),
                phone_region=tenant_phone_region(),
                default_date=params.validated_data.get("date"),
                partial=params.validated_data["partial"],
            )
        except ImportRejected as rejected:
            body = error_body(rejected.code, rejected.message, rejected.fields)
            body["error"]["rows"] = rejected.rows
            body["error"]["warnings"] = rejected.warnings
            return Response(body, status=status_for(rejected.code))
        return Response(
            {
                "created": len(result.created),
                "failed": result.failed,
                "errors": result.errors,
                "warnings": result.warnings,
                "location_warnings": result.unlocated,
            },
            status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK,
        )


class CsvStreamingResponse(StreamingHttpResponse):
    """Streams a generator of bytes under WSGI and ASGI alike. (Django's own ASGI path reads a
    synchronous iterator whole into memory first; here each chunk is made in the request's
    thread, on its database connection, as the client takes it.)"""

    def __init__(self, chunks: Generator[bytes], **kwargs) -> None:
        super().__init__(chunks, **kwargs)
        self._chunks = chunks

    async def __aiter__(self):
        next_chunk = sync_to_async(next)
        try:
            while (chunk := await next_chunk(self._chunks, None)) is not None:
                yield chunk
        finally:
            # A client that goes away mid-stream: close the rows' cursor in the request's
            # thread now, not whenever (and wherever) the generator is collected.
            await sync_to_async(self._chunks.close)()


def _export_chunks(orders, *, tz, tenant):
    # The rows are read while the response is sent, after the view returned: make sure the
    # connection is on this request's business. (Set, not a context manager: nothing to undo
    # that could run later, e.g. from the garbage collector in another thread.)
    connection.set_tenant(tenant)
    yield from orders_export_csv(orders, tz=tz)


class OrderExportView(ApiView):
    """The orders (same filters as the list) as CSV, in the import's columns plus their state."""

    permission_classes = [IsOperations]

    def perform_content_negotiation(self, request, force=False):
        # Any Accept header gets the CSV; errors are JSON, like everywhere in the API.
        return JSONRenderer(), JSONRenderer.media_type

    @extend_schema(
        parameters=ORDER_FILTERS,
        responses={
            (200, "text/csv"): OpenApiResponse(
                OpenApiTypes.STR,
                description="The import columns, then id, status, location_status, driver, "
                "route, sequence, eta.",
            )
        },
        summary="Export orders as CSV",
    )
    def get(self, request):
        filters = OrderFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        orders = orders_list(actor=actor_for(request.user), filters=filters.validated_data)
        tenant, tz = current_tenant(), tenant_time_zone()
        response = CsvStreamingResponse(
            _export_chunks(orders, tz=tz, tenant=tenant), content_type="text/csv; charset=utf-8"
        )
        filename = f"orders-{tenant.slug}-{timezone.now().astimezone(tz):%Y%m%d-%H%M}"
        response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
        return response
