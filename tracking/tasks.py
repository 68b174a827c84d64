"""Celery tasks of the tracking app: thin, take ids, safe to run twice."""

import logging

from celery import shared_task

from routing.matrices import MatrixError
from tracking.services import positions_purge, route_live_eta_update

logger = logging.getLogger(__name__)


@shared_task(bind=True, max_retries=3)
def route_live_eta_task(self, route_id: str) -> int:
    try:
        return route_live_eta_update(route_id=route_id)
    except MatrixError as error:
        if error.retryable:
            raise self.retry(exc=error, countdown=10) from error
        # Bad input for the routing server: the next position tries again with a new origin.
        logger.warning("live ETAs of route %s: %s", route_id, error)
        return 0


@shared_task
def positions_purge_task() -> int:
    return positions_purge()
