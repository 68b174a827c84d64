"""Reads of customers: search, the one matching an import row, history, what is coming."""

from datetime import date

from django.db.models import Count, Prefetch, Q, QuerySet

from delivery.customers.models import Customer, CustomerPlace, Occurrence, StandingOrder
from delivery.models import Order, OrderStatus, ProofFile
from notifications.models import Message


def customers_list(*, filters: dict | None = None) -> QuerySet[Customer]:
    """Newest first, places prefetched. Filters: q (name, phone, e-mail, address, external id),
    tag, phone, email, external_id."""
    filters = filters or {}
    customers = Customer.objects.prefetch_related(
        Prefetch("places", queryset=CustomerPlace.objects.order_by("position", "created_at"))
    )
    term = (filters.get("q") or "").strip()
    if term:
        customers = customers.filter(
            Q(name__icontains=term)
            | Q(email__icontains=term)
            | Q(external_id__icontains=term)
            | Q(phones__icontains=term)
            | Q(places__address__icontains=term)
        ).distinct()
    if filters.get("tag"):
        customers = customers.filter(tags__contains=[filters["tag"]])
    if filters.get("phone"):
        customers = customers.filter(phones__contains=[filters["phone"]])
    if filters.get("email"):
        customers = customers.filter(email=filters["email"])
    if filters.get("external_id"):
        customers = customers.filter(external_id=filters["external_id"])
    return customers


def customer_matching(
    *, external_id: str | None, phones: list[str], email: str
) -> tuple[Customer | None, str]:
    """The customer an imported record is (and on what it matched): same external id, else a
    shared phone number, else the same e-mail address."""
    if external_id:
        found = Customer.objects.filter(external_id=external_id).first()
        if found:
            return found, "external_id"
    if phones:
        found = Customer.objects.filter(phones__overlap=phones).order_by("created_at").first()
        if found:
            return found, "phone"
    if email:
        found = Customer.objects.filter(email=email).order_by("created_at").first()
        if found:
            return found, "email"
    return None, ""


def standing_orders_list(*, filters: dict | None = None) -> QuerySet[StandingOrder]:
    filters = filters or {}
    standing = StandingOrder.objects.select_related("customer", "place")
    if filters.get("customer"):
        standing = standing.filter(customer_id=filters["customer"])
    if "paused" in filters and filters["paused"] is not None:
        standing = standing.filter(is_paused=filters["paused"])
    return standing


def occurrences_of(*, standing_order: StandingOrder, since: date) -> QuerySet[Occurrence]:
    return standing_order.occurrences.filter(date__gte=since).select_related("order")


def customer_orders(*, customer: Customer) -> QuerySet[Order]:
    """The delivery history, newest delivery date first, with attempts and proofs."""
    return (
        Order.objects.filter(customer=customer)
        .select_related("driver__user", "customer_place")
        .prefetch_related("attempts", Prefetch("proofs", queryset=ProofFile.objects.all()))
        .order_by("-delivery_date", "-created_at")
    )


def customer_upcoming(*, customer: Customer, since: date) -> QuerySet[Occurrence]:
    """The standing orders' occurrences from `since`, skipped ones included."""
    return (
        Occurrence.objects.filter(standing_order__customer=customer, date__gte=since)
        .select_related("order", "standing_order")
        .order_by("date")
    )


def customer_messages(*, customer: Customer) -> QuerySet[Message]:
    return Message.objects.filter(
        order_id__in=Order.objects.filter(customer=customer).values("id")
    ).order_by("-created_at")


def customer_delivery_counts(*, customer: Customer) -> dict[str, int]:
    counts = dict(
        Order.objects.filter(customer=customer)
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    return {status: counts.get(status, 0) for status in OrderStatus.values}


def occurrence_for_order(*, order: Order) -> Occurrence | None:
    return Occurrence.objects.filter(order=order).select_related("standing_order").first()
