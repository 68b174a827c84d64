"""The dispatcher's Plan and Live pages. Thin: parse, call a selector, render the shell."""

import re
from datetime import date

from django.conf import settings
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from tenants.selectors import tenant_time_zone
from web.access import OPERATIONS, page_view
from web.selectors.dispatch import live_page_data, plan_page_data, planning_from_text
from web.selectors.maps import map_view

ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _date_parse(raw: str) -> date | None:
    """Only YYYY-MM-DD: fromisoformat alone also takes 20261127 and 2026-W48-5."""
    if not ISO_DATE.fullmatch(raw):
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:  # 2026-02-30
        return None


@page_view(roles=OPERATIONS)
@require_GET
def plan(request):
    tz = tenant_time_zone()
    today = timezone.now().astimezone(tz).date()
    raw = request.GET.get("date", "").strip()
    if raw:
        delivery_date = _date_parse(raw)
        if delivery_date is None:
            message = _("“%(raw)s” is not a date: use YYYY-MM-DD, for example %(today)s.") % {
                "raw": raw,
                "today": today.isoformat(),
            }
            return render(
                request,
                "web/pages/plan.html",
                {"date_error": message, "date_value": raw, "today": today},
                status=400,
            )
    else:
        delivery_date = today
    data = plan_page_data(delivery_date=delivery_date, today=today, tz=tz)
    return render(
        request,
        "web/pages/plan.html",
        {
            "plan_data": data,
            "date_value": delivery_date.isoformat(),
            "delivery_date": delivery_date,
            "today": today,
            "planning_from": planning_from_text(delivery_date=delivery_date, tz=tz),
            "position_max_age_minutes": settings.PLANNING_POSITION_MAX_AGE_SECONDS // 60,
            "map_view": map_view(),
        },
    )


@page_view(roles=OPERATIONS)
@require_GET
def live(request):
    tz = tenant_time_zone()
    today = timezone.now().astimezone(tz).date()
    return render(
        request,
        "web/pages/live.html",
        {"live_data": live_page_data(today=today, tz=tz), "day": today, "map_view": map_view()},
    )
