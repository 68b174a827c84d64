"""Celery tasks of the delivery app: thin, take ids, safe to run twice."""

from celery import shared_task

from delivery import geocoding
from delivery.models import LocationStatus, Order
from delivery.services import order_location_set


@shared_task(
    autoretry_for=(geocoding.GeocodingUnavailable,),
    retry_backoff=30,
    retry_backoff_max=3600,
    max_retries=8,
)
def orders_geocode(order_ids: list[str]) -> int:
    """Find coordinates for orders waiting for them; a transient failure retries the batch."""
    located = 0
    pending = Order.objects.filter(pk__in=order_ids, location_status=LocationStatus.PENDING)
    for order_id, address in pending.values_list("id", "address"):
        location = geocoding.address_geocode(address)
        note = "" if location else f"The geocoder found no place for “{address}”."
        order_location_set(order_id=order_id, location=location, note=note, geocoded=True)
        located += location is not None
    return located
