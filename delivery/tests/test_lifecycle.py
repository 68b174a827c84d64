"""The order lifecycle through `POST /api/v1/orders/{id}/transition`: allowed and refused moves,
what each move records, who may move what, and two actors racing on one order."""

import json
import threading
import uuid
from datetime import date

import pytest
import requests
from django.conf import settings
from django.test import Client

from delivery.models import DeliveryAttempt, Order, OrderEvent
from delivery.services import TRANSITIONS, driver_save, order_transition
from delivery.tests.factories import TEST_ACTOR, make_driver, make_order
from tenants.accounts.models import ApiKey, Role

# Each status, and the moves that lead to it from a new order.
PATH_TO = {
    "unassigned": [],
    "assigned": ["assigned"],
    "out_for_delivery": ["assigned", "out_for_delivery"],
    "delivered": ["assigned", "out_for_delivery", "delivered"],
    "failed": ["assigned", "out_for_delivery", "failed"],
    "cancelled": ["cancelled"],
}
ALLOWED = [
    ("unassigned", "assigned"),
    ("unassigned", "cancelled"),
    ("assigned", "out_for_delivery"),
    ("assigned", "cancelled"),
    ("out_for_delivery", "delivered"),
    ("out_for_delivery", "failed"),
    ("failed", "unassigned"),
]
# Every other pair, the same status twice included.
REFUSED = [(start, to) for start in PATH_TO for to in PATH_TO if (start, to) not in ALLOWED]


def transition(client, order_id, body):
    return client.post(
        f"/api/v1/orders/{order_id}/transition",
        data=json.dumps(body),
        content_type="application/json",
    )


def error(code: str, message: str, fields: dict | None = None) -> dict:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def order_in(status: str, *, driver, **fields) -> Order:
    """A new order moved to `status` through the service (call inside the business's schema)."""
    order = make_order(**fields)
    for step in PATH_TO[status]:
        order_transition(
            order_id=order.pk, to=step, actor=TEST_ACTOR, driver=driver, reason="not_home"
        )
    return Order.objects.get(pk=order.pk)


def state(world, order_id) -> tuple:
    """Everything a transition could change: the order, its events and its attempts."""
    with world.use():
        return (
            Order.objects.filter(pk=order_id).values().get(),
            list(OrderEvent.objects.filter(order_id=order_id).values()),
            list(DeliveryAttempt.objects.filter(order_id=order_id).values()),
        )


ON_SHIFT = {
    "shifts": {
        day: {"start": "07:00", "end": "19:00"}
        for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    },
    "start_lat": 52.3738,
    "start_lng": 4.8910,
}


@pytest.fixture
def driver(tenant_a):
    """The driver profile of tenant A's user with role driver (signs in as `browser("driver")`)."""
    with tenant_a.use():
        # On shift every day from a place of their own: a manual assignment puts the order on
        # their route of its day (routing.assignment), which needs both.
        return driver_save(driver=None, fields=ON_SHIFT, user=tenant_a.users[Role.DRIVER])


def test_the_lifecycle_is_the_one_of_the_spec():
    assert {(start, to) for start, targets in TRANSITIONS.items() for to in targets} == set(ALLOWED)
    assert len(REFUSED) == 6 * 6 - len(ALLOWED)


@pytest.mark.parametrize(("start", "to"), ALLOWED)
def test_every_allowed_transition(tenant_a, driver, start, to):
    with tenant_a.use():
        order = order_in(start, driver=None if start == "unassigned" else driver)
    body = {"to": to}
    if to == "assigned":
        body["driver"] = str(driver.pk)
    if to == "failed":
        body["reason"] = "not_home"

    response = transition(tenant_a.api(key=tenant_a.dispatcher_key), order.pk, body)

    assert response.status_code == 200
    assert response.json()["status"] == to
    with tenant_a.use():
        order.refresh_from_db()
        event = order.events.latest("id")
        key = ApiKey.objects.get(name="Dispatcher key")
    assert order.status == to
    assert (
        event.kind,
        event.from_status,
        event.to_status,
        event.actor_kind,
        event.actor_label,
    ) == (
        "status_changed",
        start,
        to,
        "api_key",
        f"API key Dispatcher key ({key.prefix})",
    )
    assert event.actor_api_key_id == key.pk


@pytest.mark.parametrize(("start", "to"), REFUSED)
def test_invalid_transitions_are_409_and_change_nothing(tenant_a, driver, start, to):
    with tenant_a.use():
        order = order_in(start, driver=driver)
    before = state(tenant_a, order.pk)

    response = transition(
        tenant_a.api(),
        order.pk,
        {"to": to, "driver": str(driver.pk), "reason": "refused", "delivery_date": "2026-12-01"},
    )

    assert response.status_code == 409
    message = f"An order that is {start} cannot become {to}."
    if to == "assigned" and start in ("assigned", "out_for_delivery"):  # someone placed it
        message = f"{order} is on {driver}'s route already (placed meanwhile): move it from there."
    assert response.json() == error("invalid_transition", message)
    assert state(tenant_a, order.pk) == before


def test_an_unknown_status_is_400(tenant_a):
    with tenant_a.use():
        order = make_order()
    before = state(tenant_a, order.pk)

    unknown = transition(tenant_a.api(), order.pk, {"to": "lost"})
    missing = transition(tenant_a.api(), order.pk, {})

    assert unknown.status_code == missing.status_code == 400
    assert unknown.json() == error(
        "validation_error",
        'to: "lost" is not a valid choice.',
        {"to": ['"lost" is not a valid choice.']},
    )
    assert missing.json() == error(
        "validation_error", "to: This field is required.", {"to": ["This field is required."]}
    )
    assert state(tenant_a, order.pk) == before


# --- what each move needs and records ---------------------------------------------------------


def test_assigning_needs_an_active_driver_of_the_business(tenant_a, tenant_b, driver):
    with tenant_a.use():
        order = make_order()
        inactive = make_driver("gone@example.test", is_active=False)
    with tenant_b.use():
        elsewhere = make_driver("b.driver@example.test")
    before = state(tenant_a, order.pk)
    client = tenant_a.api()

    without = transition(client, order.pk, {"to": "assigned"})
    unknown = transition(client, order.pk, {"to": "assigned", "driver": str(uuid.uuid4())})
    other_business = transition(client, order.pk, {"to": "assigned", "driver": str(elsewhere.pk)})
    not_active = transition(client, order.pk, {"to": "assigned", "driver": str(inactive.pk)})

    assert without.status_code == 400
    assert without.json() == error(
        "validation_error",
        "Say which driver gets the order.",
        {"driver": ["This field is required."]},
    )
    for response in (unknown, other_business):
        assert response.status_code == 400
        assert response.json() == error(
            "validation_error", "No such driver.", {"driver": ["No such driver."]}
        )
    assert not_active.status_code == 400
    assert not_active.json() == error(
        "validation_error", "This driver is not active.", {"driver": ["This driver is not active."]}
    )
    assert state(tenant_a, order.pk) == before

    assigned = transition(client, order.pk, {"to": "assigned", "driver": str(driver.pk)})

    assert assigned.status_code == 200
    assert assigned.json()["driver"] == str(driver.pk)


def test_failing_needs_a_reason(tenant_a, driver):
    with tenant_a.use():
        order = order_in("out_for_delivery", driver=driver)
    before = state(tenant_a, order.pk)

    without = transition(tenant_a.api(), order.pk, {"to": "failed"})
    unknown = transition(tenant_a.api(), order.pk, {"to": "failed", "reason": "bored"})

    assert without.status_code == unknown.status_code == 400
    assert without.json() == error(
        "validation_error",
        "Say why the delivery failed.",
        {
            "reason": [
                "Must be one of: not_home, refused, wrong_address, damaged, no_access, other."
            ]
        },
    )
    assert unknown.json() == error(
        "validation_error",
        'reason: "bored" is not a valid choice.',
        {"reason": ['"bored" is not a valid choice.']},
    )
    assert state(tenant_a, order.pk) == before


def test_delivered_records_a_delivery_attempt(tenant_a, driver):
    with tenant_a.use():
        order = order_in("out_for_delivery", driver=driver)

    response = transition(
        tenant_a.browser(Role.DRIVER),
        order.pk,
        {
            "to": "delivered",
            "recipient_name": "Neighbour at no. 12",
            "note": "Left with the neighbour",
            "location": {"lat": 52.0907, "lng": 5.1214},
        },
    )

    assert response.status_code == 200
    with tenant_a.use():
        attempt = DeliveryAttempt.objects.get(order=order)
        event = order.events.latest("id")
    assert (
        attempt.outcome,
        attempt.driver_id,
        attempt.failure_reason,
        attempt.recipient_name,
        attempt.note,
        attempt.lat,
        attempt.lng,
    ) == (
        "delivered",
        driver.pk,
        "",
        "Neighbour at no. 12",
        "Left with the neighbour",
        52.0907,
        5.1214,
    )
    assert attempt.attempted_at >= event.occurred_at
    assert (event.actor_label, event.note, event.lat, event.lng) == (
        "driver@alpha.test",
        "Left with the neighbour",
        52.0907,
        5.1214,
    )


def test_failed_records_an_attempt_with_its_reason(tenant_a, driver):
    with tenant_a.use():
        order = order_in("out_for_delivery", driver=driver)

    response = transition(
        tenant_a.browser(Role.DISPATCHER), order.pk, {"to": "failed", "reason": "no_access"}
    )

    assert response.status_code == 200
    with tenant_a.use():
        attempts = list(
            DeliveryAttempt.objects.filter(order=order).values_list(
                "outcome", "failure_reason", "driver_id"
            )
        )
    assert attempts == [("failed", "no_access", driver.pk)]


def test_a_rescheduled_order_leaves_its_driver_and_route_and_moves_its_windows(tenant_a, driver):
    # given a failed delivery with two windows on the 27th, on a route
    with tenant_a.use():
        order = order_in(
            "failed",
            driver=driver,
            time_windows=[
                {"start": "2026-11-27T09:00:00+01:00", "end": "2026-11-27T11:00:00+01:00"},
                {"start": "2026-11-27T14:00:00+01:00", "end": "2026-11-28T00:00:00+01:00"},
            ],
        )
        Order.objects.filter(pk=order.pk).update(route_id=uuid.uuid4(), sequence=3)

    # when it is rescheduled to the 30th
    response = transition(
        tenant_a.api(), order.pk, {"to": "unassigned", "delivery_date": "2026-11-30"}
    )

    # then it keeps its hours on the new day, without driver nor route
    assert response.status_code == 200
    body = response.json()
    assert (
        body["status"],
        body["delivery_date"],
        body["driver"],
        body["route"],
        body["sequence"],
    ) == (
        "unassigned",
        "2026-11-30",
        None,
        None,
        None,
    )
    assert body["time_windows"] == [
        {"start": "2026-11-30T09:00:00+01:00", "end": "2026-11-30T11:00:00+01:00"},
        {"start": "2026-11-30T14:00:00+01:00", "end": "2026-12-01T00:00:00+01:00"},
    ]


def test_a_rescheduled_order_keeps_its_clock_times_across_a_change_of_summer_time(tenant_a, driver):
    with tenant_a.use():
        order = order_in(
            "failed",
            driver=driver,
            delivery_date=date(2026, 10, 23),
            time_windows=[
                {"start": "2026-10-23T09:00:00+02:00", "end": "2026-10-23T12:00:00+02:00"}
            ],
        )

    response = transition(
        tenant_a.api(), order.pk, {"to": "unassigned", "delivery_date": "2026-10-26"}
    )

    assert response.status_code == 200
    assert response.json()["time_windows"] == [
        {"start": "2026-10-26T09:00:00+01:00", "end": "2026-10-26T12:00:00+01:00"}
    ]


def test_rescheduling_without_a_date_keeps_the_day(tenant_a, driver):
    windows = [{"start": "2026-11-27T09:00:00+01:00", "end": "2026-11-27T11:00:00+01:00"}]
    with tenant_a.use():
        order = order_in("failed", driver=driver, time_windows=windows)

    response = transition(tenant_a.api(), order.pk, {"to": "unassigned"})

    assert response.status_code == 200
    assert (response.json()["delivery_date"], response.json()["time_windows"]) == (
        "2026-11-27",
        windows,
    )


def test_cancelling_takes_the_order_off_its_route(tenant_a, driver):
    with tenant_a.use():
        order = order_in("assigned", driver=driver)
        Order.objects.filter(pk=order.pk).update(route_id=uuid.uuid4(), sequence=2)

    response = transition(
        tenant_a.browser(Role.ADMIN), order.pk, {"to": "cancelled", "note": "Customer called"}
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["route"], body["sequence"], body["eta"]) == (
        "cancelled",
        None,
        None,
        None,
    )
    with tenant_a.use():
        event = order.events.latest("id")
        assert not DeliveryAttempt.objects.filter(order=order).exists()
    assert (event.from_status, event.to_status, event.note, event.actor_label) == (
        "assigned",
        "cancelled",
        "Customer called",
        "admin@alpha.test",
    )


# --- drivers ---------------------------------------------------------------------------------


def test_a_driver_starts_and_delivers_their_own_order(tenant_a, driver):
    with tenant_a.use():
        order = order_in("assigned", driver=driver)
    client = tenant_a.browser(Role.DRIVER)

    started = transition(client, order.pk, {"to": "out_for_delivery"})
    delivered = transition(client, order.pk, {"to": "delivered"})

    assert (started.status_code, delivered.status_code) == (200, 200)
    with tenant_a.use():
        events = list(
            order.events.filter(kind="status_changed").values_list(
                "from_status", "to_status", "actor_kind", "actor_label", "actor_user_id"
            )
        )
    driver_user = tenant_a.users[Role.DRIVER].pk
    assert events == [
        ("unassigned", "assigned", "system", "tests", None),
        ("assigned", "out_for_delivery", "user", "driver@alpha.test", driver_user),
        ("out_for_delivery", "delivered", "user", "driver@alpha.test", driver_user),
    ]


def test_a_driver_may_fail_their_own_delivery(tenant_a, driver):
    with tenant_a.use():
        order = order_in("out_for_delivery", driver=driver)

    response = transition(
        tenant_a.browser(Role.DRIVER), order.pk, {"to": "failed", "reason": "refused"}
    )

    assert response.status_code == 200
    assert response.json()["status"] == "failed"


@pytest.mark.parametrize(
    ("start", "to"),
    [
        ("assigned", "cancelled"),
        ("unassigned", "assigned"),  # even to themselves: assigning is dispatch work
        ("failed", "unassigned"),
        ("assigned", "assigned"),
    ],
)
def test_a_driver_may_not_assign_cancel_or_reschedule(tenant_a, driver, start, to):
    with tenant_a.use():
        order = order_in(start, driver=driver)
        Order.objects.filter(pk=order.pk).update(driver=driver)  # visible to the driver
    before = state(tenant_a, order.pk)

    response = transition(
        tenant_a.browser(Role.DRIVER), order.pk, {"to": to, "driver": str(driver.pk)}
    )

    assert response.status_code == 403
    assert response.json() == error(
        "permission_denied", "Drivers may only start, deliver or fail a delivery."
    )
    assert state(tenant_a, order.pk) == before


def test_a_driver_cannot_touch_orders_of_others(tenant_a, driver):
    with tenant_a.use():
        colleague = make_driver("colleague@example.test")
        theirs = order_in("out_for_delivery", driver=colleague)
        nobodys = make_order()
    client = tenant_a.browser(Role.DRIVER)

    for order in (theirs, nobodys):
        before = state(tenant_a, order.pk)
        response = transition(client, order.pk, {"to": "delivered"})
        assert response.status_code == 404
        assert response.json() == error("not_found", "Not found.")
        assert state(tenant_a, order.pk) == before


def test_a_driver_gets_409_for_an_invalid_move_of_their_own_order(tenant_a, driver):
    with tenant_a.use():
        order = order_in("assigned", driver=driver)
    before = state(tenant_a, order.pk)

    response = transition(tenant_a.browser(Role.DRIVER), order.pk, {"to": "delivered"})

    assert response.status_code == 409
    assert response.json() == error(
        "invalid_transition", "An order that is assigned cannot become delivered."
    )
    assert state(tenant_a, order.pk) == before


def test_nobody_moves_an_order_of_another_business(tenant_a, tenant_b):
    with tenant_b.use():
        order = make_order()
    before = state(tenant_b, order.pk)

    response = transition(tenant_a.api(), order.pk, {"to": "cancelled"})

    assert response.status_code == 404
    assert state(tenant_b, order.pk) == before


# --- a driver and a dispatcher at the same moment ----------------------------------------------

ROUNDS = 10
CSRF_SECRET = "r" * 32  # a CSRF cookie and the same value in the header, as the dashboard sends


def signed_in_headers(world, role: str) -> dict[str, str]:
    """Headers of `role` signed in to `world` by session (a driver has no API key)."""
    client = Client(HTTP_HOST=world.host)
    with world.use():
        client.force_login(world.users[role])
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    return {
        "Host": world.host,
        "Cookie": f"{settings.SESSION_COOKIE_NAME}={session}; "
        f"{settings.CSRF_COOKIE_NAME}={CSRF_SECRET}",
        "X-CSRFToken": CSRF_SECRET,
        "Content-Type": "application/json",
    }


def at_once(calls: list) -> list[requests.Response]:
    """Run each call in its own thread, released together."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index, call):
        barrier.wait()
        results[index] = call()

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.mark.parametrize(
    ("start", "driver_to", "dispatcher_body"),
    [
        # Both moves are legal from the start state, so only the row lock decides. (Delivering
        # an assigned order or cancelling one out for delivery is refused whatever the timing.)
        ("assigned", "out_for_delivery", {"to": "cancelled", "note": "Customer called"}),
        ("out_for_delivery", "delivered", {"to": "failed", "reason": "no_access"}),
    ],
)
def test_a_driver_and_a_dispatcher_racing_on_one_order_cannot_both_win(
    asgi_server, committed_tenant, committed_db, start, driver_to, dispatcher_body
):
    # given a business on the real server, its driver and a dispatcher, each signed in
    world = committed_tenant(f"race-{start.replace('_', '-')}")
    with world.use():
        driver = driver_save(driver=None, fields={}, user=world.users[Role.DRIVER])
    driver_headers = signed_in_headers(world, Role.DRIVER)
    dispatcher_headers = {
        "Host": world.host,
        "Authorization": f"Bearer {world.dispatcher_key}",
        "Content-Type": "application/json",
    }
    wins = {"driver": 0, "dispatcher": 0}

    for round_number in range(ROUNDS):
        with world.use():
            order = order_in(start, driver=driver, external_id=f"R-{round_number}")
            events_before = order.events.filter(kind="status_changed").count()
        url = asgi_server.url(world.host, f"/api/v1/orders/{order.pk}/transition")

        # when the driver and the dispatcher send their move at the same moment
        by_driver, by_dispatcher = at_once(
            [
                lambda url=url: requests.post(
                    url, json={"to": driver_to}, headers=driver_headers, timeout=30
                ),
                lambda url=url: requests.post(
                    url, json=dispatcher_body, headers=dispatcher_headers, timeout=30
                ),
            ]
        )

        # then exactly one wins, the other is told why, and the trail has one change
        codes = (by_driver.status_code, by_dispatcher.status_code)
        assert sorted(codes) == [200, 409], (round_number, by_driver.text, by_dispatcher.text)
        winner, loser = (
            (by_driver, by_dispatcher) if codes[0] == 200 else (by_dispatcher, by_driver)
        )
        won = driver_to if winner is by_driver else dispatcher_body["to"]
        lost = dispatcher_body["to"] if winner is by_driver else driver_to
        wins["driver" if winner is by_driver else "dispatcher"] += 1
        assert winner.json()["status"] == won
        assert loser.json() == error(
            "invalid_transition", f"An order that is {won} cannot become {lost}."
        )
        with world.use():
            order.refresh_from_db()
            changes = list(
                order.events.filter(kind="status_changed")
                .order_by("id")
                .values_list("from_status", "to_status")
            )
            attempts = list(order.attempts.values_list("outcome", flat=True))
        assert order.status == won
        assert len(changes) == events_before + 1
        assert changes[-1] == (start, won)
        assert attempts == ([won] if won in ("delivered", "failed") else [])

    assert sum(wins.values()) == ROUNDS
