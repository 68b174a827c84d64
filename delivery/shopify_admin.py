"""The one place that speaks Shopify's GraphQL Admin API, for writing deliveries back.

Every call is `POST https://{shop}/admin/api/{version}/graphql.json` with the shop's token in
`X-Shopify-Access-Token` (https://shopify.dev/docs/api/admin-graphql, version
settings.SHOPIFY_API_VERSION, URL settings.SHOPIFY_ADMIN_URL). Used here:
- query `order(id:)` → `fulfillments { id status trackingInfo { url } }` and
  `fulfillmentOrders { nodes { id status } }` (…/objects/Order);
- mutation `fulfillmentCreate(fulfillment: FulfillmentInput!)` (…/mutations/fulfillmentCreate,
  API 2025-01 and later; `lineItemsByFulfillmentOrder` with no line items fulfils them all);
- query `fulfillment(id:)` → `events { nodes { status happenedAt } }` (…/objects/Fulfillment);
- mutation `fulfillmentEventCreate(fulfillmentEvent: FulfillmentEventInput!)` with status
  `DELIVERED` or `ATTEMPTED_DELIVERY` (…/mutations/fulfillmentEventCreate,
  …/enums/FulfillmentEventStatus).

Errors come in two kinds: `ShopifyUnavailable` (network, timeout, HTTP 5xx, 429 with its
Retry-After, GraphQL `THROTTLED`) is worth retrying; `ShopifyRefused` (a refused token, an
unknown shop or order, `userErrors`) is not."""

from dataclasses import dataclass
from datetime import datetime

import requests
from django.conf import settings

MAX_ERROR_LENGTH = 400
THROTTLED_RETRY_SECONDS = 2  # a throttled query's bucket refills at 50+ points a second

ORDER_QUERY = """
query DeliveryOrderFulfillments($id: ID!) {
  order(id: $id) {
    id
    fulfillments(first: 20) { id status trackingInfo(first: 5) { url } }
    fulfillmentOrders(first: 20) { nodes { id status } }
  }
}
"""
FULFILLMENT_CREATE = """
mutation DeliveryFulfillmentCreate($fulfillment: FulfillmentInput!) {
  fulfillmentCreate(fulfillment: $fulfillment) {
    fulfillment { id status }
    userErrors { field message }
  }
}
"""
FULFILLMENT_EVENTS_QUERY = """
query DeliveryFulfillmentEvents($id: ID!) {
  fulfillment(id: $id) {
    id
    events(first: 50) { nodes { status happenedAt } }
  }
}
"""
FULFILLMENT_EVENT_CREATE = """
mutation DeliveryFulfillmentEventCreate($fulfillmentEvent: FulfillmentEventInput!) {
  fulfillmentEventCreate(fulfillmentEvent: $fulfillmentEvent) {
    fulfillmentEvent { id status }
    userErrors { field message }
  }
}
"""
# Fulfillment orders whose items can be fulfilled now (not closed, cancelled, on hold, scheduled).
FULFILLABLE = frozenset({"OPEN", "IN_PROGRESS"})


class ShopifyUnavailable(Exception):
    """Shopify could not take the call now; try again (not before `retry_after` seconds)."""

    def __init__(self, message: str, *, retry_after: int | None = None) -> None:
        super().__init__(message[:MAX_ERROR_LENGTH])
        self.retry_after = retry_after


class ShopifyRefused(Exception):
    """Shopify refused the call; the same call will be refused again."""

    def __init__(self, message: str) -> None:
        super().__init__(message[:MAX_ERROR_LENGTH])


@dataclass(frozen=True)
class Fulfillment:
    id: str
    status: str
    tracking_urls: tuple[str, ...]


@dataclass(frozen=True)
class OrderFulfillments:
    fulfillments: tuple[Fulfillment, ...]
    fulfillable_order_ids: tuple[str, ...]  # fulfillment orders that can be fulfilled now


def admin_url(shop_domain: str) -> str:
    return settings.SHOPIFY_ADMIN_URL.format(shop=shop_domain, version=settings.SHOPIFY_API_VERSION)


def _retry_after(response: requests.Response) -> int | None:
    value = response.headers.get("Retry-After", "").strip()
    try:
        return max(0, int(float(value))) if value else None
    except ValueError:
        return None


def graphql(*, shop_domain: str, token: str, query: str, variables: dict) -> dict:
    """One GraphQL call; its `data`, or ShopifyUnavailable / ShopifyRefused."""
    try:
        response = requests.post(
            admin_url(shop_domain),
            json={"query": query, "variables": variables},
            headers={"X-Shopify-Access-Token": token, "Accept": "application/json"},
            timeout=(settings.SHOPIFY_CONNECT_TIMEOUT_SECONDS, settings.SHOPIFY_TIMEOUT_SECONDS),
        )
    except requests.Timeout:
        raise ShopifyUnavailable("Shopify did not answer in time.") from None
    except requests.ConnectionError:
        raise ShopifyUnavailable("Shopify could not be reached (no connection).") from None
    except requests.RequestException as error:
        raise ShopifyUnavailable(
            f"Shopify could not be reached ({type(error).__name__})."
        ) from None
    status = response.status_code
    if status == 429:
        raise ShopifyUnavailable(
            "Shopify asked us to slow down (HTTP 429).", retry_after=_retry_after(response)
        )
    if status >= 500:
        raise ShopifyUnavailable(
            f"Shopify answered HTTP {status}.", retry_after=_retry_after(response)
        )
    if status in (401, 403):
        raise ShopifyRefused(
            f"Shopify refused the access token (HTTP {status}): check the token and that the "
            "app may write fulfillments."
        )
    if status == 404:
        raise ShopifyRefused(f"Shopify does not know the shop {shop_domain} (HTTP 404).")
    if status >= 400:
        raise ShopifyRefused(f"Shopify refused the call (HTTP {status}): {response.text[:200]}")
    try:
        body = response.json()
    except ValueError:
        raise ShopifyUnavailable(f"Shopify answered HTTP {status} without JSON.") from None
    errors = body.get("errors") if isinstance(body, dict) else None
    if errors:
        codes = {
            (error.get("extensions") or {}).get("code")
            for error in errors
            if isinstance(error, dict)
        }
        if "THROTTLED" in codes:
            raise ShopifyUnavailable(
                "Shopify throttled the call (THROTTLED).", retry_after=THROTTLED_RETRY_SECONDS
            )
        messages = "; ".join(
            str(error.get("message")) if isinstance(error, dict) else str(error) for error in errors
        )
        raise ShopifyRefused(f"Shopify refused the query: {messages}")
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, dict):
        raise ShopifyUnavailable("Shopify answered without data.")
    return data


def _user_errors(payload: dict, what: str) -> None:
    errors = payload.get("userErrors") or []
    if errors:
        messages = "; ".join(str(error.get("message")) for error in errors)
        raise ShopifyRefused(f"Shopify refused the {what}: {messages}")


def order_fulfillments(*, shop_domain: str, token: str, order_id: str) -> OrderFulfillments:
    data = graphql(
        shop_domain=shop_domain, token=token, query=ORDER_QUERY, variables={"id": order_id}
    )
    order = data.get("order")
    if not order:
        raise ShopifyRefused(f"The shop has no order {order_id} (deleted?).")
    fulfillments = tuple(
        Fulfillment(
            id=item["id"],
            status=item.get("status") or "",
            tracking_urls=tuple(info.get("url") or "" for info in item.get("trackingInfo") or []),
        )
        for item in order.get("fulfillments") or []
    )
    nodes = (order.get("fulfillmentOrders") or {}).get("nodes") or []
    return OrderFulfillments(
        fulfillments=fulfillments,
        fulfillable_order_ids=tuple(
            node["id"] for node in nodes if node.get("status") in FULFILLABLE
        ),
    )


def fulfillment_create(
    *,
    shop_domain: str,
    token: str,
    fulfillment_order_ids: tuple[str, ...],
    tracking_url: str,
    tracking_number: str,
    company: str,
) -> str:
    """Fulfil every item of these fulfillment orders with our tracking link; the new id."""
    data = graphql(
        shop_domain=shop_domain,
        token=token,
        query=FULFILLMENT_CREATE,
        variables={
            "fulfillment": {
                "lineItemsByFulfillmentOrder": [
                    {"fulfillmentOrderId": order_id} for order_id in fulfillment_order_ids
                ],
                "notifyCustomer": settings.SHOPIFY_NOTIFY_CUSTOMER,
                "trackingInfo": {
                    "url": tracking_url,
                    "number": tracking_number,
                    "company": company,
                },
            }
        },
    )
    payload = data.get("fulfillmentCreate") or {}
    _user_errors(payload, "fulfillment")
    fulfillment = payload.get("fulfillment") or {}
    if not fulfillment.get("id"):
        raise ShopifyUnavailable("Shopify answered the fulfillment without its id.")
    return fulfillment["id"]


def fulfillment_events(
    *, shop_domain: str, token: str, fulfillment_id: str
) -> list[tuple[str, datetime | None]]:
    """(status, happened at) of the fulfillment's events."""
    data = graphql(
        shop_domain=shop_domain,
        token=token,
        query=FULFILLMENT_EVENTS_QUERY,
        variables={"id": fulfillment_id},
    )
    fulfillment = data.get("fulfillment")
    if not fulfillment:
        raise ShopifyRefused(f"The shop has no fulfillment {fulfillment_id} (cancelled?).")
    events = []
    for node in (fulfillment.get("events") or {}).get("nodes") or []:
        try:
            happened = datetime.fromisoformat(node.get("happenedAt") or "")
        except ValueError:
            happened = None
        events.append((node.get("status") or "", happened))
    return events


def fulfillment_event_create(
    *, shop_domain: str, token: str, fulfillment_id: str, status: str, happened_at: datetime
) -> str:
    data = graphql(
        shop_domain=shop_domain,
        token=token,
        query=FULFILLMENT_EVENT_CREATE,
        variables={
            "fulfillmentEvent": {
                "fulfillmentId": fulfillment_id,
                "status": status,
                "happenedAt": happened_at.isoformat(),
            }
        },
    )
    payload = data.get("fulfillmentEventCreate") or {}
    _user_errors(payload, "delivery event")
    event = payload.get("fulfillmentEvent") or {}
    return event.get("id") or ""
