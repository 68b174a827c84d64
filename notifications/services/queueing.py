"""Queueing the notifications app's Celery tasks after commit, in the current business."""

import logging

from django.db import connection, transaction

logger = logging.getLogger(__name__)


def task_enqueue(task, *args, countdown: float | None = None) -> None:
    """Queue `task` after commit, in this tenant. A broker outage only delays the work: the
    sweep finds everything still due."""
    schema = connection.schema_name

    def send() -> None:
        from django_tenants.utils import schema_context
        from kombu.exceptions import KombuError, OperationalError

        try:
            with schema_context(schema):
                task.apply_async(args=list(args), countdown=countdown, retry=False)
        except (OperationalError, KombuError, OSError) as error:
            logger.warning("%s not queued (%s); the sweep will pick it up", task.name, error)

    transaction.on_commit(send)
