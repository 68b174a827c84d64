"""Queueing Celery tasks without ever failing or delaying the caller.

Every task a request (or a task) hands to the workers goes through here: after commit, with the
current business's schema, bounded broker timeouts (settings.CELERY_BROKER_TRANSPORT_OPTIONS) and
no result-backend round trip (`ignore_result`: nobody waits for these results). When the broker is
down the work is not lost, only later: what was to be done is in PostgreSQL (the outbox, a queued
planning job, a due message) and the sweeps (beat) send it again.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection, transaction
from kombu.exceptions import KombuError
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# What a send can raise while Redis is unreachable: kombu's OperationalError (a KombuError),
# redis-py's errors and plain socket errors, and the RuntimeError Celery's Redis result backend
# raises when it gives up reconnecting ("Retry limit exceeded while trying to reconnect").
SEND_ERRORS = (KombuError, RedisError, OSError, RuntimeError)


def task_send(task, *, args: list | tuple = (), **options) -> bool:
    """Send `task` now, in the current business. False (and a warning) when the broker could
    not take it: the caller's sweep sends it later."""
    from django_tenants.utils import schema_context

    schema = connection.schema_name
    options.setdefault("ignore_result", True)
    try:
        with schema_context(schema):
            task.apply_async(args=list(args), **options)
    except SEND_ERRORS as error:
        logger.warning("%s not queued (%s); a sweep will send it later", task.name, error)
        return False
    return True


@dataclass
class AfterCommitSend:
    """The on-commit callback that sends one task (tests can tell which task it sends)."""

    task: object
    args: list | tuple
    options: dict
    schema: str
    on_sent: Callable[[], None] | None = None

    def __call__(self) -> None:
        from django_tenants.utils import schema_context

        with schema_context(self.schema):
            if task_send(self.task, args=self.args, **self.options) and self.on_sent is not None:
                self.on_sent()


def task_send_after_commit(task, *, args: list | tuple = (), on_sent=None, **options) -> None:
    """Send `task` once the current transaction commits (never if it rolls back). `on_sent()`
    runs after a successful send (e.g. to record that the task left)."""
    transaction.on_commit(
        AfterCommitSend(
            task=task,
            args=args,
            options=options,
            schema=connection.schema_name,
            on_sent=on_sent,
        )
    )
