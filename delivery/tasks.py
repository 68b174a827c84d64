"""Celery tasks of the delivery app: thin, take ids, safe to run twice."""

import logging
import time

from celery import shared_task
from celery.utils.time import get_exponential_backoff_interval
from django.conf import settings

from delivery import geocoding
from delivery.models import LocationStatus, Order
from delivery.services import order_location_set
from delivery.shopify_sync import (
    retry_countdown,
    shopify_order_sync,
    shopify_sync_next_attempt_set,
    shopify_syncs_sweep,
)
from tenants.queueing import task_send

logger = logging.getLogger(__name__)

NO_GEOCODER_NOTE = "No geocoder is configured; place the order on the map."
UNAVAILABLE_NOTE = "The geocoder was unavailable; place the order on the map."
BATCH_SECONDS = 120


def _pending(order_ids: list[str]):
    return Order.objects.filter(
        pk__in=order_ids, location_status=LocationStatus.PENDING
    ).values_list("id", "address")


def _give_up(order_ids: list[str], note: str) -> None:
    """Hand the still-pending orders to a person rather than leave them pending forever."""
    for order_id, _address in _pending(order_ids):
        order_location_set(order_id=order_id, location=None, note=note, geocoded=True)


@shared_task(bind=True, max_retries=8)
def orders_geocode(self, order_ids: list[str]) -> int:
    """Find coordinates for orders waiting for them. A transient failure (network, timeout,
    5xx) retries the batch with backoff; orders already located are skipped on the retry.
    When the retries run out, the orders still waiting are flagged needs_location."""
    if not geocoding.geocoder_configured():
        _give_up(order_ids, NO_GEOCODER_NOTE)
        return 0
    located = 0
    started = time.monotonic()
    try:
        pending = list(_pending(order_ids))
        for position, (order_id, address) in enumerate(pending):
            if time.monotonic() - started > BATCH_SECONDS:
                # One request a second: a long import goes on in a fresh task, well inside the
                # task time limit; the orders done so far stay done.
                task_send(orders_geocode, args=[[str(rest) for rest, _ in pending[position:]]])
                return located
            location = geocoding.address_geocode(address)
            note = "" if location else f"The geocoder found no place for “{address}”."
            order_location_set(order_id=order_id, location=location, note=note, geocoded=True)
            located += location is not None
    except geocoding.GeocodingUnavailable as error:
        if not self.request.called_directly and self.request.retries >= self.max_retries:
            logger.warning("geocoder unavailable after %d retries: %s", self.max_retries, error)
            _give_up(order_ids, UNAVAILABLE_NOTE)
            return located
        logger.info("geocoder unavailable, retrying: %s", error)
        countdown = max(
            get_exponential_backoff_interval(
                factor=30, retries=self.request.retries, maximum=3600, full_jitter=True
            ),
            error.retry_after or 0,
        )
        # Called directly (not through a worker), retry() raises the error itself.
        raise self.retry(exc=error, countdown=countdown) from error
    return located


@shared_task(bind=True)
def shopify_order_sync_task(self, order_id: str) -> str:
    """Write a delivered or failed Shopify order back to its shop. What Shopify could not take
    (network, 5xx, 429) is retried with backoff, never before its Retry-After, up to
    SHOPIFY_SYNC_MAX_RETRIES times; then, or when Shopify refuses, the sync is failed and
    waits for someone's retry."""
    retries = self.request.retries or 0
    last_try = retries >= settings.SHOPIFY_SYNC_MAX_RETRIES
    result = shopify_order_sync(order_id=order_id, last_try=last_try)
    if result.retry_after is None:
        return result.status
    countdown = retry_countdown(retries=retries, retry_after=result.retry_after)
    shopify_sync_next_attempt_set(order_id=order_id, countdown=countdown)
    raise self.retry(countdown=countdown, max_retries=settings.SHOPIFY_SYNC_MAX_RETRIES)


@shared_task
def shopify_syncs_sweep_task() -> int:
    return shopify_syncs_sweep()
