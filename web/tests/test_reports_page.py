"""The /reports/ page: the report's numbers, its charts and the emission factors it states."""

from routing.tests import test_reports
from tenants.accounts.models import Role

period = test_reports.period  # the two days of routes and attempts the report is built from


def test_the_reports_page_shows_the_numbers_charts_and_factors(tenant_a, period):
    response = tenant_a.browser(Role.DISPATCHER).get(
        "/reports/", {"start": "2026-11-20", "end": "2026-11-21"}
    )

    assert response.status_code == 200
    report = response.context["report"]
    assert (report.total.deliveries, report.total.failed) == (3, 2)
    html = response.content.decode()
    assert html.count('<svg class="chart"') == 3
    assert (
        '<svg class="chart" viewBox="0 0 640 68" role="img" aria-label="Deliveries per day"' in html
    )
    assert "Diesel 250 g CO₂/km; Petrol 215 g CO₂/km; Electric 0 g CO₂/km" in html
    assert "DESNZ/DEFRA" in html
    assert '<th scope="row">Dee Diesel</th><td class="num">2</td>' in html


def test_a_bad_period_is_reported_on_the_form(tenant_a):
    client = tenant_a.browser(Role.DISPATCHER)

    reversed_ = client.get("/reports/", {"start": "2026-11-21", "end": "2026-11-20"})
    garbage = client.get("/reports/", {"start": "soon", "end": ""})

    assert reversed_.status_code == 400
    assert reversed_.context["form"].errors == {"end": ["The end date is before the start date."]}
    assert garbage.context["form"].errors == {
        "start": ["Enter a valid date."],
        "end": ["This field is required."],
    }
