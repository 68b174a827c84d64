"""Fixtures for the notifications tests: a local webhook receiver and an independent
Standard Webhooks verifier."""

import base64
import hashlib
import hmac

import pytest

from notifications.sms import outbox as sms_outbox
from tests.recorded_http import Recorded, RecordedServer


def standard_webhooks_verify(*, secret: str, headers: dict, body: bytes) -> bool:
    """Written from the Standard Webhooks spec, apart from the code under test: the key is the
    base64 after `whsec_`; the signature is base64(HMAC-SHA256(key, "{id}.{ts}.{body}"))."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    content = (
        headers["webhook-id"].encode() + b"." + headers["webhook-timestamp"].encode() + b"." + body
    )
    expected = hmac.new(key, content, hashlib.sha256).digest()
    for versioned in headers["webhook-signature"].split(" "):
        version, _, value = versioned.partition(",")
        if version == "v1" and hmac.compare_digest(base64.b64decode(value), expected):
            return True
    return False


@pytest.fixture
def receiver():
    """A real HTTP server on 127.0.0.1; `receiver.answers` lists what the next requests get."""
    answers: list[Recorded] = []

    def respond(request):
        return answers.pop(0) if answers else Recorded(status=200, body={"ok": True})

    with RecordedServer(respond=respond) as server:
        server.answers = answers
        yield server


@pytest.fixture(autouse=True)
def _empty_sms_outbox():
    sms_outbox.clear()
    yield
    sms_outbox.clear()
