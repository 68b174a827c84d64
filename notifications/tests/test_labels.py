"""Every event a business can subscribe to has a name in words (no `order.out_for_delivery` on
a screen), in each language the dashboard speaks."""

import pytest
from django.utils import translation

from notifications.labels import EVENT_LABELS, event_label
from notifications.models import EVENT_NAMES


def test_every_event_has_a_label():
    assert sorted(EVENT_LABELS) == sorted(EVENT_NAMES)


@pytest.mark.parametrize(
    ("language", "succeeded", "failed"),
    [
        ("en", "Plan ready", "Planning failed"),
        ("nl", "Planning klaar", "Plannen mislukt"),
        ("de", "Planung fertig", "Planung fehlgeschlagen"),
    ],
)
def test_the_planning_events_are_named_in_the_business_s_language(language, succeeded, failed):
    with translation.override(language):
        assert event_label("optimization.succeeded") == succeeded
        assert event_label("optimization.failed") == failed
