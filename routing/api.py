"""Optimisations and routes. Thin: parse, call a service or selector, shape the answer."""

from decimal import Decimal

from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.permissions import SAFE_METHODS, IsAuthenticated
from rest_framework.response import Response

from delivery.api.serializers import LocationSerializer
from routing.edits import route_reorder
from routing.geometry import route_geometry
from routing.lateness import delivered_early_minutes, route_expected_end, stops_expected
from routing.models import OptimizationJob, Route, Stop
from routing.pickups import stop_pickup_confirm
from routing.selectors import optimizations_list, routes_list
from routing.services import optimization_start, route_status_set
from tenants.accounts.models import Role
from tenants.actors import actor_for
from tenants.api.fields import DateField
from tenants.api.permissions import IsOperations
from tenants.api.routers import UUID_PATTERN
from tenants.api.views import ApiGenericViewSet


class OptimizationStartSerializer(serializers.Serializer):
    mode = serializers.ChoiceField(
        choices=[("plan", "plan"), ("replan", "replan")],
        default="plan",
        help_text="plan: the day's routes not yet dispatched. replan (mid-day): also routes under "
        "way, keeping their done and current stops and their remaining stops in their van, "
        "inserting new orders.",
    )
    date = DateField(help_text="The delivery date to plan (business time zone).")
    orders = serializers.ListField(
        child=serializers.UUIDField(),
        required=False,
        help_text="Only these orders (default: all of the day). Each must be an order of `date` "
        "of this business, else 400 naming the others and nothing changes. A planned route "
        "holding an order not listed here is left exactly as it is, with its orders and driver "
        "(so is a listed order on it); the planned routes holding only listed orders are "
        "replaced.",
    )
    drivers = serializers.ListField(
        child=serializers.UUIDField(),
        required=False,
        help_text="Only these drivers (default: all on shift). Each must be a driver of this "
        "business, else 400 naming the others and nothing changes. The other drivers' planned "
        "routes are left exactly as they are, with their orders.",
    )
    time_budget_s = serializers.IntegerField(
        min_value=1,
        max_value=300,
        required=False,
        help_text="Solver time; default grows with size.",
    )


class OptimizationSerializer(serializers.ModelSerializer):
    class Meta:
        model = OptimizationJob
        fields = [
            "id",
            "delivery_date",
            "status",
            "progress",
            "params",
            "summary",
            "unassigned",
            "error",
            "requested_by",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields


class OptimizationViewSet(ApiGenericViewSet):
    """Start a planning job (202) and follow it: queued → running → succeeded | failed.

    A plan changes only what it was asked to plan: limited to some orders or drivers, every
    other route and order of the day stays exactly as it was. Planning a day that has begun
    starts no route before now plus the business's loading lead time (`summary.starts_at`)."""

    permission_classes = [IsOperations]
    serializer_class = OptimizationSerializer
    lookup_value_regex = UUID_PATTERN

    def get_queryset(self):
        return optimizations_list()

    def list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(OptimizationSerializer(page, many=True).data)

    def retrieve(self, request, pk=None):
        return Response(OptimizationSerializer(self.get_object()).data)

    @extend_schema(
        request=OptimizationStartSerializer,
        responses={202: OptimizationSerializer},
        description="Queue a plan of `date`. Unknown ids, another business's ids and orders of "
        "another date are refused with 400 naming them, before anything changes. Planning "
        "some orders or drivers leaves the rest of the day's routes and orders as they were; "
        "`summary.routes_kept` counts the planned routes left alone. On the day itself routes "
        "start no earlier than now plus the loading lead time (Settings → Business). "
        '`"mode": "replan"` also re-plans routes under way: their done and current stops stay '
        "first; a started van goes on from now, from its driver's last known position when "
        "that is at most PLANNING_POSITION_MAX_AGE_SECONDS old (heading to its current stop "
        "first), otherwise from its current stop. `summary.from_positions` and "
        "`summary.positions_stale` name the drivers ({driver, name, at}) planned each way.",
    )
    def create(self, request):
        body = OptimizationStartSerializer(data=request.data)
        # DRF drops names it does not know: a mistyped "driver" must not plan every driver.
        unknown = (
            {name: ["Unknown field."] for name in request.data if name not in body.fields}
            if isinstance(request.data, dict)
            else {}
        )
        if not body.is_valid() or unknown:
            raise serializers.ValidationError({**unknown, **body.errors})
        data = body.validated_data
        job = optimization_start(
            delivery_date=data["date"],
            actor=actor_for(request.user),
            order_ids=data.get("orders", []),
            driver_ids=data.get("drivers", []),
            time_budget_s=data.get("time_budget_s"),
            mode=data["mode"],
        )
        return Response(OptimizationSerializer(job).data, status=status.HTTP_202_ACCEPTED)


class StopSerializer(serializers.ModelSerializer):
    order = serializers.UUIDField(source="order_id", read_only=True)
    external_id = serializers.CharField(source="order.external_id", read_only=True)
    recipient_name = serializers.CharField(source="order.recipient_name", read_only=True)
    status = serializers.CharField(source="order.status", read_only=True)
    address = serializers.SerializerMethodField()
    location = serializers.SerializerMethodField()
    expected_arrival = serializers.SerializerMethodField(
        help_text="The best current ETA: the live ETA, or the planned arrival shifted by how late "
        "the route is (a route not started yet leaves no earlier than now); null once done."
    )
    late = serializers.SerializerMethodField(
        help_text="The expected arrival is after the end of the stop's last window."
    )
    delivered_early_minutes = serializers.SerializerMethodField(
        help_text="A delivery stop delivered before its order's first window opened: by how many "
        "minutes (a part of a minute counts as one); null otherwise (not delivered, no windows, "
        "delivered inside or after a window, or a pickup)."
    )
    running_late = serializers.SerializerMethodField(
        help_text="The expected arrival was pushed back by the clock: the stop was expected by "
        "now (or the one before it is running late) and is not done; it moves with the clock."
    )

    class Meta:
        model = Stop
        fields = [
            "id",
            "kind",
            "order",
            "external_id",
            "recipient_name",
            "address",
            "location",
            "status",
            "sequence",
            "planned_arrival",
            "planned_departure",
            "waiting_s",
            "eta",
            "load_after",
            "locked",
            "picked_up_at",
            "expected_arrival",
            "late",
            "delivered_early_minutes",
            "running_late",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_expected_arrival(self, stop):
        """The best current ETA (routing.lateness): never before now; null once done."""
        expected = self.context.get("expected", {}).get(stop.pk)
        if expected is None or expected.eta is None:
            return None
        return serializers.DateTimeField().to_representation(expected.eta)

    @extend_schema_field(serializers.BooleanField())
    def get_late(self, stop) -> bool:
        expected = self.context.get("expected", {}).get(stop.pk)
        return bool(expected and expected.late)

    @extend_schema_field(serializers.IntegerField(allow_null=True, min_value=1))
    def get_delivered_early_minutes(self, stop) -> int | None:
        if stop.kind == Stop.Kind.PICKUP:
            return None
        # `delivered_at`: annotated by routing.selectors.stops_shown
        delivered_at = getattr(stop, "delivered_at", None)
        return delivered_early_minutes(windows=stop.order.time_windows, delivered_at=delivered_at)

    @extend_schema_field(serializers.BooleanField())
    def get_running_late(self, stop) -> bool:
        expected = self.context.get("expected", {}).get(stop.pk)
        return bool(expected and expected.running_late)

    def get_address(self, stop) -> str:
        return stop.order.pickup_address if stop.kind == Stop.Kind.PICKUP else stop.order.address

    def to_representation(self, stop):
        """The fields above, written out directly (DRF's own field for every time): Plan and
        Live show hundreds of stops on first paint, and DRF's walk field by field was most of
        their time. routing/tests/test_lateness.py compares it with that walk."""
        moment = self.fields["planned_arrival"].to_representation
        order = stop.order
        return {
            "id": str(stop.pk),
            "kind": str(stop.kind),
            "order": str(stop.order_id),
            "external_id": None if order.external_id is None else str(order.external_id),
            "recipient_name": str(order.recipient_name),
            "address": self.get_address(stop),
            "location": self.get_location(stop),
            "status": str(order.status),
            "sequence": int(stop.sequence),
            "planned_arrival": moment(stop.planned_arrival) if stop.planned_arrival else None,
            "planned_departure": (
                moment(stop.planned_departure) if stop.planned_departure else None
            ),
            "waiting_s": int(stop.waiting_s),
            "eta": moment(stop.eta) if stop.eta else None,
            "load_after": stop.load_after,
            "locked": bool(stop.locked),
            "picked_up_at": moment(stop.picked_up_at) if stop.picked_up_at else None,
            "expected_arrival": self.get_expected_arrival(stop),
            "late": self.get_late(stop),
            "delivered_early_minutes": self.get_delivered_early_minutes(stop),
            "running_late": self.get_running_late(stop),
        }

    def get_location(self, stop) -> LocationSerializer(allow_null=True):
        order = stop.order
        if stop.kind == Stop.Kind.PICKUP:
            return {"lat": order.pickup_lat, "lng": order.pickup_lng}
        return {"lat": order.lat, "lng": order.lng} if order.has_location else None


class RouteLoadSerializer(serializers.Serializer):
    weight_kg = serializers.FloatField()
    volume_l = serializers.FloatField()
    items = serializers.IntegerField()


class RouteSerializer(serializers.ModelSerializer):
    driver = serializers.UUIDField(source="driver_id", read_only=True)
    driver_name = serializers.CharField(source="driver.user.full_name", read_only=True)
    vehicle = serializers.UUIDField(source="vehicle_id", read_only=True, allow_null=True)
    optimization = serializers.UUIDField(source="optimization_id", read_only=True, allow_null=True)
    stops = serializers.SerializerMethodField()
    late_stops = serializers.SerializerMethodField(
        help_text="How many of its stops are late now (see stops[].late)."
    )
    expected_end = serializers.SerializerMethodField(
        help_text="When it is expected back: its planned end, later by as much as its last stop "
        "not done is expected later than planned (never before that stop's expected arrival; "
        "for a route under way, never before now)."
    )
    load = serializers.SerializerMethodField(
        help_text="What its deliveries weigh, fill and count in all (the van's load when it "
        "leaves, for a route without pickups)."
    )

    class Meta:
        model = Route
        fields = [
            "id",
            "delivery_date",
            "driver",
            "driver_name",
            "vehicle",
            "status",
            "optimization",
            "planned_start",
            "planned_end",
            "expected_end",
            "distance_m",
            "duration_s",
            "travel_s",
            "violations",
            "stops",
            "late_stops",
            "load",
            "dispatched_at",
            "started_at",
            "completed_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def _expected(self, route) -> tuple[list, dict]:
        """The route's stops in order and what is expected of each now (routing.lateness),
        read once for the stops, the count and the end."""
        cache = self.context.setdefault("_expected_by_route", {})
        if id(route) not in cache:
            stops = sorted(route.stops.all(), key=lambda stop: stop.sequence)
            now = self.context.setdefault("_now", timezone.now())
            cache[id(route)] = (stops, stops_expected(route, stops, now=now))
        return cache[id(route)]

    @extend_schema_field(serializers.DateTimeField())
    def get_expected_end(self, route):
        stops, expected = self._expected(route)
        end = route_expected_end(route, stops, expected, now=self.context["_now"])
        return serializers.DateTimeField().to_representation(end)

    @extend_schema_field(StopSerializer(many=True))
    def get_stops(self, route):
        stops, expected = self._expected(route)
        # One stop serializer for every route of the list: building a ModelSerializer's fields
        # costs more than a route's stops (a day of 30 routes built them 30 times).
        serializer = self.context.get("_stop_serializer")
        if serializer is None:
            serializer = StopSerializer(context={**self.context, "expected": {}})
            self.context["_stop_serializer"] = serializer
        serializer.context["expected"] = expected
        return [serializer.to_representation(stop) for stop in stops]

    def get_late_stops(self, route) -> int:
        return sum(1 for expected in self._expected(route)[1].values() if expected.late)

    @extend_schema_field(RouteLoadSerializer())
    def get_load(self, route) -> dict:
        deliveries = [s.order for s in self._expected(route)[0] if s.kind == Stop.Kind.DELIVERY]
        return {
            "weight_kg": float(sum((order.weight_kg for order in deliveries), Decimal(0))),
            "volume_l": float(sum((order.volume_l for order in deliveries), Decimal(0))),
            "items": sum(order.items for order in deliveries),
        }


class RouteFilterSerializer(serializers.Serializer):
    date = DateField(required=False)
    driver = serializers.UUIDField(required=False)
    status = serializers.MultipleChoiceField(choices=Route.Status.choices, required=False)


class RouteReorderSerializer(serializers.Serializer):
    stops = serializers.ListField(
        child=serializers.UUIDField(),
        allow_empty=True,
        help_text="Every stop of this route in the new order; stops of other routes of the same "
        "day listed here move to this route.",
    )


class PickupConfirmSerializer(serializers.Serializer):
    location = LocationSerializer(required=False, help_text="Where the driver was.")


class RouteEditResultSerializer(serializers.Serializer):
    routes = RouteSerializer(many=True)


class RouteGeometrySerializer(serializers.Serializer):
    road = serializers.BooleanField(
        help_text="true: the path follows the roads (an OSRM or Valhalla server is configured "
        "and answered); false: straight lines between the route's places."
    )
    path = serializers.ListField(
        child=serializers.ListField(child=serializers.FloatField(), min_length=2, max_length=2),
        help_text="[lat, lng] pairs from the route's start through its stops to its end.",
    )


class RouteViewSet(ApiGenericViewSet):
    """Routes with their stops. Drivers see and start/complete only their own."""

    serializer_class = RouteSerializer
    lookup_value_regex = UUID_PATTERN

    def get_permissions(self):
        if self.request.method in SAFE_METHODS or self.action in (
            "start",
            "complete",
            "stop_picked_up",
        ):
            return [IsAuthenticated()]
        return [IsOperations()]

    def get_queryset(self):
        routes = routes_list(filters={})
        if self.request.user.role == Role.DRIVER:
            routes = routes.filter(driver__user=self.request.user)
        return routes

    def list(self, request):
        filters = RouteFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        routes = routes_list(filters=filters.validated_data)
        if request.user.role == Role.DRIVER:
            routes = routes.filter(driver__user=request.user)
        page = self.paginate_queryset(routes)
        return self.get_paginated_response(RouteSerializer(page, many=True).data)

    def retrieve(self, request, pk=None):
        return Response(RouteSerializer(self.get_object()).data)

    def _status(self, to: str):
        route = route_status_set(route=self.get_object(), to=to, actor=actor_for(self.request.user))
        return Response(RouteSerializer(self.get_queryset().get(pk=route.pk)).data)

    @extend_schema(request=None, responses=RouteSerializer, summary="Hand the route to its driver")
    @action(detail=True, methods=["post"], url_path="dispatch", url_name="dispatch")
    def dispatch_route(self, request, pk=None):
        return self._status(Route.Status.DISPATCHED)

    @extend_schema(request=None, responses=RouteSerializer)
    @action(detail=True, methods=["post"])
    def start(self, request, pk=None):
        return self._status(Route.Status.STARTED)

    @extend_schema(request=None, responses=RouteSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        return self._status(Route.Status.COMPLETED)

    @extend_schema(
        request=RouteReorderSerializer,
        responses=RouteEditResultSerializer,
        summary="Reorder a route's stops, or move stops here from other routes of the day",
    )
    @action(detail=True, methods=["post"])
    def reorder(self, request, pk=None):
        body = RouteReorderSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        changed = route_reorder(
            route_id=self.get_object().pk,
            stop_ids=body.validated_data["stops"],
            actor=actor_for(request.user),
        )
        routes = self.get_queryset().filter(pk__in=[route.pk for route in changed])
        return Response({"routes": RouteSerializer(routes, many=True).data})

    @extend_schema(
        request=None,
        responses=RouteGeometrySerializer,
        summary="The route's path for a map: along the roads when a routing server is set",
    )
    @action(detail=True, methods=["get"])
    def geometry(self, request, pk=None):
        route = self.get_object()
        stops = sorted(route.stops.all(), key=lambda stop: stop.sequence)
        profile = route.vehicle.profile if route.vehicle else "van"
        return Response(route_geometry(route, stops, profile=profile))

    @extend_schema(
        request=PickupConfirmSerializer,
        responses=RouteSerializer,
        summary="Confirm the goods of a pickup stop are collected (the route's driver)",
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=rf"stops/(?P<stop_id>{UUID_PATTERN})/picked-up",
        url_name="stop-picked-up",
    )
    def stop_picked_up(self, request, pk=None, stop_id=None):
        body = PickupConfirmSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        location = body.validated_data.get("location")
        stop_pickup_confirm(
            route=self.get_object(),
            stop_id=stop_id,
            actor=actor_for(request.user),
            location=(location["lat"], location["lng"]) if location else None,
        )
        return Response(RouteSerializer(self.get_queryset().get(pk=pk)).data)
