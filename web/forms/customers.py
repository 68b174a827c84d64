"""The customer and standing-order forms. They only collect text: the API's parsers
(delivery.customers.validation) decide, and their messages go back next to the fields."""

from django import forms
from django.utils.translation import gettext_lazy as _

from delivery.customers.models import WEEKDAY_CHOICES, Customer, StandingOrder
from tenants.locale import weekday_choices
from web.forms.fields import text_field, time_field

# The parser's field names → this form's fields.
CUSTOMER_ERROR_FIELDS = {
    "external_id": "external_id",
    "name": "name",
    "phones": "phones",
    "email": "email",
    "language": "language",
    "tags": "tags",
    "notes": "notes",
    "places.0.address": "address",
    "places.0.label": "label",
    "places.0.location": "lat",
    "places.0.instructions": "instructions",
    "places.0.access_notes": "access_notes",
    "places.0.time_windows": "window_start",
    "places.0.weekdays": "weekdays",
}
STANDING_ERROR_FIELDS = {
    "weekdays": "weekdays",
    "interval_weeks": "interval_weeks",
    "start_date": "start_date",
    "end_date": "end_date",
    "count": "count",
    "load.items": "items",
    "load.weight_kg": "weight_kg",
    "load.volume_l": "volume_l",
    "service_seconds": "service_seconds",
    "time_windows": "window_start",
    "notes": "notes",
    "place": "place",
}


def errors_onto(form: forms.Form, fields: dict[str, list[str]], names: dict[str, str]) -> None:
    for name, messages in fields.items():
        target = names.get(name)
        for message in messages:
            form.add_error(target if target in form.fields else None, message)


class CustomerSearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)


class CustomerForm(forms.Form):
    """A customer and its main place (more places: the API)."""

    name = text_field(_("Name"), required=True)
    phones = text_field(_("Phones"), help_text=_("Several separated by commas."))
    email = text_field(_("E-mail"))
    external_id = text_field(_("Your reference"))
    language = text_field(_("Language"), help_text=_("e.g. nl, en"))
    tags = text_field(_("Tags"), help_text=_("Separated by commas."))
    notify_sms = forms.BooleanField(label=_("Text messages"), required=False, initial=True)
    notify_email = forms.BooleanField(label=_("E-mails"), required=False, initial=True)
    notes = text_field(_("Notes"), widget=forms.Textarea)
    label = text_field(_("Place name"), help_text=_("e.g. Home"))
    address = text_field(_("Address"), required=True)
    lat = text_field(_("Latitude"))
    lng = text_field(_("Longitude"))
    instructions = text_field(_("Delivery instructions"), widget=forms.Textarea)
    access_notes = text_field(_("Access notes"), widget=forms.Textarea)
    window_start = time_field(_("Preferred from"))
    window_end = time_field(_("Preferred until"))
    weekdays = forms.MultipleChoiceField(
        label=_("Preferred days"),
        choices=WEEKDAY_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The business's days, in its week's order and language.
        self.fields["weekdays"].choices = weekday_choices()

    def raw(self, *, keep_places: list[dict]) -> dict:
        data = self.cleaned_data
        place: dict = {
            "label": data["label"],
            "address": data["address"],
            "instructions": data["instructions"],
            "access_notes": data["access_notes"],
            "weekdays": data["weekdays"],
        }
        if data["lat"] or data["lng"]:
            place["location"] = {"lat": data["lat"], "lng": data["lng"]}
        if data["window_start"] or data["window_end"]:
            place["time_windows"] = [{"start": data["window_start"], "end": data["window_end"]}]
        return {
            "name": data["name"],
            "phones": data["phones"],
            "email": data["email"],
            "external_id": data["external_id"] or None,
            "language": data["language"],
            "tags": data["tags"],
            "notifications": {"sms": data["notify_sms"], "email": data["notify_email"]},
            "notes": data["notes"],
            "places": [place, *keep_places],
        }


def customer_initial(customer: Customer) -> dict:
    place = customer.places.first()
    window = (place.time_windows or [{}])[0] if place else {}
    initial = {
        "name": customer.name,
        "phones": ", ".join(customer.phones),
        "email": customer.email,
        "external_id": customer.external_id or "",
        "language": customer.language,
        "tags": ", ".join(customer.tags),
        "notify_sms": customer.notify_sms,
        "notify_email": customer.notify_email,
        "notes": customer.notes,
    }
    if place:
        initial.update(
            label=place.label,
            address=place.address,
            lat="" if place.lat is None else place.lat,
            lng="" if place.lng is None else place.lng,
            instructions=place.instructions,
            access_notes=place.access_notes,
            window_start=window.get("start", ""),
            window_end=window.get("end", ""),
            weekdays=place.weekdays,
        )
    return initial


class StandingOrderForm(forms.Form):
    place = forms.ChoiceField(label=_("Place"), required=False)
    weekdays = forms.MultipleChoiceField(
        label=_("Days"),
        choices=WEEKDAY_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None: the weekday of the first delivery."),
    )
    interval_weeks = forms.CharField(label=_("Every … weeks"), initial="1", required=False)
    start_date = forms.CharField(
        label=_("First delivery"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end_date = forms.CharField(
        label=_("Last delivery"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    count = text_field(
        _("Number of deliveries"), help_text=_("Empty: until the last date, or always.")
    )
    items = text_field(_("Items"))
    weight_kg = text_field(_("Weight (kg)"))
    volume_l = text_field(_("Volume (l)"))
    window_start = time_field(_("Window from"))
    window_end = time_field(_("Window until"))
    notes = text_field(_("Notes"), widget=forms.Textarea)

    def __init__(self, *args, places=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["place"].choices = [(str(place.pk), str(place)) for place in places]
        self.fields["weekdays"].choices = weekday_choices()

    def raw(self) -> dict:
        data = self.cleaned_data
        raw = {
            "weekdays": data["weekdays"],
            "interval_weeks": data["interval_weeks"],
            "start_date": data["start_date"],
            "end_date": data["end_date"] or None,
            "count": data["count"] or None,
            "load": {
                "items": data["items"],
                "weight_kg": data["weight_kg"],
                "volume_l": data["volume_l"],
            },
            "notes": data["notes"],
            "time_windows": [],
        }
        if data["window_start"] or data["window_end"]:
            raw["time_windows"] = [{"start": data["window_start"], "end": data["window_end"]}]
        return raw


def standing_order_initial(standing: StandingOrder) -> dict:
    window = (standing.time_windows or [{}])[0]
    return {
        "place": str(standing.place_id),
        "weekdays": standing.weekdays,
        "interval_weeks": standing.interval_weeks,
        "start_date": standing.start_date.isoformat(),
        "end_date": standing.end_date.isoformat() if standing.end_date else "",
        "count": standing.count or "",
        "items": standing.items,
        "weight_kg": standing.weight_kg,
        "volume_l": standing.volume_l,
        "window_start": window.get("start", ""),
        "window_end": window.get("end", ""),
        "notes": standing.notes,
    }


class CustomerImportForm(forms.Form):
    file = forms.FileField(label=_("CSV file"))
