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
