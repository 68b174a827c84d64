"""Export then import gives back every field of every order, pickups included (issue 12,
defect 8): a property test over generated orders, through the API of businesses A and B."""

import json
from datetime import date

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from delivery.models import Order

BULK = "/api/v1/orders/bulk"
IMPORT = "/api/v1/orders/import"
EXPORT = "/api/v1/orders/export"
DAY = date(2026, 11, 27)
# Every field an import can give, as stored.
FIELDS = [
    "external_id",
    "recipient_name",
    "recipient_phone",
    "recipient_email",
    "address",
    "lat",
    "lng",
    "location_status",
    "delivery_date",
    "time_windows",
    "service_seconds",
    "weight_kg",
    "volume_l",
    "items",
    "skills",
    "priority",
    "notes",
    "pickup_address",
    "pickup_lat",
    "pickup_lng",
    "pickup_time_windows",
    "pickup_service_seconds",
    "status",
]

# Text a spreadsheet or CSV could trip over: quotes, separators, formula starts, ampersands.
TEXT_CHARACTERS = "abcXYZ 0123456789,;\"'=+-@&<>/é"
text = st.text(alphabet=TEXT_CHARACTERS, min_size=1, max_size=30).map(str.strip).filter(bool)


@st.composite
def windows(draw, *, most: int) -> list[dict]:
    """Sorted, non-overlapping windows on the hour or half hour between 06:00 and 22:00."""
    count = draw(st.integers(min_value=0, max_value=most))
    slots = sorted(
        draw(
            st.sets(st.integers(min_value=12, max_value=42), min_size=2 * count, max_size=2 * count)
        )
    )
    clock = [f"{slot // 2:02d}:{30 * (slot % 2):02d}" for slot in slots]
    return [{"start": clock[i], "end": clock[i + 1]} for i in range(0, len(clock), 2)]


places = st.tuples(
    st.floats(min_value=50.8, max_value=53.5, allow_nan=False),
    st.floats(min_value=3.4, max_value=7.2, allow_nan=False),
).map(lambda place: {"lat": place[0], "lng": place[1]})

pickups = st.none() | st.fixed_dictionaries(
    {
        "address": st.just("") | text,
        "location": places,
        "time_windows": windows(most=3),
        "service_seconds": st.integers(min_value=0, max_value=3600),
    }
)


@st.composite
def order_bodies(draw, number: int) -> dict:
    return {
        "external_id": draw(st.none() | st.just(f"X-{number}")),
        "recipient": {
            "name": draw(text),
            "phone": draw(st.sampled_from(["", "+31612345678", "+442071838750"])),
            "email": draw(st.sampled_from(["", "ada@example.test"])),
        },
        "address": draw(text),
        "location": draw(st.none() | places),
        "delivery_date": draw(st.sampled_from([DAY.isoformat(), "2026-11-28"])),
        "time_windows": draw(windows(most=3)),
        "service_seconds": draw(st.integers(min_value=0, max_value=7200)),
        "load": {
            "weight_kg": draw(st.decimals(min_value=0, max_value=999, places=3)).__str__(),
            "volume_l": draw(st.decimals(min_value=0, max_value=999, places=3)).__str__(),
            "items": draw(st.integers(min_value=0, max_value=500)),
        },
        "skills": draw(st.lists(st.sampled_from(["fridge", "fragile", "lift"]), unique=True)),
        "priority": draw(st.integers(min_value=0, max_value=100)),
        "notes": draw(st.just("") | text | text.map(lambda note: f"{note}\nsecond line")),
        "pickup": draw(pickups),
    }


@st.composite
def order_lists(draw) -> list[dict]:
    count = draw(st.integers(min_value=1, max_value=4))
    return [draw(order_bodies(number)) for number in range(count)]


def stored(world) -> list[tuple]:
    with world.use():
        return sorted(Order.objects.values_list(*FIELDS), key=str)


@seed(12)
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(bodies=order_lists())
def test_export_then_import_round_trips_every_field(tenant_a, tenant_b, bodies, settings):
    # 25 examples of three requests each: this is about the round trip, not the per-second limit
    settings.API_RATE_LIMIT_PER_SECOND = 10_000
    # Each example in its own savepoint: the businesses are empty again for the next one.
    with transaction.atomic():
        # given A's orders, made through the bulk API
        created = tenant_a.api().post(
            BULK, data=json.dumps({"orders": bodies}), content_type="application/json"
        )
        assert created.status_code == 201, created.content
        # when A's export is imported into B
        exported = b"".join(tenant_a.api().get(EXPORT).streaming_content)
        file = SimpleUploadedFile("export.csv", exported, content_type="text/csv")
        imported = tenant_b.api().post(IMPORT, {"file": file})
        # then B holds the same orders, field by field
        assert imported.status_code == 201, imported.content
        answer = imported.json()
        # the orders without coordinates come in as they went out, each said (no geocoder here)
        unlocated = [body for body in bodies if body["location"] is None]
        assert [
            (
                warning["column"],
                warning["message"].endswith(
                    ": no coordinates and no address lookup; place it on the map."
                ),
            )
            for warning in answer.pop("location_warnings")
        ] == [(None, True)] * len(unlocated)
        assert answer == {
            "created": len(bodies),
            "failed": 0,
            "errors": [],
            "warnings": [],
        }
        assert stored(tenant_b) == stored(tenant_a)
        transaction.set_rollback(True)
