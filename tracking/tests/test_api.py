"""`POST /api/v1/positions`, `GET /api/v1/positions/latest`, `GET /api/v1/drivers/{id}/track`,
`POST /api/v1/orders/{id}/tracking-link/rotate`."""

from datetime import timedelta

import pytest
from django.utils import timezone

from delivery.models import Order
from delivery.tests.factories import make_driver, make_order
from tenants.accounts.models import Role
from tenants.redis import redis_client
from tests.api import error, send
from tracking import state
from tracking.models import Position
from tracking.tests.helpers import driver_of, point

POSITIONS = "/api/v1/positions"


def test_a_driver_sends_a_batch_good_points_stored_bad_ones_reported(tenant_a):
    # given a driver, and a batch taken offline in order, with three bad points in it
    driver = driver_of(tenant_a)
    now = timezone.now()
    first, second = now - timedelta(minutes=3), now - timedelta(minutes=2)
    batch = [
        point(first),
        point(first),  # sent twice
        point(second, lat=95),
        point(second),
        point(first + timedelta(seconds=30)),  # before the point just accepted
        {**point(now), "driver": str(make_other_driver(tenant_a))},  # "for" someone else
    ]

    # when
    response = send(tenant_a.browser(Role.DRIVER), "post", POSITIONS, {"positions": batch})

    # then
    assert response.status_code == 200, response.content
    assert response.json() == {
        "accepted": 3,
        "rejected": [
            {
                "index": 1,
                "code": "duplicate",
                "reason": "A position with this recorded_at was already accepted.",
            },
            {"index": 2, "code": "out_of_range", "reason": "lat must be between -90 and 90."},
            {
                "index": 4,
                "code": "out_of_order",
                "reason": "recorded_at is before the newest accepted position "
                f"({second.isoformat()}); send positions in the order they were taken.",
            },
        ],
    }
    with tenant_a.use():
        stored = list(Position.objects.order_by("recorded_at"))
        assert [(p.driver_id, p.recorded_at) for p in stored] == [
            (driver.pk, first),
            (driver.pk, second),
            (driver.pk, now),
        ]
        assert (stored[0].lat, stored[0].lng, stored[0].accuracy) == (52.3702, 4.8952, 8.0)
        assert (stored[0].heading, stored[0].speed, stored[0].route_id) == (90.0, 6.5, None)
        assert state.position_last(driver_id=driver.pk)["recorded_at"] == now.isoformat()


def make_other_driver(world):
    with world.use():
        return make_driver(email="someone.else@example.test").pk


def test_a_point_older_than_what_is_stored_is_rejected_on_the_next_batch(tenant_a):
    driver_of(tenant_a)
    client = tenant_a.browser(Role.DRIVER)
    now = timezone.now()
    assert send(client, "post", POSITIONS, {"positions": [point(now)]}).json()["accepted"] == 1

    again = send(client, "post", POSITIONS, {"positions": [point(now)]})

    assert again.json() == {
        "accepted": 0,
        "rejected": [
            {
                "index": 0,
                "code": "duplicate",
                "reason": "A position with this recorded_at was already accepted.",
            }
        ],
    }


def test_only_drivers_with_a_profile_may_send(tenant_a):
    # given no driver profile for the driver user yet
    batch = {"positions": [point()]}
    refused = error(
        "permission_denied",
        "Only drivers with a driver profile may send positions, and only their own.",
    )

    answers = [
        send(tenant_a.browser(Role.DRIVER), "post", POSITIONS, batch),
        send(tenant_a.browser(Role.DISPATCHER), "post", POSITIONS, batch),
        send(tenant_a.api(), "post", POSITIONS, batch),
    ]

    assert [(a.status_code, a.json()) for a in answers] == [(403, refused)] * 3
    with tenant_a.use():
        assert Position.objects.count() == 0


def test_a_batch_must_be_a_list_of_at_most_1000(tenant_a):
    driver_of(tenant_a)
    client = tenant_a.browser(Role.DRIVER)

    not_a_list = send(client, "post", POSITIONS, {"positions": {"lat": 1}})
    too_many = send(client, "post", POSITIONS, {"positions": [point()] * 1001})

    assert (not_a_list.status_code, not_a_list.json()) == (
        400,
        error(
            "validation_error",
            'Send {"positions": [ … ]}.',
            {"positions": ["Must be a list of positions."]},
        ),
    )
    assert (too_many.status_code, too_many.json()) == (
        413,
        error(
            "payload_too_large",
            "At most 1000 positions per request; send the rest in another.",
            {"positions": ["At most 1000 items."]},
        ),
    )
    with tenant_a.use():
        assert Position.objects.count() == 0


def test_latest_positions_for_operations_only(tenant_a):
    driver = driver_of(tenant_a)
    now = timezone.now()
    send(tenant_a.browser(Role.DRIVER), "post", POSITIONS, {"positions": [point(now)]})

    latest = tenant_a.browser(Role.DISPATCHER).get(f"{POSITIONS}/latest")
    as_driver = tenant_a.browser(Role.DRIVER).get(f"{POSITIONS}/latest")

    assert latest.status_code == 200
    assert latest.json() == {
        "results": [
            {
                "driver": str(driver.pk),
                "route": None,
                "lat": 52.3702,
                "lng": 4.8952,
                "accuracy": 8.0,
                "heading": 90.0,
                "speed": 6.5,
                "recorded_at": now.isoformat(),
            }
        ]
    }
    assert as_driver.status_code == 403


def test_latest_positions_stay_in_their_business(tenant_a, tenant_b):
    driver_of(tenant_a)
    send(tenant_a.browser(Role.DRIVER), "post", POSITIONS, {"positions": [point()]})

    assert tenant_b.api().get(f"{POSITIONS}/latest").json() == {"results": []}


def test_a_drivers_track_of_a_day(tenant_a):
    # given positions yesterday and today
    driver = driver_of(tenant_a)
    now = timezone.now()
    with tenant_a.use():
        for recorded_at in (now - timedelta(days=1), now - timedelta(seconds=10), now):
            Position.objects.create(
                driver=driver,
                lat=52.1,
                lng=4.2,
                accuracy=5,
                recorded_at=recorded_at,
                received_at=now,
            )
    today = timezone.localtime(now, timezone=_tz()).date()

    track = tenant_a.api().get(f"/api/v1/drivers/{driver.pk}/track?date={today.isoformat()}")
    own = tenant_a.browser(Role.DRIVER).get(f"/api/v1/drivers/{driver.pk}/track")
    bad_date = tenant_a.api().get(f"/api/v1/drivers/{driver.pk}/track?date=26-11-2026")

    assert track.status_code == 200
    body = track.json()
    assert (body["driver"], body["date"]) == (str(driver.pk), today.isoformat())
    assert [p["recorded_at"] for p in body["positions"]] == [
        (now - timedelta(seconds=10)).isoformat(),
        now.isoformat(),
    ]
    assert own.json() == body
    assert (bad_date.status_code, bad_date.json()) == (
        400,
        error(
            "validation_error",
            "date must be YYYY-MM-DD.",
            {"date": ["Must be a date: YYYY-MM-DD."]},
        ),
    )


def _tz():
    from zoneinfo import ZoneInfo

    return ZoneInfo("Europe/Amsterdam")


def test_a_driver_cannot_read_another_drivers_track(tenant_a):
    driver_of(tenant_a)
    other = make_other_driver(tenant_a)

    response = tenant_a.browser(Role.DRIVER).get(f"/api/v1/drivers/{other}/track")

    assert (response.status_code, response.json()) == (
        404,
        error("not_found", "Not found."),
    )


def test_rotating_a_tracking_link_replaces_the_token(tenant_a):
    with tenant_a.use():
        order = make_order()
    old = order.tracking_token

    response = send(
        tenant_a.browser(Role.DISPATCHER),
        "post",
        f"/api/v1/orders/{order.pk}/tracking-link/rotate",
    )
    as_driver = send(
        tenant_a.browser(Role.DRIVER), "post", f"/api/v1/orders/{order.pk}/tracking-link/rotate"
    )

    with tenant_a.use():
        new = Order.objects.get(pk=order.pk).tracking_token
        event = order.events.order_by("-id").first()
    assert response.status_code == 200
    assert response.json() == {
        "id": str(order.pk),
        "tracking_url": f"http://{tenant_a.host}/t/{new}/",
    }
    assert new != old and len(new) == 43
    assert (event.kind, event.note) == (
        "updated",
        "Tracking link replaced; the previous link no longer works.",
    )
    assert as_driver.status_code == 403
    assert tenant_a.anonymous().get(f"/t/{old}/").status_code == 404
    assert tenant_a.anonymous().get(f"/t/{new}/").status_code == 200


@pytest.fixture
def redis_down(settings):
    """Call it to point the app's Redis client at a closed port (connections really refused)
    until the test ends; the cached client is dropped then and at the end."""

    def down():
        settings.REDIS_URL = "redis://127.0.0.1:1/0"
        redis_client.cache_clear()

    yield down
    redis_client.cache_clear()


def test_latest_positions_come_from_postgresql_while_redis_is_down(tenant_a, redis_down):
    # given two drivers' positions (the first sent two), stored and in the live state
    first = driver_of(tenant_a)
    now = timezone.now()
    send(
        tenant_a.browser(Role.DRIVER),
        "post",
        POSITIONS,
        {"positions": [point(now - timedelta(seconds=20)), point(now - timedelta(seconds=10))]},
    )
    other = make_other_driver(tenant_a)
    with tenant_a.use():
        Position.objects.create(
            driver_id=other,
            lat=52.1,
            lng=4.3,
            recorded_at=now - timedelta(seconds=5),
            received_at=now,
            accuracy=5.0,
        )

    # when Redis cannot be reached
    browser = tenant_a.browser(Role.DISPATCHER)
    redis_down()
    latest = browser.get(f"{POSITIONS}/latest")

    # then each driver's newest stored position answers, newest first
    assert latest.status_code == 200
    assert [(row["driver"], row["recorded_at"]) for row in latest.json()["results"]] == [
        (str(other), (now - timedelta(seconds=5)).isoformat()),
        (str(first.pk), (now - timedelta(seconds=10)).isoformat()),
    ]
    assert latest.json()["results"][1] == {
        "driver": str(first.pk),
        "route": None,
        "lat": 52.3702,
        "lng": 4.8952,
        "accuracy": 8.0,
        "heading": 90.0,
        "speed": 6.5,
        "recorded_at": (now - timedelta(seconds=10)).isoformat(),
    }
