"""The first-run checklist on Today: depot → vehicles → drivers → orders → plan → dispatch, each
ticked off from the business's data, linking to where it is done, gone once all are done."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from delivery.tests.factories import make_depot, make_driver, make_order, make_vehicle
from routing.models import Route
from tenants.accounts.models import Role
from web.selectors.setup import setup_checklist

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def _route(driver, *, status: str) -> Route:
    start = datetime.combine(date(2026, 11, 27), time(9), tzinfo=AMSTERDAM)
    return Route.objects.create(
        delivery_date=start.date(),
        driver=driver,
        status=status,
        start_lat=52.37,
        start_lng=4.89,
        planned_start=start,
        planned_end=start.replace(hour=12),
    )


def _done(checklist) -> dict[str, bool]:
    return {step.key: step.done for step in checklist.steps}


def test_each_step_ticks_itself_off_from_the_data(tenant_a):
    with tenant_a.use():
        # a new business: nothing done, the depot comes first
        empty = setup_checklist(is_manager=True)
        assert _done(empty) == dict.fromkeys(
            ["depot", "vehicles", "drivers", "orders", "plan", "dispatch"], False
        )
        assert empty.next_step.key == "depot"
        assert [step.url for step in empty.steps] == [
            "/settings/depots/new/",
            "/settings/vehicles/new/",
            "/settings/drivers/new/",
            "/orders/import/",
            "/plan/",
            "/plan/",
        ]

        make_depot()
        make_vehicle()
        driver = make_driver()
        make_order()
        middle = setup_checklist(is_manager=True)
        assert [step.key for step in middle.steps if step.done] == [
            "depot",
            "vehicles",
            "drivers",
            "orders",
        ]
        assert (middle.done_count, middle.complete, middle.next_step.key) == (4, False, "plan")

        route = _route(driver, status=Route.Status.PLANNED)
        assert _done(setup_checklist(is_manager=True))["plan"] is True
        assert _done(setup_checklist(is_manager=True))["dispatch"] is False

        Route.objects.filter(pk=route.pk).update(status=Route.Status.DISPATCHED)
        done = setup_checklist(is_manager=True)
        assert (done.done_count, done.complete, done.next_step) == (6, True, None)


def test_an_inactive_depot_does_not_count(tenant_a):
    with tenant_a.use():
        make_depot(is_active=False)
        assert _done(setup_checklist(is_manager=True))["depot"] is False


def test_a_dispatcher_sees_the_settings_steps_without_links(tenant_a):
    with tenant_a.use():
        steps = setup_checklist(is_manager=False).steps
    assert [step.url for step in steps] == ["", "", "", "/orders/import/", "/plan/", "/plan/"]

    html = tenant_a.browser(Role.DISPATCHER).get("/").content.decode()
    assert '<span class="step-title">Add your depot</span>' in html
    assert "An owner or admin does this." in html
    assert '<a class="step-title" href="/orders/import/">Add orders</a>' in html


def test_today_shows_the_checklist_until_everything_is_done(tenant_a):
    owner = tenant_a.browser(Role.OWNER)

    first = owner.get("/").content.decode()
    assert '<details class="card checklist" id="setup-checklist" open>' in first
    assert "Get Business ALPHA delivering: 0 of 6 steps done" in first
    assert '<li class="next" data-step="depot">' in first
    assert '<a class="step-title" href="/settings/depots/new/">Add your depot</a>' in first

    with tenant_a.use():
        make_depot()
    second = owner.get("/").content.decode()
    assert "1 of 6 steps done" in second
    assert '<li class="done" data-step="depot">' in second
    assert '<li class="next" data-step="vehicles">' in second

    with tenant_a.use():
        make_vehicle()
        driver = make_driver()
        make_order()
        _route(driver, status=Route.Status.COMPLETED)
    assert 'id="setup-checklist"' not in owner.get("/").content.decode()


def test_the_checklist_costs_one_query(tenant_a, django_assert_num_queries):
    with tenant_a.use():
        setup_checklist(is_manager=True)  # the schema's search path is set on first use
        with django_assert_num_queries(1):
            setup_checklist(is_manager=True)
