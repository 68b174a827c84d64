"""Sign-up form on the public site; validation is the service's, shown next to each field."""

import zoneinfo

import phonenumbers
from django import forms
from django.utils.translation import gettext_lazy as _

TIME_ZONES = sorted(zoneinfo.available_timezones())


class SignupForm(forms.Form):
    name = forms.CharField(label=_("Business name"), max_length=120)
    slug = forms.CharField(
        label=_("Address"),
        max_length=40,
        help_text=_("Your dashboard lives at <address>.%(base_domain)s"),
    )
    owner_name = forms.CharField(label=_("Your name"), max_length=150, required=False)
    owner_email = forms.EmailField(label=_("Your e-mail"))
    owner_password = forms.CharField(
        label=_("Password"),
        widget=forms.PasswordInput,
        help_text=_("At least 10 characters, not a common password."),
    )
    country = forms.ChoiceField(
        label=_("Country"),
        choices=[("", "—")] + [(code, code) for code in sorted(phonenumbers.SUPPORTED_REGIONS)],
        required=False,
        help_text=_("Phone numbers written without a country code are read as this country's."),
    )
    time_zone = forms.ChoiceField(
        label=_("Time zone"), choices=[(tz, tz) for tz in TIME_ZONES], initial="Europe/Amsterdam"
    )

    def __init__(self, *args, base_domain: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["slug"].help_text = _("Your dashboard lives at <address>.%(base_domain)s") % {
            "base_domain": base_domain
        }


class BusinessAddressForm(forms.Form):
    """The public sign-in page: which business to sign in to."""

    address = forms.CharField(
        label=_("Your business's address"),
        max_length=300,
        help_text=_(
            "Its address name or the link you sign in at, e.g. “bakery” or "
            "“bakery.%(base_domain)s”."
        ),
        widget=forms.TextInput(
            attrs={"autofocus": True, "autocapitalize": "none", "spellcheck": "false"}
        ),
    )

    def __init__(self, *args, base_domain: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["address"].help_text %= {"base_domain": base_domain}
