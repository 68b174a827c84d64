"""Events from the other apps' lifecycles reaching notifications: integration tests, kept out of
notifications/ because notifications itself imports no other domain app."""

from notifications.tests.conftest import _empty_sms_outbox, receiver  # noqa: F401 (fixtures)
