"""Properties of the one ETA rule (routing.lateness), over any route and any clock: a stop still
to do is never expected before now nor before the stop before it, and the route is not expected
back before its last stop. Plain objects, no database: Hypothesis tries thousands of days."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from delivery.models import Order, OrderStatus
from routing.lateness import route_expected_end, stops_expected
from routing.models import Route, Stop

DAY_START = datetime(2026, 12, 9, 6, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))
minutes = st.integers(min_value=0, max_value=16 * 60)
ORDER_STATUSES = [
    *(OrderStatus.ASSIGNED, OrderStatus.OUT_FOR_DELIVERY),
    *(OrderStatus.DELIVERED, OrderStatus.FAILED, OrderStatus.CANCELLED),
]


def at(minute: int) -> datetime:
    return DAY_START + timedelta(minutes=minute)


@st.composite
def stop_drafts(draw) -> dict:
    return {
        "gap": draw(st.integers(min_value=0, max_value=90)),  # after the stop before it
        "waiting": draw(st.integers(min_value=0, max_value=120)),
        "eta": draw(st.none() | minutes),  # live ETAs: anything, in any order, or none
        "status": draw(st.sampled_from(ORDER_STATUSES)),
        "pickup": draw(st.booleans()),
        "picked_up": draw(st.booleans()),
        "window_end": draw(st.none() | minutes),
    }


def build(status: str, start: int, back_after: int, drafts: list[dict]) -> tuple:
    route = Route(status=status, planned_start=at(start))
    stops, arrival = [], start
    for sequence, draft in enumerate(drafts, start=1):
        arrival += draft["gap"]
        windows = []
        if draft["window_end"] is not None:
            windows = [{"start": at(0).isoformat(), "end": at(draft["window_end"]).isoformat()}]
        kind = Stop.Kind.PICKUP if draft["pickup"] else Stop.Kind.DELIVERY
        order = Order(status=draft["status"], time_windows=windows, pickup_time_windows=windows)
        stops.append(
            Stop(
                route=route,
                order=order,
                kind=kind,
                sequence=sequence,
                planned_arrival=at(arrival),
                planned_departure=at(arrival + draft["waiting"] + 5),
                waiting_s=draft["waiting"] * 60,
                eta=at(draft["eta"]) if draft["eta"] is not None else None,
                picked_up_at=at(arrival) if draft["pickup"] and draft["picked_up"] else None,
            )
        )
        arrival += draft["waiting"] + 5
    route.planned_end = at(arrival + back_after)
    return route, stops


@settings(max_examples=400, deadline=None)
@given(
    status=st.sampled_from([Route.Status.PLANNED, Route.Status.DISPATCHED, Route.Status.STARTED]),
    start=st.integers(min_value=60, max_value=5 * 60),
    back_after=st.integers(min_value=0, max_value=60),
    drafts=st.lists(stop_drafts(), max_size=8),
    now=minutes,
)
def test_no_stop_still_to_do_is_expected_before_now_or_before_the_stop_before_it(
    status, start, back_after, drafts, now
):
    route, stops = build(status, start, back_after, drafts)

    expected = stops_expected(route, stops, now=at(now))
    end = route_expected_end(route, stops, expected, now=at(now))

    etas = [expected[stop.pk].eta for stop in stops if expected[stop.pk].eta is not None]
    assert all(eta >= at(now) for eta in etas)
    assert etas == sorted(etas)
    assert end >= route.planned_end
    if etas:
        assert end >= etas[-1]
    elif status == Route.Status.STARTED:
        assert end >= at(now)
    # and a stop is running late exactly when its ETA was pushed back from its own estimate
    for stop in stops:
        what = expected[stop.pk]
        if what.eta is None:
            continue
        base = stop.eta if status == Route.Status.STARTED and stop.eta else stop.planned_arrival
        assert what.running_late == (what.eta > base)
        assert what.late == (
            bool(stop.order.time_windows) and what.eta > at(drafts[stop.sequence - 1]["window_end"])
        )
