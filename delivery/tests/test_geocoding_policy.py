"""The geocoder's usage policy and its failure modes, against the local fake geocoder at the HTTP
boundary (Photon's JSON, the default service): one request a second across callers, who we say
we are, suggestions cached per business, and an unreachable or disabled geocoder failing fast."""

import socket
import time
from itertools import pairwise

import pytest

from delivery import geocoding
from delivery.geocoding import GeocodingDisabled, GeocodingUnavailable, Place, address_search
from tests.broker import queued_tasks


def test_suggestions_come_from_photon_with_our_user_agent(tenant_a, photon):
    with tenant_a.use():
        places = address_search("Gloucester Road", limit=5, near=(51.45, -2.59))

    assert places == [
        Place(
            label="112 Gloucester Road, BS7 8BA Bristol, United Kingdom", lat=51.4762, lng=-2.5914
        ),
        Place(
            label="20 Gloucester Road, BS7 8AE Bristol, United Kingdom", lat=51.4691, lng=-2.5907
        ),
    ]
    assert photon.paths == ["/api"]
    assert photon.queries == ["Gloucester Road"]
    assert photon.user_agents == ["delivery-platform-tests/1.0 (tests@example.org)"]


def test_suggestions_are_cached_per_business(tenant_a, tenant_b, photon):
    with tenant_a.use():
        first = address_search("Park Street")
        again = address_search("  park   STREET ")
    with tenant_b.use():
        other = address_search("Park Street")

    assert first == again == other
    assert photon.queries == ["Park Street", "Park Street"]


def test_at_most_one_request_a_second_across_callers(tenant_a, photon, settings):
    # given the public services' policy: one request a second
    settings.GEOCODER_MIN_INTERVAL_SECONDS = 1

    # when three different addresses are looked up at once
    with tenant_a.use():
        for query in ("Park Street", "Gloucester Road", "Park Street 41"):
            address_search(query)

    # then the geocoder saw them at least a second apart
    # (sent a second apart; their arrival may jitter by a few tens of ms on a busy machine)
    gaps = [later - earlier for earlier, later in pairwise(photon.asked_at)]
    assert len(photon.asked_at) == 3
    assert all(gap >= 0.9 for gap in gaps), gaps
    assert sum(gaps) >= 1.95


def test_a_caller_that_would_wait_too_long_is_told_busy_and_nothing_is_asked(
    tenant_a, photon, settings
):
    # given a slot booked far ahead (another process's queue of lookups)
    settings.GEOCODER_MIN_INTERVAL_SECONDS = 5
    with tenant_a.use():
        address_search("Park Street")

        # when a person's search would have to wait longer than it may
        started = time.monotonic()
        with pytest.raises(GeocodingUnavailable) as raised:
            address_search("Gloucester Road")

    # then it is refused at once, saying when to come back, and the geocoder was not asked
    assert time.monotonic() - started < 0.5
    assert (raised.value.busy, 4 <= raised.value.retry_after <= 5) == (True, True)
    assert photon.queries == ["Park Street"]


def _refusing_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # closed again: connections are refused


def test_an_unreachable_geocoder_is_left_alone_and_fails_fast(tenant_a, photon, settings):
    # given a geocoder that refuses connections (offline)
    settings.GEOCODER_URL = f"http://127.0.0.1:{_refusing_port()}"
    settings.GEOCODER_BACKOFF_SECONDS = 30

    # when it is asked, and asked again
    with tenant_a.use():
        with pytest.raises(GeocodingUnavailable) as first:
            address_search("Park Street")
        started = time.monotonic()
        with pytest.raises(GeocodingUnavailable) as second:
            geocoding.address_geocode("Park Street 41, Bristol")
        elapsed = time.monotonic() - started
        state = geocoding.geocoder_state()

    # then the second call did not even try, and everyone is told why and for how long
    assert first.value.retry_after == 30
    assert elapsed < 0.2
    assert 29 <= second.value.retry_after <= 30
    assert state[0] == "unreachable"
    assert state[1].startswith("Address lookup is not answering right now (offline?)")


def test_the_circuit_closes_once_the_geocoder_answers_again(tenant_a, photon, settings):
    settings.GEOCODER_URL = f"http://127.0.0.1:{_refusing_port()}"
    settings.GEOCODER_BACKOFF_SECONDS = 1
    with tenant_a.use():
        with pytest.raises(GeocodingUnavailable):
            address_search("Park Street")
        settings.GEOCODER_URL = photon.url
        time.sleep(1.1)  # the backoff itself is what is being tested
        places = address_search("Park Street")
        state = geocoding.geocoder_state()

    assert [place.lat for place in places] == [51.4543]
    assert state == ("ready", "")


def test_a_disabled_geocoder_asks_nobody(tenant_a, photon, settings):
    settings.GEOCODER = "off"

    with tenant_a.use(), pytest.raises(GeocodingDisabled):
        address_search("Park Street")

    assert geocoding.geocoder_state() == ("off", geocoding.DISABLED_MESSAGE)
    assert photon.queries == []


def test_address_locate_explains_what_to_do(tenant_a, photon, settings):
    photon.places = {}
    with tenant_a.use():
        with pytest.raises(ValueError) as not_found:
            geocoding.address_locate("Nowhere Lane 99")
        settings.GEOCODER = "off"
        with pytest.raises(ValueError) as disabled:
            geocoding.address_locate("Park Street 41")

    assert str(not_found.value) == (
        "No place found for this address: pick a suggestion, or place the pin on the map."
    )
    assert str(disabled.value) == (
        "Address lookup is switched off: place the pin on the map or give the coordinates."
    )


def test_a_long_batch_goes_on_in_a_fresh_task(tenant_a, photon, monkeypatch):
    from delivery import tasks
    from delivery.models import Order
    from delivery.tests.factories import make_order

    # given three orders waiting for the geocoder and a batch budget already spent
    with tenant_a.use():
        ids = [
            str(make_order(address=f"Park Street {number}", location=None).pk)
            for number in (1, 2, 3)
        ]
    monkeypatch.setattr(tasks, "BATCH_SECONDS", -1)

    # when the task runs
    with tenant_a.use():
        located = tasks.orders_geocode(ids)
        pending = Order.objects.filter(location_status="pending").count()

    # then it stopped before asking, and handed every order on to a fresh task
    assert (located, pending, photon.queries) == (0, 3, [])
    assert [(task.name, sorted(task.args[0])) for task in queued_tasks()] == [
        (tasks.orders_geocode.name, sorted(ids))
    ]
