"""Dashboard forms. They only collect text: the same parsers as the API (delivery.validation)
decide what is valid, and their messages are shown next to the fields they concern."""

from datetime import datetime
from zoneinfo import ZoneInfo

from django import forms

from delivery import validation
from delivery.models import Depot, Driver, FailureReason, Fuel, Order, Vehicle, VehicleProfile
from tenants.accounts.models import Role, User

# As many as the API takes (validation.time_windows_parse); the form shows the first few open.
WINDOW_COUNT = 10
WINDOWS_SHOWN = 2
PICKUP_WINDOWS_SHOWN = 1
BREAK_COUNT = 5  # as many as validation.breaks_parse takes
WEEKDAYS = [
    ("mon", "Mon"),
    ("tue", "Tue"),
    ("wed", "Wed"),
    ("thu", "Thu"),
    ("fri", "Fri"),
    ("sat", "Sat"),
    ("sun", "Sun"),
]

# The API's field names (delivery.validation) → this form's fields.
ORDER_ERROR_FIELDS = {
    "external_id": "external_id",
    "recipient.name": "recipient_name",
    "recipient.phone": "phone",
    "recipient.email": "email",
    "address": "address",
    "location": "lat",
    "delivery_date": "delivery_date",
    "time_windows": "time_windows",
    "service_seconds": "service_minutes",
    "load.weight_kg": "weight_kg",
    "load.volume_l": "volume_l",
    "load.items": "items",
    "skills": "skills",
    "priority": "priority",
    "notes": "notes",
    "pickup": None,
    "pickup.address": "pickup_address",
    "pickup.location": "pickup_lat",
    "pickup.time_windows": "pickup_time_windows",
    "pickup.service_seconds": "pickup_service_minutes",
}
PICKUP_FORM_FIELDS = ("pickup_address", "pickup_lat", "pickup_lng", "pickup_service_minutes")


def _text(label: str, *, required: bool = False, **kwargs) -> forms.CharField:
    attrs = kwargs.pop("attrs", {})
    if required:
        attrs["aria-required"] = "true"
    return forms.CharField(
        label=label,
        required=False,
        widget=kwargs.pop("widget", forms.TextInput)(attrs=attrs),
        **kwargs,
    )


def _time(label: str) -> forms.CharField:
    return forms.CharField(
        label=label, required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )


class OrderForm(forms.Form):
    """Create or edit an order. `order_raw()` gives the API's JSON shape for order_input_parse."""

    external_id = _text("Your reference", max_length=100, help_text="Optional, unique.")
    recipient_name = _text("Recipient", required=True)
    phone = _text("Phone", widget=forms.TextInput, attrs={"type": "tel", "autocomplete": "off"})
    email = _text("E-mail", attrs={"type": "email"})
    address = _text("Address", required=True)
    lat = _text("Latitude", attrs={"inputmode": "decimal"})
    lng = _text("Longitude", attrs={"inputmode": "decimal"})
    delivery_date = forms.CharField(
        label="Delivery date", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    time_windows = forms.CharField(required=False, widget=forms.HiddenInput)
    service_minutes = _text("Minutes at the stop", attrs={"inputmode": "decimal"})
    weight_kg = _text("Weight (kg)", attrs={"inputmode": "decimal"})
    volume_l = _text("Volume (litres)", attrs={"inputmode": "decimal"})
    items = _text("Items", attrs={"inputmode": "numeric"})
    skills = _text("Skills needed", help_text="Separated by commas, e.g. fridge, fragile.")
    priority = _text("Priority (0–100)", attrs={"inputmode": "numeric"})
    notes = forms.CharField(
        label="Notes for the driver", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    pickup_address = _text("Pickup address")
    pickup_lat = _text("Pickup latitude", attrs={"inputmode": "decimal"})
    pickup_lng = _text("Pickup longitude", attrs={"inputmode": "decimal"})
    pickup_time_windows = forms.CharField(required=False, widget=forms.HiddenInput)
    pickup_service_minutes = _text("Minutes at the pickup", attrs={"inputmode": "decimal"})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for prefix, label in (("window", "Window"), ("pickup_window", "Pickup window")):
            for number in range(1, WINDOW_COUNT + 1):
                self.fields[f"{prefix}_{number}_start"] = _time(f"{label} {number} from")
                self.fields[f"{prefix}_{number}_end"] = _time(f"{label} {number} until")

    def _window_rows(self, prefix: str, shown: int) -> tuple[list, list]:
        """(rows always shown, rows folded away); a row with a value or an error is shown."""
        rows = [
            (self[f"{prefix}_{n}_start"], self[f"{prefix}_{n}_end"])
            for n in range(1, WINDOW_COUNT + 1)
        ]
        used = [n for n, (start, end) in enumerate(rows, start=1) if start.value() or end.value()]
        used += [n for n, (start, end) in enumerate(rows, start=1) if start.errors or end.errors]
        visible = max([shown, *used])
        return rows[:visible], rows[visible:]

    @property
    def windows(self):
        return self._window_rows("window", WINDOWS_SHOWN)

    @property
    def pickup_windows(self):
        return self._window_rows("pickup_window", PICKUP_WINDOWS_SHOWN)

    def clean(self):
        data = super().clean()
        for prefix in ("window", "pickup_window"):
            for number in range(1, WINDOW_COUNT + 1):
                start, end = (
                    data.get(f"{prefix}_{number}_start"),
                    data.get(f"{prefix}_{number}_end"),
                )
                if bool(start) != bool(end):
                    missing = f"{prefix}_{number}_end" if start else f"{prefix}_{number}_start"
                    self.add_error(missing, "Give both a start and an end.")
        for prefix in ("", "pickup_"):
            if bool(data.get(f"{prefix}lat")) != bool(data.get(f"{prefix}lng")):
                self.add_error(f"{prefix}lat", "Give both latitude and longitude, or neither.")
        return data

    def _windows_raw(self, prefix: str) -> list[dict]:
        data = self.cleaned_data
        return [
            {"start": data[f"{prefix}_{n}_start"], "end": data[f"{prefix}_{n}_end"]}
            for n in range(1, WINDOW_COUNT + 1)
            if data[f"{prefix}_{n}_start"] and data[f"{prefix}_{n}_end"]
        ]

    def _pickup_raw(self) -> dict | None:
        """The API's `pickup` object; None (no pickup) when every pickup field is empty."""
        data = self.cleaned_data
        windows = self._windows_raw("pickup_window")
        if not windows and not any(data[name] for name in PICKUP_FORM_FIELDS):
            return None
        pickup: dict = {"address": data["pickup_address"], "time_windows": windows}
        if data["pickup_lat"] and data["pickup_lng"]:
            pickup["location"] = _location_raw(data["pickup_lat"], data["pickup_lng"])
        if data["pickup_service_minutes"]:
            pickup["service_seconds"] = _seconds_raw(data["pickup_service_minutes"])
        return pickup

    def order_raw(self) -> dict:
        data = self.cleaned_data
        raw: dict = {
            "external_id": data["external_id"] or None,
            "recipient": {
                "name": data["recipient_name"],
                "phone": data["phone"],
                "email": data["email"],
            },
            "address": data["address"],
            "delivery_date": data["delivery_date"] or None,
            "time_windows": self._windows_raw("window"),
            "load": {},
            "skills": data["skills"],
            "notes": data["notes"],
            "pickup": self._pickup_raw(),
        }
        if data["lat"] and data["lng"]:
            raw["location"] = _location_raw(data["lat"], data["lng"])
        if data["service_minutes"]:
            raw["service_seconds"] = _seconds_raw(data["service_minutes"])
        for name in ("weight_kg", "volume_l", "items"):
            if data[name]:
                raw["load"][name] = data[name].replace(",", ".")
        if data["priority"]:
            raw["priority"] = data["priority"]
        return raw

    def add_field_errors(self, fields: dict[str, list[str]]) -> None:
        """Errors of the shared validation (dotted API names) next to this form's fields."""
        for name, messages in fields.items():
            target = ORDER_ERROR_FIELDS.get(name)
            for prefix in ("time_windows", "pickup.time_windows"):
                if target is None and name.startswith(prefix):
                    target = ORDER_ERROR_FIELDS[prefix]
            for message in messages:
                self.add_error(target, message)


def _location_raw(lat: str, lng: str) -> dict:
    return {"lat": lat.replace(",", "."), "lng": lng.replace(",", ".")}


def _seconds_raw(minutes: str) -> int | str:
    """Minutes as typed → the API's seconds; left as typed when not a number, for its message."""
    try:
        return round(float(minutes.replace(",", ".")) * 60)
    except ValueError:
        return minutes


def order_initial(order: Order, *, tz: ZoneInfo) -> dict:
    """An order's values as the form shows them (windows as local clock times)."""
    initial = {
        "external_id": order.external_id or "",
        "recipient_name": order.recipient_name,
        "phone": order.recipient_phone,
        "email": order.recipient_email,
        "address": order.address,
        "lat": "" if order.lat is None else f"{order.lat:g}",
        "lng": "" if order.lng is None else f"{order.lng:g}",
        "delivery_date": order.delivery_date.isoformat(),
        "service_minutes": f"{order.service_seconds / 60:g}",
        "weight_kg": f"{order.weight_kg.normalize():f}" if order.weight_kg else "",
        "volume_l": f"{order.volume_l.normalize():f}" if order.volume_l else "",
        "items": str(order.items) if order.items else "",
        "skills": ", ".join(order.skills),
        "priority": str(order.priority),
        "notes": order.notes,
    }
    if order.has_pickup:
        initial |= {
            "pickup_address": order.pickup_address,
            "pickup_lat": f"{order.pickup_lat:g}",
            "pickup_lng": f"{order.pickup_lng:g}",
            "pickup_service_minutes": f"{order.pickup_service_seconds / 60:g}",
        }
    for prefix, windows in (
        ("window", order.time_windows),
        ("pickup_window", order.pickup_time_windows),
    ):
        for number, window in enumerate(windows[:WINDOW_COUNT], start=1):
            for end in ("start", "end"):
                moment = datetime.fromisoformat(window[end]).astimezone(tz)
                initial[f"{prefix}_{number}_{end}"] = moment.strftime("%H:%M")
    return initial


class OrderFilterForm(forms.Form):
    q = forms.CharField(label="Search", required=False, max_length=100)
    status = forms.ChoiceField(
        label="Status",
        required=False,
        choices=[("", "Any status"), *Order._meta.get_field("status").choices],
    )
    date = forms.DateField(
        label="Delivery date", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    driver = forms.ModelChoiceField(
        label="Driver", required=False, queryset=Driver.objects.none(), empty_label="Any driver"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["driver"].queryset = Driver.objects.select_related("user").order_by(
            "user__full_name", "user__email"
        )


class BulkForm(forms.Form):
    ACTIONS = [("cancel", "Cancel"), ("change_date", "Change date"), ("replan", "Re-plan")]
    action = forms.ChoiceField(label="Action", choices=ACTIONS)
    orders = forms.ModelMultipleChoiceField(
        queryset=Order.objects.all(),
        error_messages={
            "required": "Select at least one order.",
        },
    )
    date = forms.DateField(
        label="New date", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self):
        data = super().clean()
        if data.get("action") == "change_date" and not data.get("date"):
            self.add_error("date", "Choose the new delivery date.")
        return data


class ImportForm(forms.Form):
    file = forms.FileField(label="CSV file", help_text="UTF-8, comma, semicolon or tab separated.")
    date = forms.DateField(
        label="Delivery date for rows without one",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    partial = forms.BooleanField(
        label="Import the good rows even if some rows have errors", required=False
    )


class TransitionForm(forms.Form):
    to = forms.ChoiceField(choices=Order._meta.get_field("status").choices)
    driver = forms.ModelChoiceField(queryset=Driver.objects.filter(is_active=True), required=False)
    reason = forms.ChoiceField(choices=[("", "—"), *FailureReason.choices], required=False)
    note = forms.CharField(required=False, max_length=2000)
    delivery_date = forms.DateField(required=False)
    recipient_name = forms.CharField(required=False, max_length=200)


# --- fleet ----------------------------------------------------------------------------------------


def _weekly(days: list[str], start: str, end: str, *, many: bool) -> dict:
    span = {"start": start, "end": end}
    return validation.weekly_hours_parse({day: [span] if many else span for day in days}, many=many)


class WeeklyMixin(forms.Form):
    days = forms.MultipleChoiceField(
        label="Days", choices=WEEKDAYS, required=False, widget=forms.CheckboxSelectMultiple
    )
    opens = _time("From")
    closes = _time("Until")

    def weekly(self, *, many: bool) -> dict:
        data = self.cleaned_data
        if not data.get("days"):
            return {}
        if not data.get("opens") or not data.get("closes"):
            self.add_error("opens", "Give the hours for the days you ticked.")
            return {}
        try:
            return _weekly(data["days"], data["opens"], data["closes"], many=many)
        except ValueError as error:
            self.add_error("closes", str(error))
            return {}


def weekly_initial(hours: dict) -> dict:
    days = list(hours)
    if not days:
        return {"days": []}
    first = hours[days[0]]
    span = first[0] if isinstance(first, list) else first
    return {"days": days, "opens": span["start"], "closes": span["end"]}


class DepotForm(WeeklyMixin):
    name = forms.CharField(label="Name", max_length=120)
    address = forms.CharField(label="Address", max_length=300)
    lat = forms.CharField(label="Latitude", widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    lng = forms.CharField(label="Longitude", widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    field_order = ["name", "address", "lat", "lng", "days", "opens", "closes"]

    def depot_fields(self) -> dict | None:
        data = self.cleaned_data
        fields = {"name": data["name"], "address": data["address"]}
        try:
            fields["lat"], fields["lng"] = validation.coordinates(
                data["lat"].replace(",", "."), data["lng"].replace(",", ".")
            )
        except ValueError as error:
            self.add_error("lat", str(error))
        fields["opening_hours"] = self.weekly(many=True)
        return None if self.errors else fields


class VehicleForm(forms.ModelForm):
    skills_text = forms.CharField(
        label="Skills", required=False, help_text="Separated by commas, e.g. fridge, tail-lift."
    )

    class Meta:
        model = Vehicle
        fields = [
            "name",
            "profile",
            "fuel",
            "depot",
            "capacity_weight_kg",
            "capacity_volume_l",
            "capacity_items",
        ]
        labels = {
            "capacity_weight_kg": "Capacity (kg)",
            "capacity_volume_l": "Capacity (litres)",
            "capacity_items": "Capacity (items)",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["depot"].queryset = Depot.objects.filter(is_active=True)
        self.fields["profile"].choices = VehicleProfile.choices
        self.fields["fuel"].choices = Fuel.choices
        if self.instance.pk:
            self.fields["skills_text"].initial = ", ".join(self.instance.skills)

    def clean(self):
        data = super().clean()
        for name in ("capacity_weight_kg", "capacity_volume_l"):
            if data.get(name) is not None and data[name] < 0:
                self.add_error(name, "Must not be negative.")
        try:
            data["skills"] = validation.skills_normalise(data.get("skills_text", ""))
        except ValueError as error:
            self.add_error("skills_text", str(error))
        return data

    def vehicle_fields(self) -> dict:
        data = self.cleaned_data
        return {name: data[name] for name in self.Meta.fields} | {"skills": data["skills"]}


class DriverForm(WeeklyMixin):
    user = forms.ModelChoiceField(
        label="Existing user",
        required=False,
        queryset=User.objects.none(),
        empty_label="— invite a new driver below —",
        help_text="A user whose role is driver and who has no driver profile yet.",
    )
    email = forms.EmailField(label="New driver's e-mail", required=False)
    full_name = forms.CharField(label="New driver's name", required=False, max_length=150)
    phone = forms.CharField(
        label="Phone", required=False, widget=forms.TextInput(attrs={"type": "tel"})
    )
    default_vehicle = forms.ModelChoiceField(
        label="Vehicle", required=False, queryset=Vehicle.objects.none()
    )
    depot = forms.ModelChoiceField(label="Depot", required=False, queryset=Depot.objects.none())
    skills = forms.CharField(label="Skills", required=False, help_text="Separated by commas.")
    # The API's bounds (DriverWriteSerializer).
    max_stops = forms.IntegerField(
        label="Most stops per route", required=False, min_value=1, max_value=1000
    )
    max_drive_minutes = forms.IntegerField(
        label="Most driving minutes per route", required=False, min_value=1, max_value=1440
    )
    start_address = _text("Start address", max_length=300, help_text="Empty: the depot.")
    start_lat = _text("Start latitude", attrs={"inputmode": "decimal"})
    start_lng = _text("Start longitude", attrs={"inputmode": "decimal"})
    end_address = _text(
        "End address", max_length=300, help_text="Empty: the depot, or the start without one."
    )
    end_lat = _text("End latitude", attrs={"inputmode": "decimal"})
    end_lng = _text("End longitude", attrs={"inputmode": "decimal"})
    open_route = forms.BooleanField(
        label="Routes end at the last stop (open route, no way back)", required=False
    )

    field_order = ["user", "email", "full_name", "phone", "default_vehicle", "depot"]

    def __init__(self, *args, creating: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.creating = creating
        self.fields["days"].label = "Works on"
        self.fields["opens"].label = "Shift from"
        self.fields["closes"].label = "Shift until"
        self.fields["default_vehicle"].queryset = Vehicle.objects.filter(is_active=True)
        self.fields["depot"].queryset = Depot.objects.filter(is_active=True)
        for number in range(1, BREAK_COUNT + 1):
            self.fields[f"break_{number}_start"] = _time(f"Break {number} may begin from")
            self.fields[f"break_{number}_end"] = _time(f"Break {number} may begin until")
            self.fields[f"break_{number}_minutes"] = _text(
                f"Break {number} minutes", attrs={"inputmode": "numeric"}
            )
        if creating:
            self.fields["user"].queryset = User.objects.filter(
                role=Role.DRIVER, is_active=True, driver__isnull=True
            ).order_by("email")
        else:
            for name in ("user", "email", "full_name"):
                del self.fields[name]

    @property
    def fieldsets(self) -> list[tuple[str, list, list, str]]:
        """(legend, rows shown, rows folded away, what unfolds them), shown after the other
        fields; a break row with a value or an error is shown."""
        breaks = [
            [self[f"break_{n}_{part}"] for part in ("start", "end", "minutes")]
            for n in range(1, BREAK_COUNT + 1)
        ]
        used = [
            n for n, row in enumerate(breaks, start=1) if any(f.value() or f.errors for f in row)
        ]
        shown = max([1, *used])
        return [
            ("Route limits", [[self["max_stops"], self["max_drive_minutes"]]], [], ""),
            (
                "Where routes start",
                [[self["start_address"]], [self["start_lat"], self["start_lng"]]],
                [],
                "",
            ),
            (
                "Where routes end",
                [[self["open_route"]], [self["end_address"]], [self["end_lat"], self["end_lng"]]],
                [],
                "",
            ),
            ("Breaks, every working day", breaks[:shown], breaks[shown:], "Add a break"),
        ]

    @property
    def grouped(self) -> set[str]:
        return {
            field.name
            for _, shown, folded, _ in self.fieldsets
            for row in shown + folded
            for field in row
        }

    def clean(self):
        data = super().clean()
        if self.creating and not data.get("user") and not data.get("email"):
            self.add_error("email", "Choose an existing user or give the new driver's e-mail.")
        return data

    def driver_fields(self, *, region: str | None) -> dict | None:
        data = self.cleaned_data
        fields = {
            "default_vehicle": data["default_vehicle"],
            "depot": data["depot"],
            "max_stops": data["max_stops"],
        }
        try:
            fields["phone"] = validation.phone_normalise(data["phone"], region=region)
        except ValueError as error:
            self.add_error("phone", str(error))
        try:
            fields["skills"] = validation.skills_normalise(data["skills"])
        except ValueError as error:
            self.add_error("skills", str(error))
        fields["shifts"] = self.weekly(many=False)
        fields["max_drive_minutes"] = data["max_drive_minutes"]
        for end in ("start", "end"):
            fields |= self._place(end)
        fields["open_route"] = data["open_route"]
        if data["open_route"] and fields.get("end_lat") is not None:
            self.add_error("end_lat", "An open route ends at its last stop: leave this empty.")
        fields["breaks"] = self._breaks()
        return None if self.errors else fields

    def _place(self, end: str) -> dict:
        """Where routes start or end, as the API's `start` / `end`; no coordinates: none."""
        data = self.cleaned_data
        lat, lng = data[f"{end}_lat"], data[f"{end}_lng"]
        if not lat and not lng:
            if data[f"{end}_address"]:
                self.add_error(f"{end}_lat", "Give the coordinates of this place.")
            return {f"{end}_address": "", f"{end}_lat": None, f"{end}_lng": None}
        try:
            location = validation.location_parse(
                {"lat": lat.replace(",", "."), "lng": lng.replace(",", ".")}
                if lat and lng
                else {"lat": lat}
                if lat
                else {"lng": lng}
            )
        except ValueError as error:
            self.add_error(f"{end}_lat", str(error))
            return {}
        return {
            f"{end}_address": data[f"{end}_address"],
            f"{end}_lat": location[0],
            f"{end}_lng": location[1],
        }

    def _breaks(self) -> list[dict]:
        """The filled break rows through validation.breaks_parse, each error on its row."""
        data = self.cleaned_data
        rows = []
        for number in range(1, BREAK_COUNT + 1):
            item = {part: data[f"break_{number}_{part}"] for part in ("start", "end", "minutes")}
            if not any(item.values()):
                continue
            missing = [part for part, value in item.items() if not value]
            for part in missing:
                self.add_error(
                    f"break_{number}_{part}", "Give when the break may begin and its length."
                )
            if not missing:
                rows.append((number, item))
        for number, item in rows:
            try:
                validation.breaks_parse([item])
            except ValueError as error:
                self.add_error(*_break_error(number, item, str(error)))
        try:
            return validation.breaks_parse([item for _, item in rows])
        except ValueError as error:
            if not self.errors:
                self.add_error(None, str(error))
            return []


def _break_error(number: int, item: dict, message: str) -> tuple[str, str]:
    """(field, message) of breaks_parse's error on one break row."""
    for part in ("start", "end"):
        try:
            validation.clock_parse(item[part])
        except ValueError:
            return f"break_{number}_{part}", message
    if message.startswith("break 1: "):  # the one break parsed: its end is before its start
        return f"break_{number}_end", message.removeprefix("break 1: ").capitalize()
    return f"break_{number}_minutes", message


def driver_initial(driver: Driver) -> dict:
    """A driver's values as the form shows them."""
    initial = {
        "phone": driver.phone,
        "default_vehicle": driver.default_vehicle_id,
        "depot": driver.depot_id,
        "skills": ", ".join(driver.skills),
        "max_stops": driver.max_stops,
        "max_drive_minutes": driver.max_drive_minutes,
        "open_route": driver.open_route,
    } | weekly_initial(driver.shifts)
    for end in ("start", "end"):
        lat = getattr(driver, f"{end}_lat")
        if lat is not None:
            initial |= {
                f"{end}_address": getattr(driver, f"{end}_address"),
                f"{end}_lat": f"{lat:g}",
                f"{end}_lng": f"{getattr(driver, f'{end}_lng'):g}",
            }
    for number, item in enumerate(driver.breaks[:BREAK_COUNT], start=1):
        for part in ("start", "end", "minutes"):
            initial[f"break_{number}_{part}"] = str(item[part])
    return initial


class ReportForm(forms.Form):
    start = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label="Until", widget=forms.DateInput(attrs={"type": "date"}))
