"""Pushes of the tracking app, after commit and best effort (a page that misses one re-reads
the state over the API): arrival suggestions to the dispatchers, and revoked tracking links to
the sockets opened with them. Order and route changes are published by delivery and routing."""

from delivery.realtime import order_group_name
from tenants.realtime import DISPATCH_GROUP, publish_after_commit


def dispatchers_suggest(*, message: dict) -> None:
    """After commit: a suggestion (e.g. `stop.arrived`) to the dispatchers."""
    publish_after_commit(lambda: [(DISPATCH_GROUP, message)])


def tracking_revoked(*, order_id) -> None:
    """After commit: sockets opened with a replaced tracking link are told and closed."""
    message = {"type": "tracking.revoked", "data": {}}
    publish_after_commit(lambda: [(order_group_name(order_id), message)])
