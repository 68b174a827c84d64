"""Depots, vehicles and drivers. Operations roles read; owners and admins change them."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.permissions import SAFE_METHODS, IsAuthenticated
from rest_framework.response import Response

from delivery import validation
from delivery.api.serializers import (
    DepotSerializer,
    DriverSerializer,
    DriverWriteSerializer,
    VehicleSerializer,
)
from delivery.models import Depot, Driver, Vehicle
from delivery.selectors import depots_list, drivers_list, vehicles_list
from delivery.services import depot_save, driver_save, fleet_delete, vehicle_save
from tenants.accounts.models import Role, User
from tenants.api.permissions import IsManager, IsOperations
from tenants.api.routers import UUID_PATTERN
from tenants.api.views import ApiGenericViewSet
from tenants.errors import ApplicationError
from tenants.selectors import tenant_phone_region


def _checked(parse, *args, field: str, **kwargs):
    try:
        return parse(*args, **kwargs)
    except ValueError as error:
        raise serializers.ValidationError({field: [str(error)]}) from None


def _unknown_fields(
    data, serializer: serializers.Serializer, *, shown: frozenset = frozenset(), prefix: str = ""
) -> dict:
    """Names the serializer does not take, nested ones dotted ("capacity.pallets"): DRF would
    silently drop them, and a mistyped capacity must not become "no capacity". What the API
    `shown` (id, created_at, …) may be sent back as it is, and is ignored."""
    if not isinstance(data, dict):
        return {}
    unknown: dict[str, list[str]] = {}
    for name, value in data.items():
        field = serializer.fields.get(name)
        if field is None or field.read_only:
            if name not in shown:
                unknown[f"{prefix}{name}"] = ["Unknown field."]
        elif isinstance(field, serializers.Serializer):
            unknown.update(_unknown_fields(value, field, prefix=f"{prefix}{name}."))
    return unknown


def _validated(serializer_class, request, *, partial: bool, shown_by=None) -> dict:
    serializer = serializer_class(data=request.data, partial=partial)
    shown = frozenset((shown_by or serializer_class)().fields)
    unknown = _unknown_fields(request.data, serializer, shown=shown)
    if not serializer.is_valid() or unknown:
        raise serializers.ValidationError({**unknown, **serializer.errors})
    return dict(serializer.validated_data)


def _place(values: dict, *, field: str) -> tuple[float, float]:
    """Both coordinates of a place, valid and not (0, 0)."""
    location = _checked(
        validation.location_parse,
        {name: values[name] for name in ("lat", "lng") if name in values},
        field=field,
    )
    if location is None:
        raise serializers.ValidationError({field: ["Give both lat and lng."]})
    return location


class FleetViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiGenericViewSet):
    """Reads for operations roles, writes for owners and admins; DELETE removes the record."""

    lookup_value_regex = UUID_PATTERN

    def get_permissions(self):
        return [IsOperations()] if self.request.method in SAFE_METHODS else [IsManager()]

    def destroy(self, request, pk=None):
        fleet_delete(item=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class DepotViewSet(FleetViewSet):
    serializer_class = DepotSerializer

    def get_queryset(self):
        return depots_list()

    def _fields(self, request, partial: bool) -> dict:
        fields = _validated(DepotSerializer, request, partial=partial)
        if "lat" in fields or "lng" in fields:
            # A partial update skips missing nested fields: one of lat/lng alone is refused here.
            fields["lat"], fields["lng"] = _place(fields, field="location")
        if "opening_hours" in fields:
            fields["opening_hours"] = _checked(
                validation.weekly_hours_parse,
                fields["opening_hours"],
                many=True,
                field="opening_hours",
            )
        return fields

    def create(self, request):
        depot = depot_save(depot=None, fields=self._fields(request, partial=False))
        return Response(DepotSerializer(depot).data, status=status.HTTP_201_CREATED)

    def update(self, request, pk=None, partial=False):
        depot = depot_save(depot=self.get_object(), fields=self._fields(request, partial))
        return Response(DepotSerializer(depot).data)

    def partial_update(self, request, pk=None):
        return self.update(request, pk, partial=True)


class VehicleViewSet(FleetViewSet):
    serializer_class = VehicleSerializer

    def get_queryset(self):
        return vehicles_list()

    def _fields(self, request, partial: bool) -> dict:
        fields = _validated(VehicleSerializer, request, partial=partial)
        if "skills" in fields:
            fields["skills"] = _checked(
                validation.skills_normalise, fields["skills"], field="skills"
            )
        return fields

    def create(self, request):
        vehicle = vehicle_save(vehicle=None, fields=self._fields(request, partial=False))
        return Response(VehicleSerializer(vehicle).data, status=status.HTTP_201_CREATED)

    def update(self, request, pk=None, partial=False):
        vehicle = vehicle_save(vehicle=self.get_object(), fields=self._fields(request, partial))
        return Response(VehicleSerializer(vehicle).data)

    def partial_update(self, request, pk=None):
        return self.update(request, pk, partial=True)


class DriverViewSet(FleetViewSet):
    """Drivers: a driver reads only their own record."""

    serializer_class = DriverSerializer

    def get_permissions(self):
        if self.request.method in SAFE_METHODS:
            # Any signed-in role; drivers are narrowed to themselves in get_queryset.
            return [IsAuthenticated()]
        return [IsManager()]

    def get_queryset(self):
        drivers = drivers_list()
        if self.request.user.role == Role.DRIVER:
            drivers = drivers.filter(user=self.request.user)
        return drivers

    def _fields(
        self, request, partial: bool, driver: Driver | None = None
    ) -> tuple[dict, User | None]:
        data = _validated(
            DriverWriteSerializer, request, partial=partial, shown_by=DriverSerializer
        )
        fields: dict = {}
        user = None
        if "user" in data:
            user = User.objects.filter(pk=data.pop("user")).first()
            if user is None:
                raise serializers.ValidationError({"user": ["No such user."]})
        if "phone" in data:
            fields["phone"] = _checked(
                validation.phone_normalise,
                data.pop("phone"),
                region=tenant_phone_region(),
                field="phone",
            )
        for name, model in (("default_vehicle", Vehicle), ("depot", Depot)):
            if name in data:
                value = data.pop(name)
                fields[name] = model.objects.filter(pk=value).first() if value else None
                if value and fields[name] is None:
                    raise serializers.ValidationError({name: [f"No such {name.split('_')[-1]}."]})
        if "shifts" in data:
            fields["shifts"] = _checked(
                validation.weekly_hours_parse, data.pop("shifts"), many=False, field="shifts"
            )
        if "skills" in data:
            fields["skills"] = _checked(
                validation.skills_normalise, data.pop("skills"), field="skills"
            )
        if "breaks" in data:
            fields["breaks"] = _checked(validation.breaks_parse, data.pop("breaks"), field="breaks")
        for end in ("start", "end"):
            if end in data:
                place = data.pop(end)
                if place is None:
                    fields.update({f"{end}_address": "", f"{end}_lat": None, f"{end}_lng": None})
                else:
                    lat, lng = _place(place, field=end)
                    fields.update(
                        {
                            f"{end}_address": place.get("address", ""),
                            f"{end}_lat": lat,
                            f"{end}_lng": lng,
                        }
                    )
        fields.update(data)  # is_active, open_route (driver_save checks them together)
        return fields, user

    @extend_schema(request=DriverWriteSerializer, responses={201: DriverSerializer})
    def create(self, request):
        fields, user = self._fields(request, partial=False)
        driver = driver_save(driver=None, fields=fields, user=user)
        return Response(DriverSerializer(driver).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=DriverWriteSerializer, responses=DriverSerializer)
    def update(self, request, pk=None, partial=False):
        driver = self.get_object()
        fields, user = self._fields(request, partial, driver)
        if user is not None and user.pk != driver.user_id:
            raise ApplicationError(
                "validation_error",
                "A driver's user cannot change.",
                fields={"user": ["A driver's user cannot change."]},
            )
        driver = driver_save(driver=driver, fields=fields)
        return Response(DriverSerializer(driver).data)

    @extend_schema(request=DriverWriteSerializer, responses=DriverSerializer)
    def partial_update(self, request, pk=None):
        return self.update(request, pk, partial=True)
