"""Output shapes of the delivery API, and request shapes for the OpenAPI documentation.

Order input is validated by `delivery.validation.order_input_parse` (shared with bulk, CSV import
and Shopify); the write serializers here only describe that input in the schema.
"""

from rest_framework import serializers

from delivery.links import tracking_url
from delivery.models import (
    Depot,
    Driver,
    FailureReason,
    Fuel,
    LocationStatus,
    Order,
    OrderEvent,
    OrderStatus,
    Vehicle,
    VehicleProfile,
)
from delivery.validation import MAX_SKILLS
from tenants.api.fields import DateField


class LocationSerializer(serializers.Serializer):
    lat = serializers.FloatField(min_value=-90, max_value=90)
    lng = serializers.FloatField(min_value=-180, max_value=180)


class TimeWindowSerializer(serializers.Serializer):
    start = serializers.CharField(help_text="ISO 8601 with offset, or HH:MM on the delivery date.")
    end = serializers.CharField(help_text="ISO 8601 with offset, or HH:MM on the delivery date.")


class RecipientSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    phone = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="E.164 (+31612345678); national numbers use the business's country.",
    )
    email = serializers.EmailField(required=False, allow_blank=True)
    language = serializers.CharField(
        max_length=10,
        required=False,
        allow_blank=True,
        help_text="The recipient's language (nl, en-GB…), for their messages and tracking page; "
        "empty: the business's. An order for a customer takes the customer's.",
    )


class LoadSerializer(serializers.Serializer):
    weight_kg = serializers.DecimalField(
        max_digits=10, decimal_places=3, min_value=0, coerce_to_string=False, required=False
    )
    volume_l = serializers.DecimalField(
        max_digits=10, decimal_places=3, min_value=0, coerce_to_string=False, required=False
    )
    items = serializers.IntegerField(min_value=0, required=False)


class PickupSerializer(serializers.Serializer):
    address = serializers.CharField(max_length=300, required=False, allow_blank=True)
    location = LocationSerializer()
    time_windows = TimeWindowSerializer(many=True, required=False)
    service_seconds = serializers.IntegerField(min_value=0, max_value=86400, required=False)


class OrderWriteSerializer(serializers.Serializer):
    """The body of POST/PUT/PATCH /orders/ (documentation; validated by order_input_parse)."""

    external_id = serializers.CharField(
        max_length=100,
        required=False,
        allow_null=True,
        help_text="Your id; unique in the business.",
    )
    recipient = RecipientSerializer()
    address = serializers.CharField(max_length=300)
    location = LocationSerializer(
        required=False,
        allow_null=True,
        help_text="Without it the address is geocoded, or the order is flagged needs_location.",
    )
    delivery_date = DateField(help_text="In the business's time zone.")
    time_windows = TimeWindowSerializer(many=True, required=False)
    service_seconds = serializers.IntegerField(min_value=0, max_value=86400, required=False)
    load = LoadSerializer(required=False)
    skills = serializers.ListField(
        child=serializers.CharField(max_length=50), required=False, max_length=MAX_SKILLS
    )
    priority = serializers.IntegerField(min_value=0, max_value=100, required=False)
    notes = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    pickup = PickupSerializer(
        required=False,
        allow_null=True,
        help_text="Pickup-and-delivery: the driver collects the goods here first, on the same "
        "route. Null: the goods leave from the depot.",
    )
    customer = serializers.UUIDField(
        required=False,
        help_text="POST only: the customer the order is for; the recipient, address, location, "
        "windows and notes the order leaves empty come from the customer and the place.",
    )
    place = serializers.UUIDField(
        required=False, help_text="POST only, with customer: one of its places (default: first)."
    )


class OrderSerializer(serializers.ModelSerializer):
    recipient = serializers.SerializerMethodField()
    location = serializers.SerializerMethodField()
    load = serializers.SerializerMethodField()
    pickup = serializers.SerializerMethodField()
    route = serializers.UUIDField(source="route_id", allow_null=True, read_only=True)
    driver = serializers.UUIDField(source="driver_id", allow_null=True, read_only=True)
    tracking_url = serializers.SerializerMethodField()
    status = serializers.ChoiceField(choices=OrderStatus.choices, read_only=True)
    location_status = serializers.ChoiceField(choices=LocationStatus.choices, read_only=True)

    class Meta:
        model = Order
        fields = [
            "id",
            "external_id",
            "recipient",
            "address",
            "location",
            "location_status",
            "location_note",
            "delivery_date",
            "time_windows",
            "service_seconds",
            "load",
            "skills",
            "priority",
            "notes",
            "delivery_instructions",
            "pickup",
            "status",
            "driver",
            "route",
            "sequence",
            "eta",
            "tracking_url",
            "source",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_recipient(self, order) -> RecipientSerializer:
        return {
            "name": order.recipient_name,
            "phone": order.recipient_phone,
            "email": order.recipient_email,
            "language": order.recipient_language,
        }

    def get_location(self, order) -> LocationSerializer(allow_null=True):
        return {"lat": order.lat, "lng": order.lng} if order.has_location else None

    def get_load(self, order) -> LoadSerializer:
        return {
            "weight_kg": float(order.weight_kg),
            "volume_l": float(order.volume_l),
            "items": order.items,
        }

    def get_pickup(self, order) -> PickupSerializer(allow_null=True):
        if not order.has_pickup:
            return None
        return {
            "address": order.pickup_address,
            "location": {"lat": order.pickup_lat, "lng": order.pickup_lng},
            "time_windows": order.pickup_time_windows,
            "service_seconds": order.pickup_service_seconds,
        }

    def get_tracking_url(self, order) -> str:
        return tracking_url(order)


class OrderTransitionSerializer(serializers.Serializer):
    to = serializers.ChoiceField(choices=OrderStatus.choices)
    reason = serializers.ChoiceField(
        choices=FailureReason.choices, required=False, help_text="Required when `to` is failed."
    )
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    location = LocationSerializer(required=False, allow_null=True, help_text="Where the actor was.")
    driver = serializers.UUIDField(required=False, help_text="Required when `to` is assigned.")
    recipient_name = serializers.CharField(
        max_length=200, required=False, allow_blank=True, help_text="Who took the delivery."
    )
    delivery_date = DateField(
        required=False, help_text="A new date when rescheduling (failed → unassigned)."
    )


class OrderEventSerializer(serializers.ModelSerializer):
    actor = serializers.SerializerMethodField()
    location = serializers.SerializerMethodField()

    class Meta:
        model = OrderEvent
        fields = [
            "id",
            "kind",
            "from_status",
            "to_status",
            "reason",
            "note",
            "actor",
            "location",
            "occurred_at",
        ]
        read_only_fields = fields

    def get_actor(self, event) -> dict:
        return {
            "kind": event.actor_kind,
            "label": event.actor_label,
            "user": str(event.actor_user_id) if event.actor_user_id else None,
        }

    def get_location(self, event) -> LocationSerializer(allow_null=True):
        return {"lat": event.lat, "lng": event.lng} if event.lat is not None else None


class OpeningHoursField(serializers.JSONField):
    pass


class DepotSerializer(serializers.ModelSerializer):
    location = LocationSerializer(source="*")

    class Meta:
        model = Depot
        fields = [
            "id",
            "name",
            "address",
            "location",
            "opening_hours",
            "is_active",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]


class CapacitySerializer(serializers.Serializer):
    weight_kg = serializers.DecimalField(
        source="capacity_weight_kg",
        max_digits=10,
        decimal_places=3,
        min_value=0,
        allow_null=True,
        required=False,
        coerce_to_string=False,
    )
    volume_l = serializers.DecimalField(
        source="capacity_volume_l",
        max_digits=10,
        decimal_places=3,
        min_value=0,
        allow_null=True,
        required=False,
        coerce_to_string=False,
    )
    items = serializers.IntegerField(
        source="capacity_items", min_value=0, max_value=1_000_000, allow_null=True, required=False
    )


class VehicleSerializer(serializers.ModelSerializer):
    capacity = CapacitySerializer(source="*", required=False, help_text="Empty: no limit.")
    profile = serializers.ChoiceField(choices=VehicleProfile.choices, default=VehicleProfile.VAN)
    fuel = serializers.ChoiceField(choices=Fuel.choices, default=Fuel.DIESEL)
    skills = serializers.ListField(
        child=serializers.CharField(max_length=50), required=False, max_length=MAX_SKILLS
    )

    class Meta:
        model = Vehicle
        fields = [
            "id",
            "name",
            "capacity",
            "skills",
            "profile",
            "fuel",
            "depot",
            "is_active",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]


class PlaceSerializer(serializers.Serializer):
    address = serializers.CharField(max_length=300, allow_blank=True, required=False)
    lat = serializers.FloatField(min_value=-90, max_value=90)
    lng = serializers.FloatField(min_value=-180, max_value=180)


class DriverSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="user.full_name", read_only=True)
    email = serializers.EmailField(source="user.email", read_only=True)
    start = serializers.SerializerMethodField()
    end = serializers.SerializerMethodField()

    class Meta:
        model = Driver
        fields = [
            "id",
            "user",
            "name",
            "email",
            "phone",
            "default_vehicle",
            "depot",
            "shifts",
            "breaks",
            "max_stops",
            "max_drive_minutes",
            "skills",
            "start",
            "end",
            "open_route",
            "is_active",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_start(self, driver) -> PlaceSerializer(allow_null=True):
        if driver.start_lat is None:
            return None
        return {"address": driver.start_address, "lat": driver.start_lat, "lng": driver.start_lng}

    def get_end(self, driver) -> PlaceSerializer(allow_null=True):
        if driver.end_lat is None:
            return None
        return {"address": driver.end_address, "lat": driver.end_lat, "lng": driver.end_lng}


class DriverWriteSerializer(serializers.Serializer):
    user = serializers.UUIDField(
        required=False, help_text="A user whose role is driver (required when creating)."
    )
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True)
    default_vehicle = serializers.UUIDField(required=False, allow_null=True)
    depot = serializers.UUIDField(required=False, allow_null=True)
    shifts = serializers.JSONField(
        required=False, help_text='{"mon": {"start": "08:00", "end": "16:30"}, …}'
    )
    breaks = serializers.JSONField(
        required=False,
        help_text='[{"start": "12:00", "end": "14:00", "minutes": 30}]: a break that must begin '
        "between start and end.",
    )
    max_stops = serializers.IntegerField(
        min_value=1,
        max_value=1000,
        required=False,
        allow_null=True,
        help_text="Stops per route at most.",
    )
    max_drive_minutes = serializers.IntegerField(
        min_value=1,
        max_value=1440,
        required=False,
        allow_null=True,
        help_text="Driving time per route at most.",
    )
    skills = serializers.ListField(
        child=serializers.CharField(max_length=50), required=False, max_length=MAX_SKILLS
    )
    start = PlaceSerializer(
        required=False, allow_null=True, help_text="Where routes start; default: the depot."
    )
    end = PlaceSerializer(
        required=False, allow_null=True, help_text="Where routes end; default: the depot."
    )
    open_route = serializers.BooleanField(
        required=False,
        help_text="Routes end at their last stop (no way back); then `end` must be empty.",
    )
    is_active = serializers.BooleanField(required=False)
