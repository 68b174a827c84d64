"""Dashboard forms for signing in, inviting teammates and creating API keys."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm

from tenants.accounts.models import ApiKey, Role


class EmailAuthenticationForm(AuthenticationForm):
    username = forms.EmailField(label="E-mail", widget=forms.EmailInput(attrs={"autofocus": True}))


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


class BusinessCloseForm(forms.Form):
    confirm_slug = forms.CharField(
        label="Type the business's address name to confirm", max_length=40
    )
    password = forms.CharField(label="Your password", widget=forms.PasswordInput, strip=False)
