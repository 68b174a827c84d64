"""Shopify intake (the EasyRoutes use case): verify a shop's `orders/create` webhook, keep its
local-delivery orders, map them to the API's order shape, validate them with the one validator,
and create each exactly once however often Shopify retries."""

import base64
import hashlib
import hmac
import json
import logging
import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils import timezone

from delivery import validation
from delivery.customers.services import customer_for_order_contact
from delivery.customers.subscriptions import Subscription, subscription_occurrence_attach
from delivery.models import Order, ShopifyConnection, ShopifyWebhookReceipt
from delivery.services import order_create
from delivery.shopify_sync import shopify_order_sync_start
from tenants.actors import integration_actor
from tenants.api.errors import validation_message
from tenants.errors import ApplicationError
from tenants.selectors import tenant_phone_region, tenant_time_zone

logger = logging.getLogger(__name__)

ORDERS_CREATE = "orders/create"
# Shopify sends webhooks from the shop's permanent `*.myshopify.com` domain.
SHOP_DOMAIN_PATTERN = re.compile(r"[a-z0-9][a-z0-9-]{0,98}\.myshopify\.com")
SECRET_PATTERN = re.compile(r"[\x21-\x7e]{16,255}")
TOKEN_PATTERN = re.compile(r"[\x21-\x7e]{20,255}")
DELIVERY_DATE_ATTRIBUTES = {"delivery_date", "local_delivery_date", "delivery_day"}
SHOPIFY_DATE_PATTERN = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})")
NOTES_MAX_LENGTH = 2000


class Outcome:
    CREATED = "created"
    IGNORED = "ignored"
    REJECTED = "rejected"
    DUPLICATE = "duplicate"  # answered, never stored: the first receipt stands


@dataclass(frozen=True)
class IntakeResult:
    outcome: str
    order: Order | None = None
    reason: str = ""


# --- connections ------------------------------------------------------------------------------


def shop_domain_normalise(value) -> str:
    domain = (value or "").strip().lower() if isinstance(value, str) else ""
    if not SHOP_DOMAIN_PATTERN.fullmatch(domain):
        raise ValueError("Give the shop's permanent domain, e.g. my-bakery.myshopify.com.")
    return domain


def _access_token(problems: validation.Problems, value) -> str:
    token = value.strip() if isinstance(value, str) else ""
    if token and not TOKEN_PATTERN.fullmatch(token):
        problems.add(
            "access_token",
            "Paste the Admin API access token of the shop's app (shpat_…, 20–255 characters, "
            "no spaces).",
        )
    return token


def _raise_if_any(problems: validation.Problems) -> None:
    try:
        problems.raise_if_any()
    except validation.FieldErrors as errors:
        raise ApplicationError(
            "validation_error", validation_message(errors.fields), fields=errors.fields
        ) from None


def shopify_connection_create(
    *, shop_domain: str, webhook_secret: str, access_token: str = ""
) -> ShopifyConnection:
    """Connect a shop: its webhook signing secret is the one Shopify shows the merchant; the
    Admin API access token (optional) lets us write deliveries back to the shop."""
    problems = validation.Problems()
    domain = problems.check("shop_domain", shop_domain_normalise, shop_domain)
    secret = (webhook_secret or "").strip() if isinstance(webhook_secret, str) else ""
    if not SECRET_PATTERN.fullmatch(secret):
        problems.add(
            "webhook_secret",
            "Paste the webhook signing secret from Shopify (16–255 characters, no spaces).",
        )
    token = _access_token(problems, access_token)
    _raise_if_any(problems)
    try:
        with transaction.atomic():
            return ShopifyConnection.objects.create(
                shop_domain=domain, webhook_secret=secret, access_token=token
            )
    except IntegrityError:
        message = f"{domain} is already connected."
        raise ApplicationError(
            "validation_error", message, fields={"shop_domain": [message]}
        ) from None


def shopify_connection_update(*, connection: ShopifyConnection, fields: dict) -> ShopifyConnection:
    """Change a connection's secret, access token (an empty one removes it) or activity."""
    problems = validation.Problems()
    if "webhook_secret" in fields:
        secret = fields["webhook_secret"]
        secret = secret.strip() if isinstance(secret, str) else ""
        if not SECRET_PATTERN.fullmatch(secret):
            problems.add(
                "webhook_secret",
                "Paste the webhook signing secret from Shopify (16–255 characters, no spaces).",
            )
        connection.webhook_secret = secret
    if "access_token" in fields:
        connection.access_token = _access_token(problems, fields["access_token"])
    if "is_active" in fields:
        connection.is_active = bool(fields["is_active"])
    _raise_if_any(problems)
    connection.save(update_fields=["webhook_secret", "access_token", "is_active"])
    return connection


def shopify_connection_delete(*, connection: ShopifyConnection) -> None:
    """Disconnect a shop; its orders and the receipts of its webhooks stay."""
    connection.delete()


def secret_masked(secret: str) -> str:
    """What is ever shown of a secret or token: its last four characters ("" when none)."""
    return "•" * 8 + secret[-4:] if secret else ""


# --- webhook verification ---------------------------------------------------------------------


def shopify_signature(*, secret: str, body: bytes) -> str:
    """What Shopify puts in X-Shopify-Hmac-Sha256: base64 HMAC-SHA256 of the raw body."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def shopify_connection_verified(
    *, shop_domain: str, signature: str, body: bytes
) -> ShopifyConnection | None:
    """The shop's active connection in this tenant when the body carries its signature."""
    domain = (shop_domain or "").strip().lower()
    if not SHOP_DOMAIN_PATTERN.fullmatch(domain):
        return None  # no shop's domain (and a NUL in it would fail the query)
    connection = ShopifyConnection.objects.filter(shop_domain=domain, is_active=True).first()
    if connection is None or not signature:
        return None
    expected = shopify_signature(secret=connection.webhook_secret, body=body)
    if not hmac.compare_digest(expected.encode(), signature.strip().encode()):
        return None
    return connection


# --- mapping ----------------------------------------------------------------------------------


def _words(value) -> str:
    """ "Local_Delivery " → "local delivery"."""
    return " ".join(re.sub(r"[_\-]+", " ", str(value or "")).lower().split())


def is_local_delivery(payload: dict) -> bool:
    """Shopify's Local Delivery method: a shipping line whose code (or title) says so; orders of
    API versions before 2023-07 may carry `delivery_category: "local"` instead."""
    for line in payload.get("shipping_lines") or []:
        if not isinstance(line, dict):
            continue
        if _words(line.get("delivery_category")) == "local":
            return True
        if "local delivery" in _words(line.get("code")) or "local delivery" in _words(
            line.get("title")
        ):
            return True
    return False


def _text(value) -> str:
    return value.strip() if isinstance(value, str) else ""


def _delivery_date(payload: dict, *, tomorrow: date):
    """The "Delivery Date" note attribute scheduling apps write (YYYY-MM-DD or YYYY/MM/DD),
    else tomorrow. Anything else is passed on as given, for the validator to refuse."""
    for attribute in payload.get("note_attributes") or []:
        if not isinstance(attribute, dict):
            continue
        if _words(attribute.get("name")).replace(" ", "_") not in DELIVERY_DATE_ATTRIBUTES:
            continue
        value = _text(attribute.get("value"))
        match = SHOPIFY_DATE_PATTERN.fullmatch(value)
        if match:
            year, month, day = match.groups()
            return f"{year}-{int(month):02d}-{int(day):02d}"
        return value
    return tomorrow.isoformat()


def _address(shipping: dict) -> str:
    locality = " ".join(part for part in (_text(shipping.get("zip")), _text(shipping.get("city"))))
    parts = (
        _text(shipping.get("address1")),
        _text(shipping.get("address2")),
        locality.strip(),
        _text(shipping.get("province")),
        _text(shipping.get("country")),
    )
    return ", ".join(part for part in parts if part)


def _location(shipping: dict) -> dict | None:
    """The shop's coordinates when they are real ones; otherwise the address is geocoded."""
    latitude, longitude = shipping.get("latitude"), shipping.get("longitude")
    if latitude is None or longitude is None:
        return None
    try:
        lat, lng = validation.coordinates(latitude, longitude)
    except ValueError:
        return None
    return {"lat": lat, "lng": lng}


def _items(payload: dict):
    total = 0
    for line in payload.get("line_items") or []:
        if not isinstance(line, dict) or line.get("requires_shipping") is False:
            continue
        quantity = line.get("quantity")
        if isinstance(quantity, bool) or not isinstance(quantity, int):
            return quantity  # not a count: the validator says so
        total += quantity
    return total


def _weight_kg(payload: dict):
    grams = payload.get("total_weight")
    if grams in (None, ""):
        return None
    try:
        return str(Decimal(str(grams)) / 1000)
    except InvalidOperation:
        return grams  # not a number: the validator says so


def shopify_order_map(payload: dict, *, tomorrow: date) -> dict:
    """A Shopify order as the API's order JSON (validated afterwards by order_input_parse).

    A contact detail the shop accepted but we cannot use (a phone number that is not one) does
    not lose the order: it moves to the notes, where the dispatcher sees it."""
    shipping = payload.get("shipping_address")
    shipping = shipping if isinstance(shipping, dict) else {}
    customer = payload.get("customer")
    customer = customer if isinstance(customer, dict) else {}
    name = _text(shipping.get("name")) or " ".join(
        part
        for part in (_text(shipping.get("first_name")), _text(shipping.get("last_name")))
        if part
    )
    if not name:
        name = " ".join(
            part
            for part in (_text(customer.get("first_name")), _text(customer.get("last_name")))
            if part
        )
    notes = [_text(payload.get("note"))]
    region = _text(shipping.get("country_code")).upper() or tenant_phone_region()

    phone = ""
    given_phone = (
        _text(shipping.get("phone")) or _text(payload.get("phone")) or _text(customer.get("phone"))
    )
    if given_phone:
        try:
            phone = validation.phone_normalise(given_phone, region=region)
        except ValueError:
            notes.append(f"Phone as given in Shopify: {given_phone}")
    email = ""
    given_email = (
        _text(payload.get("email"))
        or _text(payload.get("contact_email"))
        or _text(customer.get("email"))
    )
    if given_email:
        try:
            email = validation.email_normalise(given_email)
        except ValueError:
            notes.append(f"E-mail as given in Shopify: {given_email}")

    external_id = _text(payload.get("name")) or str(payload.get("order_number") or "") or None
    raw = {
        "external_id": external_id,
        "recipient": {"name": name, "phone": phone, "email": email},
        "address": _address(shipping),
        "delivery_date": _delivery_date(payload, tomorrow=tomorrow),
        "load": {"items": _items(payload)},
        "notes": "\n".join(note for note in notes if note)[:NOTES_MAX_LENGTH],
    }
    weight = _weight_kg(payload)
    if weight is not None:
        raw["load"]["weight_kg"] = weight
    location = _location(shipping)
    if location is not None:
        raw["location"] = location
    return raw


# --- subscriptions ----------------------------------------------------------------------------


def _interval_weeks(text: str) -> int:
    """The weeks between deliveries a selling plan's name says ("Delivered every 2 weeks",
    "Fortnightly box", "Monthly"); every week when it says nothing we can read."""
    words = _words(text)
    match = re.search(r"every (\d+) weeks?", words)
    if match:
        weeks = int(match.group(1))
    elif match := re.search(r"every (\d+) days?", words):
        days = int(match.group(1))
        weeks = days // 7 if days % 7 == 0 else 1
    elif match := re.search(r"every (\d+) months?", words):
        weeks = 4 * int(match.group(1))
    elif re.search(r"every other week|fortnight|bi ?weekly", words):
        weeks = 2
    elif re.search(r"monthly|every month", words):
        weeks = 4
    else:
        weeks = 1
    return min(max(weeks, 1), 52)


def _plain(value) -> str:
    """Text safe to store: no control characters, no lone surrogates (from a JSON body)."""
    text = re.sub(r"[\x00-\x1f\x7f]", "", str(value))
    return text.encode("utf-8", "ignore").decode().strip()


def shopify_subscription(payload: dict, *, shop_domain: str) -> Subscription | None:
    """The subscription an order belongs to: a line item sold with a selling plan
    (`selling_plan_allocation`), or an order the subscription app tagged ("Subscription",
    "Subscription Recurring Order") or made (`source_name` "subscription_contract")."""
    for line in payload.get("line_items") or []:
        allocation = line.get("selling_plan_allocation") if isinstance(line, dict) else None
        if not isinstance(allocation, dict):
            continue
        plan = allocation.get("selling_plan")
        plan = plan if isinstance(plan, dict) else {}
        plan_id = plan.get("id") or allocation.get("selling_plan_id")
        plan_id = _plain(plan_id) if isinstance(plan_id, (int, str)) else ""
        name = _plain(_text(plan.get("name"))) or "Subscription"
        key = (
            f"shopify:{shop_domain}:selling-plan:{plan_id}"
            if plan_id
            else f"shopify:{shop_domain}:subscription"
        )
        return Subscription(key=key[:200], name=name[:200], interval_weeks=_interval_weeks(name))
    tags = [_words(tag) for tag in str(payload.get("tags") or "").split(",")]
    if any(tag.startswith("subscription") for tag in tags) or (
        payload.get("source_name") == "subscription_contract"
    ):
        return Subscription(
            key=f"shopify:{shop_domain}:subscription",
            name="Subscription",
            interval_weeks=_interval_weeks(" ".join(tags)),
        )
    return None


# --- intake -----------------------------------------------------------------------------------


def _tomorrow() -> date:
    return timezone.localdate(timezone=tenant_time_zone()) + timedelta(days=1)


def _customer_external_id(value) -> str | None:
    """The shop's customer as our customer's external id: Shopify's ids are numbers (anything
    else is not kept)."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        return None
    digits = str(value).strip()
    if not (digits.isascii() and digits.isdigit()) or len(digits) > 20:
        return None
    return f"shopify:{digits}"


def _order_from_payload(*, connection: ShopifyConnection, body: bytes) -> IntakeResult:
    try:
        payload = json.loads(body)
    except (UnicodeDecodeError, ValueError):
        return IntakeResult(Outcome.REJECTED, reason="The body is not JSON.")
    if not isinstance(payload, dict):
        return IntakeResult(Outcome.REJECTED, reason="The body is not a Shopify order.")
    if not is_local_delivery(payload):
        return IntakeResult(Outcome.IGNORED, reason="Not a local delivery order.")
    raw = shopify_order_map(payload, tomorrow=_tomorrow())
    try:
        data = validation.order_input_parse(raw, tz=tenant_time_zone(), phone_region=None)
    except validation.FieldErrors as errors:
        return IntakeResult(Outcome.REJECTED, reason=validation_message(errors.fields))
    actor = integration_actor(f"Shopify {connection.shop_domain}")
    shopper = payload.get("customer") if isinstance(payload.get("customer"), dict) else {}
    try:
        with transaction.atomic():
            # The order attaches to the shop's customer (delivery.customers), made on first sight.
            links = customer_for_order_contact(
                external_id=_customer_external_id(shopper.get("id")),
                name=data.recipient_name,
                phone=data.recipient_phone,
                email=data.recipient_email,
                address=data.address,
                location=data.location,
                tags=["shopify"],
            )
            order = order_create(data=data, actor=actor, source="shopify", links=links)
            shopify_order_sync_start(order=order, connection=connection, payload=payload)
            subscription = shopify_subscription(payload, shop_domain=connection.shop_domain)
            if subscription is not None:
                # A subscription's order is the occurrence of its date in a standing order.
                subscription_occurrence_attach(order=order, subscription=subscription)
    except ApplicationError as error:
        return IntakeResult(Outcome.REJECTED, reason=error.message)
    return IntakeResult(Outcome.CREATED, order=order)


def shopify_webhook_receive(
    *, connection: ShopifyConnection, webhook_id: str, topic: str, body: bytes
) -> IntakeResult:
    """Handle one verified webhook once. The receipt is claimed first (a unique row) in the same
    transaction as the order: a concurrent retry waits for it and then sees a duplicate."""
    with transaction.atomic():
        try:
            with transaction.atomic():
                receipt = ShopifyWebhookReceipt.objects.create(
                    webhook_id=webhook_id, topic=_plain(topic)[:60], outcome=Outcome.IGNORED
                )
        except IntegrityError:
            logger.info("shopify %s: webhook %s already received", connection, webhook_id)
            return IntakeResult(Outcome.DUPLICATE, reason="This webhook was already received.")
        if topic != ORDERS_CREATE:
            result = IntakeResult(Outcome.IGNORED, reason=f"Topic {topic!r} is not handled.")
        else:
            result = _order_from_payload(connection=connection, body=body)
        receipt.outcome = result.outcome
        receipt.order = result.order
        receipt.detail = result.reason
        receipt.save(update_fields=["outcome", "order", "detail"])
    if result.outcome == Outcome.REJECTED:
        # Answered 200 all the same: Shopify would retry a permanent problem for 48 hours.
        logger.warning(
            "shopify %s: webhook %s (%s) rejected: %s",
            connection,
            webhook_id,
            topic,
            result.reason,
        )
    else:
        logger.info(
            "shopify %s: webhook %s (%s) %s %s",
            connection,
            webhook_id,
            topic,
            result.outcome,
            result.order.pk if result.order else result.reason,
        )
    return result
