"""Writing a Shopify order's delivery back to its shop: once delivered or failed, a fulfillment
with the tracking link, then a `delivered` or `attempted_delivery` event on it.

Never two fulfillments for one order: the fulfillment's id is kept as soon as Shopify gives it,
and before creating one the order's fulfillments are read; one carrying our tracking link (a
call that timed out after Shopify made it) is ours. An event already on the fulfillment (same
status and time) is not posted again. One sender at a time per order (a claim, like the
messages'); the Celery task retries what Shopify could not take, with backoff."""

import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from delivery import shopify_admin
from delivery.links import tracking_url
from delivery.models import Order, OrderStatus, ShopifyConnection, ShopifyOrderSync
from tenants.errors import ApplicationError
from tenants.queueing import task_send_after_commit
from tenants.selectors import current_tenant

logger = logging.getLogger(__name__)

Status = ShopifyOrderSync.Status
ORDER_GID = re.compile(r"gid://shopify/Order/[0-9]{1,20}", re.ASCII)
OUTCOME_BY_STATUS = {
    OrderStatus.DELIVERED: ShopifyOrderSync.Outcome.DELIVERED,
    OrderStatus.FAILED: ShopifyOrderSync.Outcome.ATTEMPTED_DELIVERY,
}
EVENT_STATUS = {  # our outcome → Shopify's FulfillmentEventStatus
    ShopifyOrderSync.Outcome.DELIVERED: "DELIVERED",
    ShopifyOrderSync.Outcome.ATTEMPTED_DELIVERY: "ATTEMPTED_DELIVERY",
}


@dataclass(frozen=True)
class SyncResult:
    status: str
    retry_after: int | None = None  # set when Shopify could not take it and a retry is due


def shopify_order_id(payload: dict) -> str | None:
    """The order's GraphQL id from an orders/create webhook body."""
    gid = payload.get("admin_graphql_api_id")
    if isinstance(gid, str) and ORDER_GID.fullmatch(gid):
        return gid
    number = payload.get("id")
    if isinstance(number, int) and not isinstance(number, bool) and number > 0:
        return f"gid://shopify/Order/{number}"
    return None


def shopify_order_sync_start(
    *, order: Order, connection: ShopifyConnection, payload: dict
) -> ShopifyOrderSync | None:
    """At intake: remember which shop order this is, to write its delivery back later."""
    gid = shopify_order_id(payload)
    if gid is None:
        return None
    return ShopifyOrderSync.objects.create(
        order=order, connection=connection, shop_domain=connection.shop_domain, shopify_order_id=gid
    )


def _queue(order_id) -> None:
    from delivery.tasks import shopify_order_sync_task

    task_send_after_commit(shopify_order_sync_task, args=[str(order_id)])


def shopify_write_back_request(*, order: Order, outcome_status: str, happened_at: datetime) -> bool:
    """A Shopify order was delivered or failed (the lifecycle, in its transaction): tell the
    shop after commit. False when the order did not come from Shopify."""
    outcome = OUTCOME_BY_STATUS[outcome_status]
    updated = ShopifyOrderSync.objects.filter(order=order).update(
        status=Status.PENDING,
        outcome=outcome,
        outcome_at=happened_at,
        outcome_number=F("outcome_number") + 1,
        attempts=0,
        last_error="",
        next_attempt_at=None,
        updated_at=timezone.now(),
    )
    if updated:
        _queue(order.pk)
    return bool(updated)


def shopify_sync_retry(*, order_id) -> ShopifyOrderSync:
    """The dispatcher's "retry now" for a write-back that failed or waits for its next try."""
    with transaction.atomic():
        sync = ShopifyOrderSync.objects.select_for_update().filter(order_id=order_id).first()
        if sync is None:
            raise ApplicationError("not_found", _("This order did not come from Shopify."))
        if sync.status in (Status.WAITING, Status.SYNCED):
            raise ApplicationError(
                "conflict",
                _("Nothing to write back: the order is not delivered or failed yet.")
                if sync.status == Status.WAITING
                else _("The delivery is already written back to Shopify."),
            )
        # A try under way keeps its claim: the queued task then finds it busy and stops.
        sync.status, sync.next_attempt_at = Status.PENDING, None
        sync.save(update_fields=["status", "next_attempt_at", "updated_at"])
        _queue(order_id)
    return sync


def _claim(order_id) -> bool:
    now = timezone.now()
    return bool(
        ShopifyOrderSync.objects.filter(
            Q(claimed_until__isnull=True) | Q(claimed_until__lt=now),
            order_id=order_id,
            status=Status.PENDING,
        ).update(claimed_until=now + timedelta(seconds=settings.SHOPIFY_SYNC_CLAIM_SECONDS))
    )


def _same_moment(first: datetime | None, second: datetime) -> bool:
    return first is not None and abs((first - second).total_seconds()) < 1


def _fulfillment(sync: ShopifyOrderSync, order: Order, token: str) -> str:
    """Our fulfillment's id: the one kept, the one Shopify has with our link, or a new one."""
    if sync.fulfillment_id:
        return sync.fulfillment_id
    link = tracking_url(order)
    state = shopify_admin.order_fulfillments(
        shop_domain=sync.shop_domain, token=token, order_id=sync.shopify_order_id
    )
    live = [f for f in state.fulfillments if f.status not in ("CANCELLED", "ERROR", "FAILURE")]
    ours = next((f for f in live if link in f.tracking_urls), None)
    if ours is not None:
        fulfillment_id = ours.id
    elif state.fulfillable_order_ids:
        fulfillment_id = shopify_admin.fulfillment_create(
            shop_domain=sync.shop_domain,
            token=token,
            fulfillment_order_ids=state.fulfillable_order_ids,
            tracking_url=link,
            tracking_number=order.external_id or str(order.pk),
            company=current_tenant().name,
        )
    elif live:
        # Fulfilled in the shop already (by hand): the delivery events go on that fulfillment.
        fulfillment_id = live[0].id
    else:
        raise shopify_admin.ShopifyRefused(
            "Shopify has nothing to fulfil on this order (cancelled, on hold or scheduled?)."
        )
    # Kept at once, in its own write: a later failure must not forget it.
    ShopifyOrderSync.objects.filter(pk=sync.pk).update(fulfillment_id=fulfillment_id)
    sync.fulfillment_id = fulfillment_id
    return fulfillment_id


def _event(sync: ShopifyOrderSync, fulfillment_id: str, token: str) -> None:
    status = EVENT_STATUS[sync.outcome]
    events = shopify_admin.fulfillment_events(
        shop_domain=sync.shop_domain, token=token, fulfillment_id=fulfillment_id
    )
    if any(kind == status and _same_moment(at, sync.outcome_at) for kind, at in events):
        return  # posted by an earlier try whose answer was lost
    shopify_admin.fulfillment_event_create(
        shop_domain=sync.shop_domain,
        token=token,
        fulfillment_id=fulfillment_id,
        status=status,
        happened_at=sync.outcome_at,
    )


def _storable(text: str) -> str:
    """An error message, partly in Shopify's words, as PostgreSQL stores it: no NUL and no lone
    surrogate (a JSON answer may carry either)."""
    return text.replace("\x00", "").encode("utf-8", "ignore").decode()


def _finish(sync: ShopifyOrderSync, *, number: int, error: str = "", status: str = "") -> str:
    """Record the try; a newer outcome that arrived meanwhile keeps the row pending."""
    from delivery.tasks import shopify_order_sync_task

    now = timezone.now()
    with transaction.atomic():
        row = ShopifyOrderSync.objects.select_for_update().get(pk=sync.pk)
        row.attempts += 1
        row.last_attempt_at, row.claimed_until = now, None
        row.fulfillment_id = sync.fulfillment_id or row.fulfillment_id
        if status == Status.SYNCED:
            row.synced_number, row.synced_at, row.last_error = number, now, ""
            row.next_attempt_at = None
            if row.outcome_number != number:  # delivered after a failure, while we were busy
                status = Status.PENDING
                row.attempts = 0
                task_send_after_commit(shopify_order_sync_task, args=[str(row.pk)])
        else:
            row.last_error = _storable(error)[:500]
        row.status = status
        row.save()
    return status


def shopify_order_sync(*, order_id, last_try: bool = True) -> SyncResult:
    """Write one order's outcome back to its shop, unless another sender holds it. A failure
    Shopify may get over is kept pending (`retry_after` set) unless this is the last try."""
    if not _claim(order_id):
        return SyncResult("skipped")
    sync = ShopifyOrderSync.objects.select_related("connection", "order").get(pk=order_id)
    number = sync.outcome_number
    connection = sync.connection
    try:
        if connection is None or not connection.is_active:
            raise shopify_admin.ShopifyRefused(
                f"The shop {sync.shop_domain} is disconnected; connect it again, then retry."
            )
        if not connection.access_token:
            raise shopify_admin.ShopifyRefused(
                f"Add the Admin API access token of {sync.shop_domain}, then retry."
            )
        fulfillment_id = _fulfillment(sync, sync.order, connection.access_token)
        _event(sync, fulfillment_id, connection.access_token)
    except shopify_admin.ShopifyUnavailable as error:
        if last_try:
            logger.warning("shopify write-back of %s failed for good: %s", order_id, error)
            return SyncResult(_finish(sync, number=number, error=str(error), status=Status.FAILED))
        logger.info("shopify write-back of %s will be retried: %s", order_id, error)
        status = _finish(sync, number=number, error=str(error), status=Status.PENDING)
        return SyncResult(status, retry_after=error.retry_after or 0)
    except shopify_admin.ShopifyRefused as error:
        logger.warning("shopify write-back of %s refused: %s", order_id, error)
        return SyncResult(_finish(sync, number=number, error=str(error), status=Status.FAILED))
    return SyncResult(_finish(sync, number=number, status=Status.SYNCED))


def retry_countdown(*, retries: int, retry_after: int | None) -> int:
    """Seconds before the next try: exponential from SHOPIFY_SYNC_BACKOFF_SECONDS (capped), and
    never before Shopify's Retry-After."""
    backoff = min(
        settings.SHOPIFY_SYNC_BACKOFF_SECONDS * (2**retries),
        settings.SHOPIFY_SYNC_MAX_BACKOFF_SECONDS,
    )
    return max(backoff, retry_after or 0)


def shopify_sync_next_attempt_set(*, order_id, countdown: int) -> None:
    ShopifyOrderSync.objects.filter(pk=order_id, status=Status.PENDING).update(
        next_attempt_at=timezone.now() + timedelta(seconds=countdown)
    )


def shopify_syncs_sweep(*, now: datetime | None = None) -> int:
    """The safety net (beat, per business): write-backs still pending whose task was lost (the
    broker was down at commit, a worker died) and whose next try is due are queued again."""
    now = now or timezone.now()
    stale = now - timedelta(seconds=settings.SHOPIFY_SYNC_CLAIM_SECONDS)
    due = list(
        ShopifyOrderSync.objects.filter(
            Q(claimed_until__isnull=True) | Q(claimed_until__lt=now),
            Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now),
            status=Status.PENDING,
            updated_at__lt=stale,
        ).values_list("pk", flat=True)[:500]
    )
    for order_id in due:
        _queue(order_id)
    return len(due)
