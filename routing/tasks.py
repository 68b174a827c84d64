"""Celery tasks of the routing app: thin, take ids, safe to run twice."""

from celery import shared_task

from routing.services import optimization_run, optimizations_reap


@shared_task
def optimization_run_task(job_id: str) -> str:
    return optimization_run(job_id=job_id).status


@shared_task
def optimizations_reap_task() -> int:
    return optimizations_reap()
