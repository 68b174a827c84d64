"""Planning jobs that lost their worker or never reached one: heartbeats and deadlines, the
reaper's second run or failure, queued jobs sent again, solver helpers ending with their parent."""

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import psutil
import pytest
from django.utils import timezone

from routing.heartbeat import HEARTBEAT_GRACE_SECONDS
from routing.models import OptimizationJob, Route
from routing.services import WORKER_STOPPED, optimizations_reap
from routing.tests.days import run, small_day, start


def _running(job, *, attempts: int, deadline_in: float) -> None:
    now = timezone.now()
    OptimizationJob.objects.filter(pk=job.pk).update(
        status=OptimizationJob.Status.RUNNING,
        started_at=now - timedelta(seconds=40),
        attempts=attempts,
        worker="gone:4242",
        heartbeat_at=now - timedelta(seconds=40),
        deadline_at=now + timedelta(seconds=deadline_in),
    )


def test_a_run_records_its_attempt_worker_and_a_deadline_past_its_budget(
    tenant_a, django_capture_on_commit_callbacks
):
    with tenant_a.use():
        # given a small day, planned with a budget of 1 s
        small_day()
        before = timezone.now()

        # when a worker runs the job
        job = run(django_capture_on_commit_callbacks)

        # then the job says which run of which process it was, and beat before solving
        assert job.status == OptimizationJob.Status.SUCCEEDED
        assert job.attempts == 1
        assert job.worker == f"{os.uname().nodename}:{os.getpid()}"
        assert before <= job.heartbeat_at <= timezone.now()
        assert job.deadline_at >= job.heartbeat_at + timedelta(seconds=1 + HEARTBEAT_GRACE_SECONDS)


def test_a_job_whose_worker_stopped_is_run_again_once(tenant_a, django_capture_on_commit_callbacks):
    with tenant_a.use():
        # given a first run past its deadline, and one still within it
        stopped, alive = (
            start(django_capture_on_commit_callbacks),
            start(django_capture_on_commit_callbacks),
        )
        _running(stopped, attempts=1, deadline_in=-1)
        _running(alive, attempts=1, deadline_in=20)

        # when the reaper runs
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            count = optimizations_reap()

        # then the stopped one is queued again and its task sent after commit; routes untouched
        assert count == 1
        stopped.refresh_from_db()
        alive.refresh_from_db()
        assert (stopped.status, stopped.attempts, stopped.error, stopped.started_at) == (
            "queued",
            1,
            "",
            None,
        )
        assert (stopped.heartbeat_at, stopped.deadline_at, stopped.sent_at) == (None, None, None)
        assert len(callbacks) == 2  # the task and the push to the dispatchers
        assert (alive.status, alive.attempts) == ("running", 1)
        assert not Route.objects.exists()


def test_a_job_whose_second_run_stopped_fails_with_the_reason(
    tenant_a, django_capture_on_commit_callbacks
):
    with tenant_a.use():
        # given the second run of a job, past its deadline
        job = start(django_capture_on_commit_callbacks)
        _running(job, attempts=2, deadline_in=-1)

        # when
        with django_capture_on_commit_callbacks(execute=False):
            count = optimizations_reap()

        # then it failed, saying why, and a second pass finds nothing
        assert count == 1
        job.refresh_from_db()
        assert (job.status, job.error) == ("failed", WORKER_STOPPED)
        assert "The planning worker stopped" in job.error
        assert job.finished_at is not None
        assert optimizations_reap() == 0


def test_a_late_result_of_a_replaced_run_is_discarded(tenant_a, django_capture_on_commit_callbacks):
    with tenant_a.use():
        # given a job whose first run was taken for dead and is being run again
        small_day()
        job = start(django_capture_on_commit_callbacks)
        from routing.services import optimization_run

        OptimizationJob.objects.filter(pk=job.pk).update(attempts=0)
        first = OptimizationJob.objects.get(pk=job.pk)
        # the first run started …
        first.status, first.attempts = OptimizationJob.Status.RUNNING, 1
        # … and the reaper handed the job to a second run meanwhile
        OptimizationJob.objects.filter(pk=job.pk).update(status="running", attempts=2)

        # when the first run's code path tries to write (a stale attempt)
        from routing.services import _fail

        assert _fail(first, "stale") is False

        # then the job still belongs to the second run
        job.refresh_from_db()
        assert (job.status, job.attempts, job.error) == ("running", 2, "")
        assert optimization_run(job_id=job.pk).status == "running"


def test_queued_jobs_whose_task_was_not_sent_are_sent_again(
    tenant_a, django_capture_on_commit_callbacks
):
    with tenant_a.use():
        # given a job requested while the broker was down (never sent) 31 s ago, one sent 3 min
        # ago and still queued (lost with the broker), and one sent a moment ago
        now = timezone.now()
        unsent, lost, fresh = (start(django_capture_on_commit_callbacks) for _ in range(3))
        OptimizationJob.objects.filter(pk=unsent.pk).update(
            created_at=now - timedelta(seconds=31), sent_at=None
        )
        OptimizationJob.objects.filter(pk=lost.pk).update(sent_at=now - timedelta(minutes=3))
        OptimizationJob.objects.filter(pk=fresh.pk).update(sent_at=now - timedelta(seconds=5))

        # when the sweep runs
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            count = optimizations_reap(now=now)

        # then the first two are sent again, once each
        assert count == 2
        assert len(callbacks) == 2


@pytest.mark.parametrize("starting_seconds", [0, 3])
def test_a_solver_helper_dies_with_the_process_that_started_it(starting_seconds):
    # given a parent process that starts a solver helper as routing.solvers does, whose input
    # stays open (the test holds the pipe's other end: no end-of-file tells the helper)
    read_end, write_end = os.pipe()
    parent_code = (
        "import os, subprocess, sys, time\n"
        f"helper = subprocess.Popen([sys.executable, '-m', 'routing.solver_helper',"
        f" str(os.getpid())], stdin={read_end}, stdout=subprocess.DEVNULL)\n"
        "print(helper.pid, flush=True)\n"
        "time.sleep(120)\n"
    )
    parent = subprocess.Popen(  # noqa: S603
        [sys.executable, "-c", parent_code],
        stdout=subprocess.PIPE,
        text=True,
        pass_fds=(read_end,),
        cwd=Path(__file__).resolve().parent.parent.parent,
    )
    os.close(read_end)
    try:
        helper = psutil.Process(int(parent.stdout.readline()))
        # (0 s: killed while the helper is still starting; 3 s: once it waits for work)
        time.sleep(starting_seconds)

        # when the parent is killed with SIGKILL (it cannot end its helper itself)
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait(timeout=10)

        # then the helper is gone (or a zombie nobody reaped yet) within a few seconds
        def dead() -> bool:
            try:
                return helper.status() == psutil.STATUS_ZOMBIE
            except psutil.NoSuchProcess:
                return True

        deadline = time.monotonic() + 5
        while not dead() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert dead()
    finally:
        os.close(write_end)
        if parent.poll() is None:
            parent.kill()
