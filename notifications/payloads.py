"""The snapshots events carry (README "Notifications and webhooks" documents the shapes), so
webhooks and messages never reach back into the other apps' models."""

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings


def _iso(moment) -> str | None:
    return moment.isoformat() if moment is not None else None


def eta_window(eta: datetime | None) -> dict | None:
    """The window promised to the recipient: NOTIFICATIONS_ETA_WINDOW_MINUTES around the ETA,
    on quarter hours (13:52 with 60 minutes → 13:15–14:15)."""
    if eta is None:
        return None
    width = timedelta(minutes=settings.NOTIFICATIONS_ETA_WINDOW_MINUTES)
    start = eta - width / 2
    start = start.replace(minute=start.minute - start.minute % 15, second=0, microsecond=0)
    return {"start": start.isoformat(), "end": (start + width).isoformat()}


def _driver_names(driver_ids: set) -> dict:
    from delivery.models import Driver

    if not driver_ids:
        return {}
    return dict(Driver.objects.filter(pk__in=driver_ids).values_list("pk", "user__full_name"))


def orders_data(orders: Iterable, **extra) -> list[dict]:
    """Order snapshots, driver names read with one query."""
    from tracking.links import tracking_url

    orders = list(orders)
    names = _driver_names({order.driver_id for order in orders if order.driver_id})
    return [
        {
            "id": str(order.pk),
            "external_id": order.external_id,
            "status": order.status,
            "delivery_date": order.delivery_date.isoformat()
            if hasattr(order.delivery_date, "isoformat")
            else order.delivery_date,
            "driver": str(order.driver_id) if order.driver_id else None,
            "driver_name": names.get(order.driver_id) if order.driver_id else None,
            "route": str(order.route_id) if order.route_id else None,
            "sequence": order.sequence,
            "eta": _iso(order.eta),
            "eta_window": eta_window(order.eta),
            "tracking_url": tracking_url(order),
            "address": order.address,
            "recipient": {
                "name": order.recipient_name,
                "phone": order.recipient_phone,
                "email": order.recipient_email,
            },
            **extra,
        }
        for order in orders
    ]


def order_data(order, **extra) -> dict:
    """One order's snapshot; `extra` adds what the change knows (reason, note)."""
    return orders_data([order], **extra)[0]


def route_data(route) -> dict:
    return {
        "id": str(route.pk),
        "status": route.status,
        "delivery_date": route.delivery_date.isoformat(),
        "driver": str(route.driver_id),
        "vehicle": str(route.vehicle_id) if route.vehicle_id else None,
        "dispatched_at": _iso(route.dispatched_at),
        "started_at": _iso(route.started_at),
        "completed_at": _iso(route.completed_at),
    }


def optimization_data(job) -> dict:
    return {
        "id": str(job.pk),
        "status": job.status,
        "delivery_date": job.delivery_date.isoformat(),
        "summary": job.summary,
        "unassigned": job.unassigned,
        "error": job.error,
        "finished_at": _iso(job.finished_at),
    }
