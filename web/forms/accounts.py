"""Owners' and admins' forms: invite a teammate, create an API key, the business's settings."""

from django import forms

from tenants.accounts.models import ApiKey, Role


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


class BusinessCloseForm(forms.Form):
    confirm_slug = forms.CharField(
        label="Type the business's address name to confirm", max_length=40
    )
    password = forms.CharField(label="Your password", widget=forms.PasswordInput, strip=False)
