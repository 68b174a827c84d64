"""The first-run checklist on Today: the steps from an empty business to a dispatched route,
each ticked off from the business's own data (never a flag someone has to remember to set)."""

from dataclasses import dataclass

from django.db import connection
from django.db.models import QuerySet
from django.urls import reverse

from delivery.models import Depot, Driver, Order, Vehicle
from routing.models import Route

DISPATCHED_STATUSES = (Route.Status.DISPATCHED, Route.Status.STARTED, Route.Status.COMPLETED)


@dataclass(frozen=True)
class SetupStep:
    key: str
    title: str
    hint: str
    done: bool
    url: str  # where to do it; "" when the signed-in user's role cannot
    managers_only: bool


@dataclass(frozen=True)
class SetupChecklist:
    steps: list[SetupStep]

    @property
    def done_count(self) -> int:
        return sum(step.done for step in self.steps)

    @property
    def complete(self) -> bool:
        return self.done_count == len(self.steps)

    @property
    def next_step(self) -> SetupStep | None:
        return next((step for step in self.steps if not step.done), None)


def _exist(querysets: dict[str, QuerySet]) -> dict[str, bool]:
    """Whether each queryset has a row, in one round trip (Today is a busy page)."""
    parts, params = [], []
    for queryset in querysets.values():
        sql, query_params = queryset.values("pk")[:1].query.sql_with_params()
        parts.append(f"EXISTS ({sql})")
        params.extend(query_params)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(parts)}", params)  # noqa: S608 (Django's own SQL)
        row = cursor.fetchone()
    return dict(zip(querysets, row, strict=True))


def setup_checklist(*, is_manager: bool) -> SetupChecklist:
    """depot → vehicles → drivers → orders → plan → dispatch, each done when the data says so."""
    facts = _exist(
        {
            "depot": Depot.objects.filter(is_active=True),
            "vehicles": Vehicle.objects.filter(is_active=True),
            "drivers": Driver.objects.filter(is_active=True),
            "orders": Order.objects.all(),
            "plan": Route.objects.all(),
            "dispatch": Route.objects.filter(status__in=DISPATCHED_STATUSES),
        }
    )
    rows = [
        ("depot", "Add your depot", "Where the vans load and routes start.", "depot-new", True),
        ("vehicles", "Add your vehicles", "Their capacity and shifts.", "vehicle-new", True),
        (
            "drivers",
            "Invite your drivers",
            "They sign in on their phones with a link or a QR code.",
            "driver-new",
            True,
        ),
        ("orders", "Add orders", "One by one, or import a CSV file.", "orders-import", False),
        ("plan", "Plan a day", "Routes optimised for your vans and drivers.", "plan", False),
        (
            "dispatch",
            "Dispatch the routes",
            "Each driver gets their route on their phone.",
            "plan",
            False,
        ),
    ]
    return SetupChecklist(
        steps=[
            SetupStep(
                key=key,
                title=title,
                hint=hint,
                done=facts[key],
                url=reverse(url_name) if is_manager or not managers_only else "",
                managers_only=managers_only,
            )
            for key, title, hint, url_name, managers_only in rows
        ]
    )
