"""Owners' and admins' forms: invite a teammate, create an API key, the business's settings."""

from django import forms
from django.utils.translation import gettext_lazy as _

from tenants.accounts.models import ApiKey, Role
from tenants.locale import LANGUAGES, Clock
from tenants.models import TIME_ZONE_CHOICES


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("E-mail"))
    full_name = forms.CharField(label=_("Name"), max_length=150, required=False)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.DISPATCHER)


class ApiKeyForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=100, help_text=_("Where the key is used, e.g. “Shopify sync”.")
    )
    role = forms.ChoiceField(
        label=_("Access"), choices=ApiKey.KeyRole.choices, initial=ApiKey.KeyRole.ADMIN
    )


class BusinessForm(forms.Form):
    name = forms.CharField(label=_("Business name"), max_length=120)
    logo_url = forms.CharField(
        label=_("Logo address"),
        required=False,
        max_length=500,
        widget=forms.URLInput,
        help_text=_("An https:// link to a small square image (PNG, SVG, …), shown in the header."),
    )
    loading_lead_minutes = forms.IntegerField(
        label=_("Loading time before the first route (minutes)"),
        min_value=0,
        max_value=600,
        required=False,
        help_text=_(
            "Planning a day that has begun starts the routes no earlier than now plus this "
            "(empty keeps the current value)."
        ),
    )
    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        choices=TIME_ZONE_CHOICES,
        required=False,
        help_text=_(
            "Every time is shown on this clock and “today” is its day. Changing it moves "
            "how times read, not when things happen: an order's window stays the same moment."
        ),
    )
    country = forms.CharField(
        label=_("Country (two letters, e.g. GB)"),
        max_length=2,
        required=False,
        help_text=_(
            "Phone numbers typed without a country code are read as this country's from "
            "now on (saved numbers keep theirs); with “as usual in the country”, it sets 24- or "
            "12-hour times and the order of day and month."
        ),
    )
    language = forms.ChoiceField(
        label=_("Language"),
        choices=LANGUAGES,
        required=False,
        help_text=_(
            "Recipients read the tracking page and the default messages in it, unless "
            "their own language is known (the customer's or the order's)."
        ),
    )
    clock = forms.ChoiceField(label=_("Times"), choices=Clock.CHOICES, required=False)
    recipient_reschedule_days = forms.IntegerField(
        label=_("After a failed delivery, recipients may choose one of the next … delivery days"),
        min_value=0,
        max_value=14,
        required=False,
        help_text=_(
            "0: recipients cannot choose; they are asked to contact you (empty keeps the "
            "current value)."
        ),
    )
    recipient_instructions_allowed = forms.BooleanField(
        label=_(
            "Recipients may leave delivery instructions (gate code, a neighbour) on their "
            "tracking page"
        ),
        required=False,
    )
    recipient_contact_shown = forms.BooleanField(
        label=_("Show your phone number (Settings → Notifications) on the tracking page"),
        required=False,
    )


class BusinessCloseForm(forms.Form):
    confirm_slug = forms.CharField(
        label=_("Type the business's address name to confirm"), max_length=40
    )
    password = forms.CharField(label=_("Your password"), widget=forms.PasswordInput, strip=False)
