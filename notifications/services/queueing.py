"""Queueing the notifications app's Celery tasks after commit, in the current business."""

from tenants.queueing import task_send_after_commit


def task_enqueue(task, *args, countdown: float | None = None) -> None:
    """Queue `task` after commit, in this tenant. A broker outage only delays the work: the
    sweep finds everything still due."""
    task_send_after_commit(task, args=args, countdown=countdown)
