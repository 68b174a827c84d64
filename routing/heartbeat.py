"""A running planning job's sign of life, written by a thread of the process that runs it.

The solver may hold the GIL for its whole budget (VROOM does), so no beat is expected while it
runs: before solving, the job's deadline is moved past its own budget; after it, beats resume. A
job still running past its deadline has lost its worker (`routing.services.optimizations_reap`).
"""

import contextlib
import logging
import os
import socket
import threading
from collections.abc import Iterator
from datetime import timedelta

from django.db import DatabaseError, connection
from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone

from routing.models import OptimizationJob

logger = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 5
# A beat is due within this long; more than a few missed beats mean the worker stopped.
HEARTBEAT_GRACE_SECONDS = 30


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def deadline_extend(*, job_id, attempt: int, seconds: float) -> None:
    """The next sign of life is due at most `seconds` (+ the grace) from now: call before a step
    that may hold the GIL that long (the solver, with its budget)."""
    now = timezone.now()
    OptimizationJob.objects.filter(
        pk=job_id, status=OptimizationJob.Status.RUNNING, attempts=attempt
    ).update(
        heartbeat_at=now,
        deadline_at=Greatest(
            F("deadline_at"), now + timedelta(seconds=seconds + HEARTBEAT_GRACE_SECONDS)
        ),
    )


@contextlib.contextmanager
def job_heartbeat(*, job_id, attempt: int) -> Iterator[None]:
    """Beat every few seconds while the block runs (in this business's schema)."""
    stop = threading.Event()
    tenant = connection.tenant

    def beat() -> None:
        connection.set_tenant(tenant)
        try:
            while not stop.wait(HEARTBEAT_SECONDS):
                try:
                    deadline_extend(job_id=job_id, attempt=attempt, seconds=0)
                except DatabaseError:
                    # The next beat tries again; only a long outage makes the job look stopped.
                    logger.warning("heartbeat of planning job %s not written", job_id)
        finally:
            connection.close()

    thread = threading.Thread(target=beat, name=f"heartbeat-{job_id}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=HEARTBEAT_SECONDS)
