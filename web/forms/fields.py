"""Field builders the page forms share: they only collect text, the parsers decide."""

from django import forms


def text_field(label: str, *, required: bool = False, **kwargs) -> forms.CharField:
    """Never required by Django (the parser says what is missing); `required` marks it for
    assistive technology."""
    attrs = kwargs.pop("attrs", {})
    if required:
        attrs["aria-required"] = "true"
    return forms.CharField(
        label=label,
        required=False,
        widget=kwargs.pop("widget", forms.TextInput)(attrs=attrs),
        **kwargs,
    )


def time_field(label: str) -> forms.CharField:
    return forms.CharField(
        label=label, required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )


def place_fields(form: forms.Form, *, address: str, lat: str, lng: str, group: str) -> None:
    """Mark an address and its coordinates as one place for web/static/web/places.js: the
    address gets suggestions as it is typed, and a map pin fills (and shows) the coordinates."""
    form.fields[address].widget.attrs |= {"data-place": group, "autocomplete": "off"}
    form.fields[lat].widget.attrs |= {"data-place-lat": group}
    form.fields[lng].widget.attrs |= {"data-place-lng": group}
