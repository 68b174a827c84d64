"""The arrival window promised to a recipient: the one rule every text and page uses.

ARRIVAL_WINDOW_MINUTES wide around the ETA, its start on a multiple of ARRIVAL_WINDOW_STEP_MINUTES
(13:52 with 60 and 15 → 13:15–14:15), so the SMS, the e-mail and the tracking page name the same
window for the same ETA.
"""

from datetime import datetime, timedelta

from django.conf import settings


def arrival_window(eta: datetime | None) -> dict | None:
    """{"start", "end"} (ISO 8601 with offset) around `eta`, or None without an ETA."""
    if eta is None:
        return None
    width = timedelta(minutes=settings.ARRIVAL_WINDOW_MINUTES)
    step = settings.ARRIVAL_WINDOW_STEP_MINUTES
    start = eta - width / 2
    start -= timedelta(
        minutes=start.minute % step, seconds=start.second, microseconds=start.microsecond
    )
    return {"start": start.isoformat(), "end": (start + width).isoformat()}
