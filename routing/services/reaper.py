"""The planning reaper: queued jobs whose task never left are sent again; a job whose worker
died is run once more or failed with that reason."""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from routing.models import OptimizationJob
from routing.services.jobs import (
    MAX_BUDGET_S,
    _fail,
    _notify_after_commit,
    _run_send_after_commit,
)

logger = logging.getLogger(__name__)


WORKER_STOPPED = (
    "The planning worker stopped (it was killed or crashed) and the job was already run again "
    "once; the routes were left as they were. Plan again."
)
# Runs of one job at most: a job whose worker stopped is run once more, then failed.
MAX_ATTEMPTS = 2


def optimizations_reap(*, now=None) -> int:
    """Jobs that would otherwise wait forever (beat, every OPTIMIZATION_REAP_SECONDS):
    - running past their deadline (no heartbeat: the worker was killed, crashed, or hit its hard
      time limit): run once more (the routes are untouched until a run succeeds), or failed
      with "the planning worker stopped";
    - queued, with a task that never reached the broker (Redis was down when it was requested)
      or was lost with it: sent again. A second copy of a task is harmless: only the run that
      moves the job from queued to running plans it.
    Returns how many jobs it acted on."""
    now = now or timezone.now()
    count = 0
    for job in OptimizationJob.objects.filter(
        status=OptimizationJob.Status.RUNNING, deadline_at__lt=now
    ):
        count += _worker_stopped(job=job, now=now)
    # A job started without a deadline (before jobs had heartbeats): the old backstop.
    for job in OptimizationJob.objects.filter(
        status=OptimizationJob.Status.RUNNING,
        deadline_at__isnull=True,
        started_at__lt=now - timedelta(seconds=MAX_BUDGET_S + 300),
    ):
        count += _fail(job, "Planning did not finish in time; the routes were left as they were.")
    unsent = OptimizationJob.objects.filter(status=OptimizationJob.Status.QUEUED).filter(
        Q(
            sent_at__isnull=True,
            created_at__lt=now - timedelta(seconds=settings.OPTIMIZATION_UNSENT_GRACE_SECONDS),
        )
        | Q(sent_at__lt=now - timedelta(seconds=settings.OPTIMIZATION_RESEND_SECONDS))
    )
    for job in unsent:
        with transaction.atomic():
            _run_send_after_commit(job)
        count += 1
    return count


def _worker_stopped(*, job: OptimizationJob, now) -> int:
    with transaction.atomic():
        job = OptimizationJob.objects.select_for_update().get(pk=job.pk)
        if job.status != OptimizationJob.Status.RUNNING or job.deadline_at >= now:
            return 0  # it finished, or beat, meanwhile
        if job.attempts >= MAX_ATTEMPTS:
            logger.warning("planning job %s: worker %s stopped; failing it", job.pk, job.worker)
            return int(_fail(job, WORKER_STOPPED))
        logger.warning("planning job %s: worker %s stopped; running it again", job.pk, job.worker)
        job.status, job.progress = OptimizationJob.Status.QUEUED, 0
        job.started_at = job.heartbeat_at = job.deadline_at = job.sent_at = None
        job.save(
            update_fields=[
                "status",
                "progress",
                "started_at",
                "heartbeat_at",
                "deadline_at",
                "sent_at",
            ]
        )
        _notify_after_commit(job)
        _run_send_after_commit(job)
    return 1
