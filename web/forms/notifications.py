"""Dashboard forms for notification settings, templates, opt-outs and webhook endpoints."""

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from notifications.labels import EVENT_LABELS
from notifications.models import EVENT_NAMES, Channel


class SettingsForm(forms.Form):
    quiet_hours_start = forms.TimeField(
        required=False, widget=forms.TimeInput(attrs={"type": "time"}), label=_("Quiet from")
    )
    quiet_hours_end = forms.TimeField(
        required=False, widget=forms.TimeInput(attrs={"type": "time"}), label=_("Quiet until")
    )
    reschedule_instructions = forms.CharField(
        max_length=300,
        required=False,
        label=_("How recipients reschedule"),
        help_text=_("Used in the failed-delivery messages."),
    )
    contact_phone = forms.CharField(max_length=30, required=False, label=_("Contact phone"))


class TemplateForm(forms.Form):
    subject = forms.CharField(max_length=200, required=False, label=_("Subject"))
    body = forms.CharField(
        max_length=20_000, widget=forms.Textarea(attrs={"rows": 8}), label=_("Body")
    )
    enabled = forms.BooleanField(required=False, initial=True, label=_("Send this message"))


class OptOutForm(forms.Form):
    channel = forms.ChoiceField(choices=Channel.choices, label=_("Channel"))
    address = forms.CharField(max_length=254, label=_("Phone number or e-mail"))


class WebhookEndpointForm(forms.Form):
    url = forms.URLField(max_length=2000, label=_("URL"), assume_scheme="https")
    description = forms.CharField(max_length=200, required=False, label=_("Description"))
    events = forms.MultipleChoiceField(
        # The event in words, its name (what integrators read in the payload) beside it.
        choices=[
            (name, format_lazy("{} ({})", EVENT_LABELS.get(name, name), name))
            for name in EVENT_NAMES
        ],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Events"),
        help_text=_("None ticked: every event."),
    )
