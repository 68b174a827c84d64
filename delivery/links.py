"""The recipient's tracking link: `/t/<token>/` on the business's own host.

Every order carries a random token (`Order.tracking_token`, 256 bits) from the moment it exists, so
integrators get the link at creation and notifications can always include it.
"""

import time

from django.db import connection

from delivery.models import Order
from tenants.models import Tenant
from tenants.selectors import tenant_url

BASE_URL_TTL_SECONDS = 60
_base_urls: dict[str, tuple[float, str]] = {}  # schema → (read at, base URL): domains rarely change


def tracking_path(token: str) -> str:
    return f"/t/{token}/"


def tracking_base_url() -> str:
    """Scheme, primary host and port of the current business, remembered for a minute."""
    schema = connection.schema_name
    now = time.monotonic()
    remembered = _base_urls.get(schema)
    if remembered is None or now - remembered[0] > BASE_URL_TTL_SECONDS:
        tenant = Tenant.objects.get(schema_name=schema)
        remembered = (now, tenant_url(tenant=tenant, path=""))
        _base_urls[schema] = remembered
    return remembered[1]


def tracking_url(order: Order) -> str:
    return tracking_base_url() + tracking_path(order.tracking_token)
