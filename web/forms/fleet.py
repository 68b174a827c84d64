"""The fleet settings forms: depots, vehicles and drivers with their weekly hours. They only
collect text: delivery.validation parses (as for the API) and its messages go on the fields."""

from django import forms
from django.utils.translation import gettext_lazy as _

from delivery import geocoding, validation
from delivery.models import Depot, Driver, Fuel, Vehicle, VehicleProfile
from tenants.accounts.models import Role, User
from tenants.locale import weekday_choices
from web.forms.fields import place_fields, text_field, time_field

BREAK_COUNT = 5  # as many as validation.breaks_parse takes


def _weekly(days: list[str], start: str, end: str, *, many: bool) -> dict:
    span = {"start": start, "end": end}
    return validation.weekly_hours_parse({day: [span] if many else span for day in days}, many=many)


class WeeklyMixin(forms.Form):
    days = forms.MultipleChoiceField(
        label=_("Days"), choices=(), required=False, widget=forms.CheckboxSelectMultiple
    )
    opens = time_field(_("From"))
    closes = time_field(_("Until"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The business's days, in its week's order and language.
        self.fields["days"].choices = weekday_choices(short=True)

    def weekly(self, *, many: bool) -> dict:
        data = self.cleaned_data
        if not data.get("days"):
            return {}
        if not data.get("opens") or not data.get("closes"):
            self.add_error("opens", _("Give the hours for the days you ticked."))
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
    name = forms.CharField(label=_("Name"), max_length=120)
    address = forms.CharField(label=_("Address"), max_length=300)
    lat = text_field(
        _("Latitude"),
        attrs={"inputmode": "decimal"},
        help_text=_("Empty: found from the address."),
    )
    lng = text_field(_("Longitude"), attrs={"inputmode": "decimal"})
    field_order = ["name", "address", "lat", "lng", "days", "opens", "closes"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        place_fields(self, address="address", lat="lat", lng="lng", group="depot")

    def depot_fields(self) -> dict | None:
        data = self.cleaned_data
        fields = {"name": data["name"], "address": data["address"]}
        try:
            if data["lat"] or data["lng"]:
                fields["lat"], fields["lng"] = validation.coordinates(
                    data["lat"].replace(",", "."), data["lng"].replace(",", ".")
                )
            else:
                fields["lat"], fields["lng"] = geocoding.address_locate(data["address"])
        except ValueError as error:
            self.add_error("lat" if data["lat"] or data["lng"] else "address", str(error))
        fields["opening_hours"] = self.weekly(many=True)
        return None if self.errors else fields


def only_depot_preselect(form: forms.BaseForm) -> None:
    """A new vehicle or driver starts on the business's depot when it has exactly one."""
    depots = list(form.fields["depot"].queryset.values_list("pk", flat=True)[:2])
    if len(depots) == 1 and form.initial.get("depot") is None:
        form.initial["depot"] = depots[0]


class VehicleForm(forms.ModelForm):
    skills_text = forms.CharField(
        label=_("Skills"),
        required=False,
        help_text=_("Separated by commas, e.g. fridge, tail-lift."),
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
            "name": _("Name"),
            "profile": _("Profile"),
            "fuel": _("Fuel"),
            "depot": _("Depot"),
            "capacity_weight_kg": _("Capacity (kg)"),
            "capacity_volume_l": _("Capacity (litres)"),
            "capacity_items": _("Capacity (items)"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["depot"].queryset = Depot.objects.filter(is_active=True)
        self.fields["profile"].choices = VehicleProfile.choices
        self.fields["fuel"].choices = Fuel.choices
        if self.instance._state.adding:
            only_depot_preselect(self)
        else:
            self.fields["skills_text"].initial = ", ".join(self.instance.skills)

    def clean(self):
        data = super().clean()
        for name in ("capacity_weight_kg", "capacity_volume_l"):
            if data.get(name) is not None and data[name] < 0:
                self.add_error(name, _("Must not be negative."))
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
        label=_("Existing user"),
        required=False,
        queryset=User.objects.none(),
        empty_label=_("— invite a new driver below —"),
        help_text=_("A user whose role is driver and who has no driver profile yet."),
    )
    email = forms.EmailField(label=_("New driver's e-mail"), required=False)
    full_name = forms.CharField(label=_("New driver's name"), required=False, max_length=150)
    phone = forms.CharField(
        label=_("Phone"), required=False, widget=forms.TextInput(attrs={"type": "tel"})
    )
    default_vehicle = forms.ModelChoiceField(
        label=_("Vehicle"), required=False, queryset=Vehicle.objects.none()
    )
    depot = forms.ModelChoiceField(label=_("Depot"), required=False, queryset=Depot.objects.none())
    skills = forms.CharField(label=_("Skills"), required=False, help_text=_("Separated by commas."))
    # The API's bounds (DriverWriteSerializer).
    max_stops = forms.IntegerField(
        label=_("Most stops per route"), required=False, min_value=1, max_value=1000
    )
    max_drive_minutes = forms.IntegerField(
        label=_("Most driving minutes per route"), required=False, min_value=1, max_value=1440
    )
    start_address = text_field(_("Start address"), max_length=300, help_text=_("Empty: the depot."))
    start_lat = text_field(_("Start latitude"), attrs={"inputmode": "decimal"})
    start_lng = text_field(_("Start longitude"), attrs={"inputmode": "decimal"})
    end_address = text_field(
        _("End address"), max_length=300, help_text=_("Empty: the depot, or the start without one.")
    )
    end_lat = text_field(_("End latitude"), attrs={"inputmode": "decimal"})
    end_lng = text_field(_("End longitude"), attrs={"inputmode": "decimal"})
    open_route = forms.BooleanField(
        label=_("Routes end at the last stop (open route, no way back)"), required=False
    )

    field_order = ["user", "email", "full_name", "phone", "default_vehicle", "depot"]

    def __init__(self, *args, creating: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.creating = creating
        self.fields["days"].label = _("Works on")
        self.fields["opens"].label = _("Shift from")
        self.fields["closes"].label = _("Shift until")
        self.fields["default_vehicle"].queryset = Vehicle.objects.filter(is_active=True)
        self.fields["depot"].queryset = Depot.objects.filter(is_active=True)
        for number in range(1, BREAK_COUNT + 1):
            self.fields[f"break_{number}_start"] = time_field(f"Break {number} may begin from")
            self.fields[f"break_{number}_end"] = time_field(f"Break {number} may begin until")
            self.fields[f"break_{number}_minutes"] = text_field(
                f"Break {number} minutes", attrs={"inputmode": "numeric"}
            )
        for end in ("start", "end"):
            place_fields(
                self, address=f"{end}_address", lat=f"{end}_lat", lng=f"{end}_lng", group=end
            )
        if creating:
            only_depot_preselect(self)
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
            self.add_error("email", _("Choose an existing user or give the new driver's e-mail."))
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
            self.add_error("end_lat", _("An open route ends at its last stop: leave this empty."))
        fields["breaks"] = self._breaks()
        return None if self.errors else fields

    def _place(self, end: str) -> dict:
        """Where routes start or end, as the API's `start` / `end`; no coordinates: none."""
        data = self.cleaned_data
        lat, lng = data[f"{end}_lat"], data[f"{end}_lng"]
        if not lat and not lng:
            if not data[f"{end}_address"]:
                return {f"{end}_address": "", f"{end}_lat": None, f"{end}_lng": None}
            try:
                found = geocoding.address_locate(data[f"{end}_address"])
            except ValueError as error:
                self.add_error(f"{end}_address", str(error))
                return {}
            return {
                f"{end}_address": data[f"{end}_address"],
                f"{end}_lat": found[0],
                f"{end}_lng": found[1],
            }
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
                    f"break_{number}_{part}", _("Give when the break may begin and its length.")
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
    # The one break parsed: its end is before its start (said in the active language).
    if message == _("break %(number)s: end must not be before start.") % {"number": 1}:
        return f"break_{number}_end", _("End must not be before start.")
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
