"""Reports page: per day and per driver, with the emission factors stated and SVG charts."""

from datetime import timedelta

from django.conf import settings
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from delivery.models import Fuel
from routing.matrices import MatrixError
from routing.reports import report_build
from tenants.selectors import tenant_time_zone
from web.access import OPERATIONS, page_view
from web.charts import bar_chart
from web.forms.reports import ReportForm

DEFAULT_DAYS = 7


@page_view(roles=OPERATIONS)
def reports(request):
    tz = tenant_time_zone()
    today = timezone.now().astimezone(tz).date()
    form = ReportForm(
        request.GET or {"start": today - timedelta(days=DEFAULT_DAYS - 1), "end": today}
    )
    report = None
    if form.is_valid():
        try:
            report = report_build(
                start=form.cleaned_data["start"], end=form.cleaned_data["end"], tz=tz
            )
        except ValueError as error:
            form.add_error("end", str(error))
        except MatrixError as error:
            form.add_error(
                None, _("Distances could not be computed: %(problem)s") % {"problem": error}
            )
    charts = {}
    if report:
        charts = {
            "deliveries": bar_chart(
                [(row.label[5:], row.deliveries) for row in report.days],
                title=_("Deliveries per day"),
            ),
            "km": bar_chart(
                [(row.label[5:], round(row.km, 1)) for row in report.days],
                title=_("Kilometres per day"),
                unit=" km",
                kind="alt",
            ),
            "drivers": bar_chart(
                [(row.label, row.deliveries) for row in report.drivers],
                title=_("Deliveries per driver"),
            ),
        }
    fuel_labels = dict(Fuel.choices)
    return render(
        request,
        "web/pages/reports.html",
        {
            "form": form,
            "report": report,
            "charts": charts,
            "factors": [
                (fuel_labels[fuel], grams)
                for fuel, grams in (report.factors.items() if report else [])
            ],
            "fuel_rows": [
                (
                    fuel_labels.get(fuel, _("No vehicle recorded")),
                    report.factors.get(fuel),
                    totals,
                )
                for fuel, totals in (report.total.fuels.items() if report else [])
            ],
            "source": settings.REPORTS_EMISSION_SOURCE,
        },
        status=200 if report else 400,
    )
