"""Queueing after commit never fails the caller: what Celery, kombu and redis-py raise while the
broker is away is caught and logged; the caller's sweep sends the work later."""

import logging
from datetime import datetime, timedelta

import pytest
from django.utils import timezone
from kombu.exceptions import OperationalError
from redis.exceptions import ConnectionError as RedisConnectionError

from tenants.queueing import task_send, task_send_after_commit
from tenants.tasks import tenant_ping
from tests.broker import queued_tasks

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


def test_a_sent_task_skips_the_result_backend_and_reports_success(tenant_a):
    # when a task is sent with a countdown (to the real broker; no worker takes it here)
    before = timezone.now()
    with tenant_a.use():
        assert task_send(tenant_ping, args=["hi"], countdown=3) is True
    after = timezone.now()

    # then the broker holds it, in the business's schema, due in 3 s, with no result kept
    (queued,) = queued_tasks()
    assert (queued.name, queued.args, queued.headers["_schema_name"]) == (
        "tenants.tasks.tenant_ping",
        ["hi"],
        tenant_a.schema,
    )
    assert queued.headers["ignore_result"] is True
    eta = datetime.fromisoformat(queued.headers["eta"])
    assert before + timedelta(seconds=3) <= eta <= after + timedelta(seconds=3)
