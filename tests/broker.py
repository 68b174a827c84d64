"""What waits on this test run's Celery queues in the real broker (Redis), read without taking
it: for tests that check what was sent without a worker to run it."""

import base64
import json
from dataclasses import dataclass

from django.conf import settings

from tenants.redis import redis_client


@dataclass(frozen=True)
class QueuedTask:
    queue: str
    name: str
    args: list
    headers: dict  # Celery's message headers: eta, ignore_result, retries, …


def queued_tasks() -> list[QueuedTask]:
    """Every task message on the run's queues, oldest first (kombu pushes to the list's head)."""
    client = redis_client()
    found = []
    for queue in settings.TEST_CELERY_QUEUES:
        for raw in reversed(client.lrange(queue, 0, -1)):
            message = json.loads(raw)
            args, _kwargs, _embed = json.loads(base64.b64decode(message["body"]))
            headers = message["headers"]
            found.append(QueuedTask(queue=queue, name=headers["task"], args=args, headers=headers))
    return found
