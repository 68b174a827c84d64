"""The reports page's period."""

from django import forms
from django.utils.translation import gettext_lazy as _


class ReportForm(forms.Form):
    start = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("Until"), widget=forms.DateInput(attrs={"type": "date"}))
