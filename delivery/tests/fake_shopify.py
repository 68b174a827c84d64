"""A local fake of Shopify's GraphQL Admin API, for testing the write-back at the HTTP boundary:
a real HTTP server on 127.0.0.1 (tests.recorded_http) that keeps a shop's orders, fulfillment
orders, fulfillments and their events, answers the four operations delivery.shopify_admin sends
(told apart by their operation names), records every request, and can fail the next calls
(HTTP 500, 429 with Retry-After, a GraphQL THROTTLED) or carry one out and lose its answer."""

import itertools
import json
import re
from dataclasses import dataclass, field

from tests.recorded_http import ReceivedRequest, Recorded, RecordedServer

OPERATION = re.compile(r"\b(?:query|mutation)\s+(\w+)")
TOKEN = "shpat_0123456789abcdef0123456789abcdef"  # noqa: S105 - a fake shop's token


@dataclass
class FakeOrder:
    id: str
    fulfillment_orders: list[dict]  # [{"id", "status"}]
    fulfillments: list[dict] = field(default_factory=list)  # {"id", "status", "trackingInfo", …}


@dataclass
class FakeShopify:
    """The state of one or more fake shops, keyed by shop domain."""

    token: str = TOKEN
    orders: dict[tuple[str, str], FakeOrder] = field(default_factory=dict)
    # What the next calls get instead of an answer (Recorded(...)).
    failures: list = field(default_factory=list)
    # Operations whose next call is carried out but answered 500 (the answer is lost).
    lost_answers: list[str] = field(default_factory=list)
    server: RecordedServer | None = None
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1000))

    # --- set-up -------------------------------------------------------------------------------

    def add_order(self, shop: str, order_id: str, *, fulfillment_orders: int = 1) -> FakeOrder:
        number = order_id.rsplit("/", 1)[-1]
        order = FakeOrder(
            id=order_id,
            fulfillment_orders=[
                {"id": f"gid://shopify/FulfillmentOrder/{number}{index}", "status": "OPEN"}
                for index in range(fulfillment_orders)
            ],
        )
        self.orders[(shop, order_id)] = order
        return order

    def fail_next(self, *answers) -> None:
        self.failures.extend(answers)

    @property
    def requests(self) -> list[ReceivedRequest]:
        return self.server.requests

    def operations(self) -> list[str]:
        return [self._operation(request) for request in self.requests]

    def admin_url(self) -> str:
        return f"{self.server.url}/{{shop}}/admin/api/{{version}}/graphql.json"

    # --- answering ----------------------------------------------------------------------------

    @staticmethod
    def _operation(request: ReceivedRequest) -> str:
        try:
            match = OPERATION.search(request.json().get("query", ""))
        except ValueError:
            return ""
        return match.group(1) if match else ""

    def _shop(self, request: ReceivedRequest) -> str:
        return request.path.strip("/").split("/", 1)[0]

    def respond(self, request: ReceivedRequest) -> Recorded:
        if self.failures:
            return self.failures.pop(0)
        if request.headers.get("x-shopify-access-token") != self.token:
            return Recorded(401, {"errors": "[API] Invalid API key or access token"})
        body = request.json()
        variables = body.get("variables") or {}
        shop = self._shop(request)
        handler = {
            "DeliveryOrderFulfillments": self._order,
            "DeliveryFulfillmentCreate": self._fulfillment_create,
            "DeliveryFulfillmentEvents": self._fulfillment_events,
            "DeliveryFulfillmentEventCreate": self._event_create,
        }.get(self._operation(request))
        if handler is None:
            return Recorded(200, {"errors": [{"message": "Unknown operation"}]})
        answer = handler(shop, variables)
        if self._operation(request) in self.lost_answers:
            self.lost_answers.remove(self._operation(request))
            return Recorded(500, {"errors": "Internal Server Error"})
        return answer

    def _order(self, shop: str, variables: dict) -> Recorded:
        order = self.orders.get((shop, variables["id"]))
        if order is None:
            return Recorded(200, {"data": {"order": None}})
        return Recorded(
            200,
            {
                "data": {
                    "order": {
                        "id": order.id,
                        "fulfillments": [
                            {
                                "id": item["id"],
                                "status": item["status"],
                                "trackingInfo": item["trackingInfo"],
                            }
                            for item in order.fulfillments
                        ],
                        "fulfillmentOrders": {"nodes": order.fulfillment_orders},
                    }
                }
            },
        )

    def _find_fulfillment_order(self, shop: str, fulfillment_order_id: str):
        for (order_shop, _), order in self.orders.items():
            for item in order.fulfillment_orders:
                if order_shop == shop and item["id"] == fulfillment_order_id:
                    return order, item
        return None, None

    def _fulfillment_create(self, shop: str, variables: dict) -> Recorded:
        fulfillment = variables["fulfillment"]
        pairs = fulfillment["lineItemsByFulfillmentOrder"]
        found = [self._find_fulfillment_order(shop, pair["fulfillmentOrderId"]) for pair in pairs]
        if not found or any(item is None or item["status"] != "OPEN" for _, item in found):
            return Recorded(
                200,
                {
                    "data": {
                        "fulfillmentCreate": {
                            "fulfillment": None,
                            "userErrors": [
                                {
                                    "field": ["fulfillment"],
                                    "message": "Fulfillment order is not in a fulfillable state.",
                                }
                            ],
                        }
                    }
                },
            )
        order = found[0][0]
        for _, item in found:
            item["status"] = "CLOSED"
        tracking = fulfillment.get("trackingInfo") or {}
        made = {
            "id": f"gid://shopify/Fulfillment/{next(self._ids)}",
            "status": "SUCCESS",
            "trackingInfo": [{"url": tracking.get("url"), "number": tracking.get("number")}],
            "tracking": tracking,
            "notifyCustomer": fulfillment.get("notifyCustomer"),
            "events": [],
        }
        order.fulfillments.append(made)
        return Recorded(
            200,
            {
                "data": {
                    "fulfillmentCreate": {
                        "fulfillment": {"id": made["id"], "status": "SUCCESS"},
                        "userErrors": [],
                    }
                }
            },
        )

    def fulfillment(self, fulfillment_id: str) -> dict | None:
        for order in self.orders.values():
            for item in order.fulfillments:
                if item["id"] == fulfillment_id:
                    return item
        return None

    def _fulfillment_events(self, shop: str, variables: dict) -> Recorded:
        made = self.fulfillment(variables["id"])
        if made is None:
            return Recorded(200, {"data": {"fulfillment": None}})
        return Recorded(
            200,
            {"data": {"fulfillment": {"id": made["id"], "events": {"nodes": made["events"]}}}},
        )

    def _event_create(self, shop: str, variables: dict) -> Recorded:
        event = variables["fulfillmentEvent"]
        made = self.fulfillment(event["fulfillmentId"])
        if made is None:
            return Recorded(
                200,
                {
                    "data": {
                        "fulfillmentEventCreate": {
                            "fulfillmentEvent": None,
                            "userErrors": [{"field": ["fulfillmentId"], "message": "Not found"}],
                        }
                    }
                },
            )
        created = {
            "id": f"gid://shopify/FulfillmentEvent/{next(self._ids)}",
            "status": event["status"],
            "happenedAt": event["happenedAt"],
        }
        made["events"].append(created)
        return Recorded(
            200,
            {
                "data": {
                    "fulfillmentEventCreate": {
                        "fulfillmentEvent": {"id": created["id"], "status": created["status"]},
                        "userErrors": [],
                    }
                }
            },
        )

    def __enter__(self) -> "FakeShopify":
        self.server = RecordedServer(respond=self.respond).__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self.server.__exit__(*exc)


def throttled() -> Recorded:
    """Shopify's GraphQL answer when the query cost bucket is empty (HTTP 200)."""
    return Recorded(
        200,
        {"errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}]},
    )


def json_of(request: ReceivedRequest) -> dict:
    return json.loads(request.body)
