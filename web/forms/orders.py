"""The order forms (create/edit, the list's filters and bulk actions, the CSV import, a
lifecycle step). They only collect text: the same parsers as the API (delivery.validation)
decide what is valid, and their messages are shown next to the fields they concern."""

from datetime import datetime
from zoneinfo import ZoneInfo

from django import forms
from django.utils.translation import gettext_lazy as _

from delivery.models import Driver, FailureReason, Order
from tenants.locale import LANGUAGES
from web.forms.fields import place_fields, text_field, time_field

# As many as the API takes (validation.time_windows_parse); the form shows the first few open.
WINDOW_COUNT = 10
WINDOWS_SHOWN = 2
PICKUP_WINDOWS_SHOWN = 1

# The API's field names (delivery.validation) → this form's fields.
ORDER_ERROR_FIELDS = {
    "external_id": "external_id",
    "recipient.name": "recipient_name",
    "recipient.phone": "phone",
    "recipient.email": "email",
    "recipient.language": "recipient_language",
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


class OrderForm(forms.Form):
    """Create or edit an order. `order_raw()` gives the API's JSON shape for order_input_parse."""

    external_id = text_field(_("Your reference"), max_length=100, help_text=_("Optional, unique."))
    recipient_name = text_field(_("Recipient"), required=True)
    phone = text_field(
        _("Phone"), widget=forms.TextInput, attrs={"type": "tel", "autocomplete": "off"}
    )
    email = text_field(_("E-mail"), attrs={"type": "email"})
    recipient_language = forms.ChoiceField(
        label=_("Recipient's language"),
        required=False,
        choices=[("", _("The business's"))] + LANGUAGES,
        help_text=_("Their messages and tracking page."),
    )
    address = text_field(_("Address"), required=True)
    lat = text_field(_("Latitude"), attrs={"inputmode": "decimal"})
    lng = text_field(_("Longitude"), attrs={"inputmode": "decimal"})
    delivery_date = forms.CharField(
        label=_("Delivery date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    time_windows = forms.CharField(required=False, widget=forms.HiddenInput)
    service_minutes = text_field(_("Minutes at the stop"), attrs={"inputmode": "decimal"})
    weight_kg = text_field(_("Weight (kg)"), attrs={"inputmode": "decimal"})
    volume_l = text_field(_("Volume (litres)"), attrs={"inputmode": "decimal"})
    items = text_field(_("Items"), attrs={"inputmode": "numeric"})
    skills = text_field(
        _("Skills needed"), help_text=_("Separated by commas, e.g. fridge, fragile.")
    )
    priority = text_field(_("Priority (0–100)"), attrs={"inputmode": "numeric"})
    notes = forms.CharField(
        label=_("Notes for the driver"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    pickup_address = text_field(_("Pickup address"))
    pickup_lat = text_field(_("Pickup latitude"), attrs={"inputmode": "decimal"})
    pickup_lng = text_field(_("Pickup longitude"), attrs={"inputmode": "decimal"})
    pickup_time_windows = forms.CharField(required=False, widget=forms.HiddenInput)
    pickup_service_minutes = text_field(_("Minutes at the pickup"), attrs={"inputmode": "decimal"})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        place_fields(self, address="address", lat="lat", lng="lng", group="delivery")
        place_fields(
            self, address="pickup_address", lat="pickup_lat", lng="pickup_lng", group="pickup"
        )
        for prefix, label in (("window", "Window"), ("pickup_window", "Pickup window")):
            for number in range(1, WINDOW_COUNT + 1):
                self.fields[f"{prefix}_{number}_start"] = time_field(f"{label} {number} from")
                self.fields[f"{prefix}_{number}_end"] = time_field(f"{label} {number} until")

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
                    self.add_error(missing, _("Give both a start and an end."))
        for prefix in ("", "pickup_"):
            if bool(data.get(f"{prefix}lat")) != bool(data.get(f"{prefix}lng")):
                self.add_error(f"{prefix}lat", _("Give both latitude and longitude, or neither."))
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
                "language": data["recipient_language"],
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
        "recipient_language": order.recipient_language,
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
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any status")), *Order._meta.get_field("status").choices],
    )
    date = forms.DateField(
        label=_("Delivery date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    driver = forms.ModelChoiceField(
        label=_("Driver"),
        required=False,
        queryset=Driver.objects.none(),
        empty_label=_("Any driver"),
    )
    location = forms.ChoiceField(
        label=_("Location"),
        required=False,
        choices=[("", _("Any location")), ("missing", _("No location"))],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["driver"].queryset = Driver.objects.select_related("user").order_by(
            "user__full_name", "user__email"
        )


class BulkForm(forms.Form):
    ACTIONS = [
        ("cancel", _("Cancel")),
        ("change_date", _("Change date")),
        ("replan", _("Re-plan")),
        ("locate", _("Look the address up again")),
    ]
    action = forms.ChoiceField(label=_("Action"), choices=ACTIONS)
    orders = forms.ModelMultipleChoiceField(
        queryset=Order.objects.all(),
        required=False,
        label=_("Orders"),
    )
    # "locate" with every order that has no location, not only those ticked on this page.
    all_unlocated = forms.BooleanField(required=False, label=_("Every order without a location"))
    date = forms.DateField(
        label=_("New date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self):
        data = super().clean()
        if data.get("action") == "change_date" and not data.get("date"):
            self.add_error("date", _("Choose the new delivery date."))
        if not data.get("orders") and not (
            data.get("action") == "locate" and data.get("all_unlocated")
        ):
            self.add_error("orders", _("Select at least one order."))
        return data


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"), help_text=_("UTF-8, comma, semicolon or tab separated.")
    )
    date = forms.DateField(
        label=_("Delivery date for rows without one"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    partial = forms.BooleanField(
        label=_("Import the good rows even if some rows have errors"), required=False
    )


class TransitionForm(forms.Form):
    to = forms.ChoiceField(choices=Order._meta.get_field("status").choices, label=_("Status"))
    driver = forms.ModelChoiceField(
        queryset=Driver.objects.filter(is_active=True), required=False, label=_("Driver")
    )
    reason = forms.ChoiceField(
        choices=[("", "—"), *FailureReason.choices], required=False, label=_("Reason")
    )
    note = forms.CharField(required=False, max_length=2000, label=_("Note"))
    delivery_date = forms.DateField(required=False, label=_("Delivery date"))
    recipient_name = forms.CharField(required=False, max_length=200, label=_("Received by"))
