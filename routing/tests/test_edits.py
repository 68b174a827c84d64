"""Manual edits of planned routes: reorder, move a stop between routes; times recomputed, broken
constraints stated on the route, orders follow."""

import json

from delivery.models import Order
from routing.models import Route, Stop
from routing.tests.days import run, small_day


def post(client, path, body):
    return client.post(path, data=json.dumps(body), content_type="application/json")


def planned(tenant, django_capture_on_commit_callbacks):
    with tenant.use():
        day = small_day()
        job = run(django_capture_on_commit_callbacks)
        assert job.status == "succeeded", job.error
        routes = list(Route.objects.order_by("planned_start", "id"))
    return day, routes


def stop_ids(tenant, route) -> list[str]:
    with tenant.use():
        return [str(pk) for pk in route.stops.order_by("sequence").values_list("pk", flat=True)]


def test_reversing_a_route_recomputes_times_and_names_the_late_stops(
    tenant_a, django_capture_on_commit_callbacks
):
    # given a planned route whose hourly windows fix its order
    _, routes = planned(tenant_a, django_capture_on_commit_callbacks)
    route = routes[0]
    with tenant_a.use():
        ids = stop_ids(tenant_a, route)

    # when the dispatcher reverses it
    response = post(
        tenant_a.browser("dispatcher"),
        f"/api/v1/routes/{route.pk}/reorder",
        {"stops": list(reversed(ids))},
    )

    # then the order is kept, times follow it, and the late stops are named
    assert response.status_code == 200, response.content
    (body,) = response.json()["routes"]
    assert [stop["id"] for stop in body["stops"]] == list(reversed(ids))
    assert [stop["sequence"] for stop in body["stops"]] == [1, 2, 3, 4]
    arrivals = [stop["planned_arrival"] for stop in body["stops"]]
    assert arrivals == sorted(arrivals)
    kinds = [violation["kind"] for violation in body["violations"]]
    assert kinds and set(kinds) == {"late"}
    with tenant_a.use():
        orders = {str(o.pk): o for o in Order.objects.filter(route_id=route.pk)}
        for stop in Stop.objects.filter(route=route):
            assert orders[str(stop.order_id)].sequence == stop.sequence


def test_moving_a_stop_to_another_route(tenant_a, django_capture_on_commit_callbacks):
    _, (first, second) = planned(tenant_a, django_capture_on_commit_callbacks)
    with tenant_a.use():
        moving = stop_ids(tenant_a, second)[0]
        moved_order = Stop.objects.get(pk=moving).order_id

    response = post(
        tenant_a.api(),
        f"/api/v1/routes/{first.pk}/reorder",
        {"stops": [*stop_ids(tenant_a, first), moving]},
    )

    assert response.status_code == 200, response.content
    routes = {route["id"]: route for route in response.json()["routes"]}
    assert len(routes[str(first.pk)]["stops"]) == 5
    assert [s["sequence"] for s in routes[str(second.pk)]["stops"]] == [1, 2, 3]
    # the first van carries 4 items at most: five stops of one item each are over capacity
    assert {v["kind"] for v in routes[str(first.pk)]["violations"]} >= {"over_capacity"}
    with tenant_a.use():
        order = Order.objects.get(pk=moved_order)
        assert (order.route_id, order.driver_id, order.sequence) == (first.pk, first.driver_id, 5)


def test_every_stop_of_the_route_must_be_listed(tenant_a, django_capture_on_commit_callbacks):
    _, (route, _) = planned(tenant_a, django_capture_on_commit_callbacks)
    with tenant_a.use():
        before = list(Stop.objects.order_by("id").values())

    response = post(
        tenant_a.api(),
        f"/api/v1/routes/{route.pk}/reorder",
        {"stops": stop_ids(tenant_a, route)[1:]},
    )

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "stops": [
            "Every stop of the route must be listed; move a stop away by listing it on its new "
            "route."
        ]
    }
    with tenant_a.use():
        assert list(Stop.objects.order_by("id").values()) == before


def test_a_route_under_way_cannot_be_edited(tenant_a, django_capture_on_commit_callbacks):
    _, (route, _) = planned(tenant_a, django_capture_on_commit_callbacks)
    with tenant_a.use():
        Route.objects.filter(pk=route.pk).update(status=Route.Status.STARTED)

    response = post(
        tenant_a.api(), f"/api/v1/routes/{route.pk}/reorder", {"stops": stop_ids(tenant_a, route)}
    )

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "route_locked"


def test_a_stop_cannot_be_taken_from_a_route_under_way_or_done(
    tenant_a, django_capture_on_commit_callbacks
):
    # given two routes of the day, the second one started (then completed)
    _, (target, donor) = planned(tenant_a, django_capture_on_commit_callbacks)
    taken = stop_ids(tenant_a, donor)[0]
    for status in (Route.Status.STARTED, Route.Status.COMPLETED):
        with tenant_a.use():
            Route.objects.filter(pk=donor.pk).update(status=status)
            before = list(Stop.objects.order_by("id").values())

        # when the dispatcher drags one of its stops onto the planned route
        response = post(
            tenant_a.api(),
            f"/api/v1/routes/{target.pk}/reorder",
            {"stops": [*stop_ids(tenant_a, target), taken]},
        )

        # then it is refused and no stop moved
        assert response.status_code == 400
        assert response.json()["error"]["fields"] == {
            "stops": [f"Stop {taken} is on a route of another day or one already under way."]
        }
        with tenant_a.use():
            assert list(Stop.objects.order_by("id").values()) == before


def test_drivers_cannot_edit_routes(tenant_a, django_capture_on_commit_callbacks):
    _, (route, _) = planned(tenant_a, django_capture_on_commit_callbacks)

    response = post(
        tenant_a.browser("driver"),
        f"/api/v1/routes/{route.pk}/reorder",
        {"stops": stop_ids(tenant_a, route)},
    )

    assert response.status_code == 403


def test_starting_a_route_puts_its_orders_on_their_way(
    tenant_a, django_capture_on_commit_callbacks
):
    from delivery.models import OrderEvent

    _, (route, _) = planned(tenant_a, django_capture_on_commit_callbacks)
    client = tenant_a.api()
    assert post(client, f"/api/v1/routes/{route.pk}/dispatch", {}).status_code == 200

    response = post(client, f"/api/v1/routes/{route.pk}/start", {})

    assert response.status_code == 200
    with tenant_a.use():
        statuses = set(Order.objects.filter(route_id=route.pk).values_list("status", flat=True))
        events = OrderEvent.objects.filter(order__route_id=route.pk, reason="route_started")
        assert statuses == {"out_for_delivery"}
        assert events.count() == 4
