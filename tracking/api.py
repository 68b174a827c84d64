"""Positions (in, latest, a driver's day) and tracking-link rotation. Thin: parse, call one
service or selector, shape the answer."""

from datetime import date

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from delivery.links import tracking_url
from delivery.models import Driver, Order
from delivery.selectors import driver_for_user
from tenants.accounts.models import Role
from tenants.actors import actor_for
from tenants.api.permissions import IsOperations
from tenants.api.views import ApiView
from tenants.errors import ApplicationError
from tenants.selectors import tenant_time_zone
from tenants.validation import date_in_range
from tracking.selectors import driver_track, position_data, positions_latest
from tracking.services import MAX_BATCH, order_tracking_link_rotate, positions_record


class PositionSerializer(serializers.Serializer):
    driver = serializers.UUIDField()
    route = serializers.UUIDField(allow_null=True)
    lat = serializers.FloatField()
    lng = serializers.FloatField()
    accuracy = serializers.FloatField()
    heading = serializers.FloatField(allow_null=True)
    speed = serializers.FloatField(allow_null=True)
    recorded_at = serializers.DateTimeField()


class PositionInSerializer(serializers.Serializer):
    lat = serializers.FloatField(help_text="-90…90")
    lng = serializers.FloatField(help_text="-180…180")
    accuracy = serializers.FloatField(help_text="Metres, at most TRACKING_MAX_ACCURACY_M.")
    heading = serializers.FloatField(required=False, allow_null=True, help_text="0…360°")
    speed = serializers.FloatField(required=False, allow_null=True, help_text="m/s")
    recorded_at = serializers.DateTimeField(help_text="ISO 8601 with offset, in order.")


class PositionBatchSerializer(serializers.Serializer):
    positions = PositionInSerializer(many=True)


class PositionBatchResultSerializer(serializers.Serializer):
    accepted = serializers.IntegerField()
    rejected = inline_serializer(
        "PositionRejection",
        fields={
            "index": serializers.IntegerField(),
            "code": serializers.CharField(),
            "reason": serializers.CharField(),
        },
        many=True,
    )


def _signed_in_driver(request) -> Driver:
    driver = driver_for_user(user=request.user)
    if driver is None:
        raise ApplicationError(
            "permission_denied",
            "Only drivers with a driver profile may send positions, and only their own.",
        )
    return driver


class PositionsView(ApiView):
    """A driver's buffered positions (offline catch-up), in the order they were taken."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=PositionBatchSerializer, responses=PositionBatchResultSerializer)
    def post(self, request):
        driver = _signed_in_driver(request)
        body = request.data
        positions = body.get("positions") if isinstance(body, dict) else None
        if not isinstance(positions, list):
            raise ApplicationError(
                "validation_error",
                'Send {"positions": [ … ]}.',
                fields={"positions": ["Must be a list of positions."]},
            )
        if len(positions) > MAX_BATCH:
            raise ApplicationError(
                "payload_too_large",
                f"At most {MAX_BATCH} positions per request; send the rest in another.",
                fields={"positions": [f"At most {MAX_BATCH} items."]},
            )
        stored, rejected = positions_record(driver=driver, raw_positions=positions)
        if stored.positions:
            from tenants.realtime import send_now
            from tracking.ingest import position_sends

            send_now(position_sends(tenant_id=request.tenant.pk, stored=stored))
        return Response(
            {
                "accepted": len(stored.positions),
                "rejected": [
                    {"index": index, "code": rejection.code, "reason": rejection.reason}
                    for index, rejection in rejected
                ],
            }
        )


class PositionsLatestView(ApiView):
    """Every driver's last known position."""

    permission_classes = [IsOperations]

    @extend_schema(
        responses=inline_serializer(
            "LatestPositions", fields={"results": PositionSerializer(many=True)}
        )
    )
    def get(self, request):
        return Response({"results": positions_latest()})


class DriverTrackView(ApiView):
    """A driver's positions of one day (`?date=`, default today, the business's time zone).
    Operations roles for anyone; a driver for themselves."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[OpenApiParameter("date", str, description="YYYY-MM-DD")],
        responses=inline_serializer(
            "DriverTrack",
            fields={
                "driver": serializers.UUIDField(),
                "date": serializers.DateField(),
                "positions": PositionSerializer(many=True),
            },
        ),
    )
    def get(self, request, id):
        user = request.user
        if user.role == Role.DRIVER:
            own = driver_for_user(user=user)
            if own is None or str(own.pk) != str(id):
                raise Http404  # someone else's track is simply not there
        elif not user.is_operations:
            raise ApplicationError("permission_denied", "You may not do this.")
        driver = get_object_or_404(Driver, pk=id)
        raw_date = request.query_params.get("date")
        try:
            day = (
                date_in_range(date.fromisoformat(raw_date))
                if raw_date
                else timezone.now().astimezone(tenant_time_zone()).date()
            )
        except ValueError:
            raise ApplicationError(
                "validation_error",
                "date must be YYYY-MM-DD.",
                fields={"date": ["Must be a date: YYYY-MM-DD."]},
            ) from None
        positions = driver_track(driver_id=driver.pk, day=day)
        return Response(
            {
                "driver": str(driver.pk),
                "date": day.isoformat(),
                "positions": [position_data(position) for position in positions],
            }
        )


class TrackingLinkRotateView(ApiView):
    """Replace an order's tracking link: the old one stops working at once."""

    permission_classes = [IsOperations]

    @extend_schema(
        request=None,
        responses=inline_serializer(
            "TrackingLink",
            fields={"id": serializers.UUIDField(), "tracking_url": serializers.URLField()},
        ),
    )
    def post(self, request, id):
        order = get_object_or_404(Order, pk=id)
        order = order_tracking_link_rotate(order_id=order.pk, actor=actor_for(request.user))
        return Response({"id": str(order.pk), "tracking_url": tracking_url(order)})
