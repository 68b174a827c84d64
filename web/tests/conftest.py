"""Fixtures the page tests share with the domain apps' tests: the webhook receiver and an empty
SMS outbox (notifications), the websocket writer's connection closed after each test (tracking)."""

from notifications.tests.conftest import _empty_sms_outbox, receiver  # noqa: F401 (fixtures)
from tracking.tests.conftest import _writer_connection_closed  # noqa: F401 (fixture)
