"""Queueing after commit never fails the caller: what Celery, kombu and redis-py raise while the
broker is away is caught and logged; the caller's sweep sends the work later."""

import logging

import pytest
from kombu.exceptions import OperationalError
from redis.exceptions import ConnectionError as RedisConnectionError

from tenants.queueing import task_send, task_send_after_commit
from tenants.tasks import tenant_ping

BACKEND_GAVE_UP = RuntimeError(
    "Retry limit exceeded while trying to reconnect to the Celery redis result store backend."
)


@pytest.mark.parametrize(
    "error",
    [
        BACKEND_GAVE_UP,
        OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused."),
        RedisConnectionError("Connection closed by server."),
        TimeoutError("timed out"),
    ],
)
def test_a_send_the_broker_refuses_is_logged_not_raised(
    error, tenant_a, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    calls = []

    def broker_down(*args, **kwargs):
        calls.append(kwargs)
        raise error

    monkeypatch.setattr(tenant_ping, "apply_async", broker_down)
    # when the after-commit send fails
    with (
        tenant_a.use(),
        caplog.at_level(logging.WARNING, logger="tenants.queueing"),
        django_capture_on_commit_callbacks(execute=True) as callbacks,
    ):
        task_send_after_commit(tenant_ping, args=["hello"], on_sent=lambda: calls.append("x"))

    # then the commit went through, nothing was raised, the miss is logged, on_sent not called
    assert len(callbacks) == 1
    assert calls == [{"args": ["hello"], "ignore_result": True}]
    assert [record.getMessage() for record in caplog.records] == [
        f"tenants.tasks.tenant_ping not queued ({error}); a sweep will send it later"
    ]


def test_a_sent_task_skips_the_result_backend_and_reports_success(tenant_a, monkeypatch):
    sent = []
    monkeypatch.setattr(tenant_ping, "apply_async", lambda **kwargs: sent.append(kwargs))
    with tenant_a.use():
        assert task_send(tenant_ping, args=["hi"], countdown=3) is True
    assert sent == [{"args": ["hi"], "countdown": 3, "ignore_result": True}]
