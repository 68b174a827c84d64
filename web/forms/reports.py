"""The reports page's period."""

from django import forms


class ReportForm(forms.Form):
    start = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label="Until", widget=forms.DateInput(attrs={"type": "date"}))
