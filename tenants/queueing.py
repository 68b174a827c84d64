"""Queueing Celery tasks without ever failing or delaying the caller.

Every task a request (or a task) hands to the workers goes through here: after commit, with the
current business's schema, bounded broker timeouts (settings.CELERY_BROKER_TRANSPORT_OPTIONS) and
no result-backend round trip (`ignore_result`: nobody waits for these results). When the broker is
down the work is not lost, only later: what was to be done is in PostgreSQL (the outbox, a queued
planning job, a due message) and the sweeps (beat) send it again.
"""

import logging

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


def task_send_after_commit(task, *, args: list | tuple = (), on_sent=None, **options) -> None:
    """Send `task` once the current transaction commits (never if it rolls back). `on_sent()`
    runs after a successful send (e.g. to record that the task left)."""
    schema = connection.schema_name

    def send() -> None:
        from django_tenants.utils import schema_context

        with schema_context(schema):
            if task_send(task, args=args, **options) and on_sent is not None:
                on_sent()

    transaction.on_commit(send)
