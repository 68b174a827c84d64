"""Owners' and admins' forms: invite a teammate, create an API key, the business's settings."""

from django import forms

from tenants.accounts.models import ApiKey, Role
from tenants.locale import LANGUAGES, Clock
from tenants.models import TIME_ZONE_CHOICES


class InviteForm(forms.Form):
    email = forms.EmailField(label="E-mail")
    full_name = forms.CharField(label="Name", max_length=150, required=False)
    role = forms.ChoiceField(label="Role", choices=Role.choices, initial=Role.DISPATCHER)


class ApiKeyForm(forms.Form):
    name = forms.CharField(
        label="Name", max_length=100, help_text="Where the key is used, e.g. “Shopify sync”."
    )
    role = forms.ChoiceField(
        label="Access", choices=ApiKey.KeyRole.choices, initial=ApiKey.KeyRole.ADMIN
    )


class BusinessForm(forms.Form):
    name = forms.CharField(label="Business name", max_length=120)
    logo_url = forms.CharField(
        label="Logo address",
        required=False,
        max_length=500,
        widget=forms.URLInput,
        help_text="An https:// link to a small square image (PNG, SVG, …), shown in the header.",
    )
    loading_lead_minutes = forms.IntegerField(
        label="Loading time before the first route (minutes)",
        min_value=0,
        max_value=600,
        required=False,
        help_text="Planning a day that has begun starts the routes no earlier than now plus this "
        "(empty keeps the current value).",
    )
    time_zone = forms.ChoiceField(
        label="Time zone",
        choices=TIME_ZONE_CHOICES,
        required=False,
        help_text="Every time is shown on this clock and “today” is its day. Changing it moves "
        "how times read, not when things happen: an order's window stays the same moment.",
    )
    country = forms.CharField(
        label="Country (two letters, e.g. GB)",
        max_length=2,
        required=False,
        help_text="Phone numbers typed without a country code are read as this country's from "
        "now on (saved numbers keep theirs); with “as usual in the country”, it sets 24- or "
        "12-hour times and the order of day and month.",
    )
    language = forms.ChoiceField(
        label="Language",
        choices=LANGUAGES,
        required=False,
        help_text="Recipients read the tracking page and the default messages in it, unless "
        "their own language is known (the customer's or the order's).",
    )
    clock = forms.ChoiceField(label="Times", choices=Clock.CHOICES, required=False)
    recipient_reschedule_days = forms.IntegerField(
        label="After a failed delivery, recipients may choose one of the next … delivery days",
        min_value=0,
        max_value=14,
        required=False,
        help_text="0: recipients cannot choose; they are asked to contact you (empty keeps the "
        "current value).",
    )
    recipient_instructions_allowed = forms.BooleanField(
        label="Recipients may leave delivery instructions (gate code, a neighbour) on their "
        "tracking page",
        required=False,
    )
    recipient_contact_shown = forms.BooleanField(
        label="Show your phone number (Settings → Notifications) on the tracking page",
        required=False,
    )


class BusinessCloseForm(forms.Form):
    confirm_slug = forms.CharField(
        label="Type the business's address name to confirm", max_length=40
    )
    password = forms.CharField(label="Your password", widget=forms.PasswordInput, strip=False)
