"""Standing orders: create, change (future occurrences only), pause, skip one date, holidays,
and the generator that turns the coming occurrences into real orders.

Exactly once per occurrence: the generator claims (standing order, date) rows with
INSERT … ON CONFLICT DO NOTHING RETURNING and makes orders only for the rows it claimed, in the
same transaction. A second run, concurrent or not, claims nothing for those dates: PostgreSQL
makes it wait for the first run's commit on a conflicting key, then skips the row."""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from delivery.customers.models import CustomerPlace, Holiday, Occurrence, StandingOrder
from delivery.customers.schedule import schedule_dates
from delivery.customers.services import place_notes
from delivery.customers.validation import StandingOrderInput
from delivery.models import Order, OrderStatus
from delivery.services.lifecycle import order_transition
from delivery.services.orders import order_update, orders_create_many
from delivery.validation import OrderInput
from tenants.actors import Actor, system_actor
from tenants.errors import ApplicationError, status_word
from tenants.selectors import tenant_time_zone

SOURCE = "standing_order"
SHOP_DRIVEN = "shopify"  # StandingOrder.source of subscriptions whose orders the shop makes
GENERATOR = system_actor("standing orders")
STANDING_FIELDS = (
    "weekdays",
    "interval_weeks",
    "start_date",
    "end_date",
    "count",
    "weight_kg",
    "volume_l",
    "items",
    "service_seconds",
    "time_windows",
    "notes",
    "is_paused",
)
# An order can be skipped or cancelled by us while nobody is on the way with it yet.
SKIPPABLE_STATUSES = frozenset({OrderStatus.UNASSIGNED, OrderStatus.ASSIGNED})


@dataclass
class GenerationReport:
    created: int = 0
    skipped: int = 0  # holidays met for the first time
    dates: list[tuple[str, date]] = field(default_factory=list)


def business_today(tz: ZoneInfo | None = None) -> date:
    return timezone.now().astimezone(tz or tenant_time_zone()).date()


def days_ahead_default() -> int:
    return settings.STANDING_ORDERS_DAYS_AHEAD


def _windows_on(windows: list[dict], day: date, tz: ZoneInfo) -> list[dict[str, str]]:
    result = []
    for window in windows:
        start, end = (
            datetime.combine(day, time.fromisoformat(window[key]), tzinfo=tz)
            for key in ("start", "end")
        )
        result.append({"start": start.isoformat(), "end": end.isoformat()})
    return result


def occurrence_order_input(
    standing: StandingOrder, place: CustomerPlace, day: date, tz: ZoneInfo
) -> OrderInput:
    """The order of one occurrence: the customer's details, the place, the standing order's
    contents; windows from the standing order, else the place's preferred ones."""
    customer = standing.customer
    return OrderInput(
        recipient_name=customer.name,
        recipient_phone=customer.phone,
        recipient_email=customer.email,
        address=place.address,
        delivery_date=day,
        location=(place.lat, place.lng) if place.lat is not None else None,
        time_windows=_windows_on(standing.time_windows or place.time_windows, day, tz),
        service_seconds=standing.service_seconds,
        weight_kg=standing.weight_kg,
        volume_l=standing.volume_l,
        items=standing.items,
        notes=place_notes(place, standing.notes),
    )


def _dates(standing: StandingOrder, first: date, last: date) -> list[date]:
    return schedule_dates(
        start_date=standing.start_date,
        weekdays=standing.weekdays,
        interval_weeks=standing.interval_weeks,
        end_date=standing.end_date,
        count=standing.count,
        first=first,
        last=last,
    )


CLAIM_SQL = """
INSERT INTO {table} (standing_order_id, date, status, skip_reason, created_at)
SELECT claimed.standing_order_id, claimed.date, claimed.status, claimed.skip_reason, %s
FROM unnest(%s::uuid[], %s::date[], %s::varchar[], %s::varchar[])
    AS claimed(standing_order_id, date, status, skip_reason)
ON CONFLICT (standing_order_id, date) DO NOTHING
RETURNING id, standing_order_id, date, status
"""
LINK_SQL = """
UPDATE {table} SET order_id = linked.order_id
FROM unnest(%s::bigint[], %s::uuid[]) AS linked(id, order_id)
WHERE {table}.id = linked.id
"""


def standing_orders_generate(
    *,
    today: date | None = None,
    days_ahead: int | None = None,
    standing_order_ids: list | None = None,
    actor: Actor = GENERATOR,
) -> GenerationReport:
    """Make the orders of every occurrence from today to `days_ahead` days ahead that has none
    yet (holidays are recorded as skipped). Safe to run again and concurrently."""
    tz = tenant_time_zone()
    today = today or business_today(tz)
    last = today + timedelta(days=days_ahead_default() if days_ahead is None else days_ahead)
    standing_orders = (
        StandingOrder.objects.filter(is_paused=False, start_date__lte=last)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
        # A shop's subscription: the shop makes its orders (delivery.customers.subscriptions).
        .exclude(source=SHOP_DRIVEN)
        .select_related("customer", "place")
    )
    if standing_order_ids is not None:
        standing_orders = standing_orders.filter(pk__in=standing_order_ids)
    standing_orders = list(standing_orders)
    report = GenerationReport()
    if not standing_orders:
        return report
    by_id = {standing.pk: standing for standing in standing_orders}
    existing = set(
        Occurrence.objects.filter(
            standing_order__in=standing_order_ids or list(by_id), date__range=(today, last)
        ).values_list("standing_order_id", "date")
    )
    holidays = set(Holiday.objects.filter(date__range=(today, last)).values_list("date", flat=True))
    wanted: list[tuple] = []
    for standing in standing_orders:
        for day in _dates(standing, today, last):
            if (standing.pk, day) not in existing:
                holiday = day in holidays
                wanted.append(
                    (
                        standing.pk,
                        day,
                        Occurrence.Status.SKIPPED if holiday else Occurrence.Status.GENERATED,
                        Occurrence.SkipReason.HOLIDAY if holiday else "",
                    )
                )
    if not wanted:
        return report
    table = connection.ops.quote_name(Occurrence._meta.db_table)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            CLAIM_SQL.format(table=table),
            [timezone.now(), *(list(column) for column in zip(*wanted, strict=True))],
        )
        claimed = cursor.fetchall()
        to_make = [row for row in claimed if row[3] == Occurrence.Status.GENERATED]
        report.skipped = len(claimed) - len(to_make)
        inputs, links = [], []
        for _occurrence_id, standing_id, day, _status in to_make:
            standing = by_id[standing_id]
            inputs.append(occurrence_order_input(standing, standing.place, day, tz))
            links.append(
                {"customer_id": standing.customer_id, "customer_place_id": standing.place_id}
            )
        orders = orders_create_many(inputs=inputs, actor=actor, source=SOURCE, links=links)
        if orders:
            cursor.execute(
                LINK_SQL.format(table=table),
                [[row[0] for row in to_make], [order.pk for order in orders]],
            )
    report.created = len(orders)
    report.dates = [(str(row[1]), row[2]) for row in to_make]
    return report


def _standing_apply(standing: StandingOrder, data: StandingOrderInput) -> None:
    for name in STANDING_FIELDS:
        setattr(standing, name, getattr(data, name))


def standing_order_create(
    *, customer_id, place: CustomerPlace, data: StandingOrderInput
) -> StandingOrder:
    if place.customer_id != customer_id:
        raise ApplicationError(
            "validation_error",
            _("The place belongs to another customer."),
            fields={"place": [_("Must be one of the customer's places.")]},
        )
    standing = StandingOrder(customer_id=customer_id, place=place)
    _standing_apply(standing, data)
    with transaction.atomic():
        standing.save()
        standing_orders_generate(standing_order_ids=[standing.pk])
    return standing


def standing_order_update(
    *,
    standing_order_id,
    data: StandingOrderInput,
    place: CustomerPlace | None = None,
    actor: Actor,
) -> StandingOrder:
    """Change a standing order from today on: past and planned occurrences stay as they are;
    the not-yet-planned ones follow the change (moved off dates no longer in the schedule,
    their details updated), and the new dates get their orders."""
    with transaction.atomic():
        standing = (
            StandingOrder.objects.select_for_update()
            .select_related("customer", "place")
            .get(pk=standing_order_id)
        )
        _standing_apply(standing, data)
        if place is not None:
            if place.customer_id != standing.customer_id:
                raise ApplicationError(
                    "validation_error",
                    _("The place belongs to another customer."),
                    fields={"place": [_("Must be one of the customer's places.")]},
                )
            standing.place = place
        standing.save()
        occurrences_follow(standing=standing, actor=actor)
    return standing


def standing_order_pause(*, standing_order_id, paused: bool, actor: Actor) -> StandingOrder:
    with transaction.atomic():
        standing = (
            StandingOrder.objects.select_for_update()
            .select_related("customer", "place")
            .get(pk=standing_order_id)
        )
        if standing.is_paused != paused:
            standing.is_paused = paused
            standing.save(update_fields=["is_paused", "updated_at"])
        occurrences_follow(standing=standing, actor=actor)
    return standing


def _unplanned(order: Order | None) -> bool:
    return order is not None and order.status == OrderStatus.UNASSIGNED and order.route_id is None


def occurrences_follow(*, standing: StandingOrder, actor: Actor) -> None:
    """Bring the not-yet-planned occurrences from today on in line with the standing order."""
    if standing.source == SHOP_DRIVEN:
        return  # the shop makes (and cancels) a subscription's orders, not us
    tz = tenant_time_zone()
    today = business_today(tz)
    future = list(
        standing.occurrences.filter(date__gte=today, status=Occurrence.Status.GENERATED)
        .select_related("order")
        .order_by("date")
    )
    if future:
        kept = set(_dates(standing, today, future[-1].date)) if not standing.is_paused else set()
        for occurrence in future:
            order = occurrence.order
            if not _unplanned(order):
                continue  # planned, on its way or done: a change applies to later ones
            if occurrence.date not in kept:
                order_transition(
                    order_id=order.pk,
                    to=OrderStatus.CANCELLED,
                    actor=actor,
                    reason="standing_order_changed",
                    note="The standing order no longer delivers on this date.",
                )
                # The date is free again: a resumed or changed schedule may claim it anew.
                occurrence.delete()
                continue
            wanted = occurrence_order_input(standing, standing.place, occurrence.date, tz)
            order_update(order_id=order.pk, data=_keeping_identity(order, wanted), actor=actor)
            if order.customer_place_id != standing.place_id:
                Order.objects.filter(pk=order.pk).update(customer_place=standing.place_id)
    if not standing.is_paused:
        standing_orders_generate(standing_order_ids=[standing.pk])


def _keeping_identity(order: Order, wanted: OrderInput) -> OrderInput:
    """The occurrence's new details, keeping what the order has that a standing order does not
    set (external id, skills, priority, pickup)."""
    wanted.external_id = order.external_id
    wanted.skills = order.skills
    wanted.priority = order.priority
    return wanted


def occurrence_skip(*, standing_order_id, day: date, reason: str, actor: Actor) -> Occurrence:
    """ "Not this week": the date is skipped; its order, if made and nobody is on the way with
    it yet, is cancelled. Skipping a date twice is harmless."""
    if reason not in Occurrence.SkipReason.values:
        raise ApplicationError(
            "validation_error", _("Unknown skip reason %(reason)s.") % {"reason": repr(reason)}
        )
    tz = tenant_time_zone()
    if day < business_today(tz):
        raise ApplicationError(
            "validation_error",
            _("A date in the past cannot be skipped."),
            fields={"date": [_("Must be today or later.")]},
        )
    with transaction.atomic():
        standing = StandingOrder.objects.select_for_update().get(pk=standing_order_id)
        occurrence, _created = Occurrence.objects.select_for_update().get_or_create(
            standing_order=standing,
            date=day,
            defaults={"status": Occurrence.Status.SKIPPED, "skip_reason": reason},
        )
        if occurrence.status == Occurrence.Status.SKIPPED:
            return occurrence
        order = occurrence.order
        if order is not None:
            if order.status not in SKIPPABLE_STATUSES:
                raise ApplicationError(
                    "order_locked",
                    _("The delivery of %(date)s is already %(status)s.")
                    % {"date": day.isoformat(), "status": status_word(OrderStatus, order.status)},
                )
            with translation.override(None):  # the event's note, as its payload: in English
                note = str(Occurrence.SkipReason(reason).label)
            order_transition(
                order_id=order.pk,
                to=OrderStatus.CANCELLED,
                actor=actor,
                reason="skipped",
                note=note,
            )
        occurrence.status = Occurrence.Status.SKIPPED
        occurrence.skip_reason = reason
        occurrence.save(update_fields=["status", "skip_reason"])
    return occurrence


def holiday_add(*, day: date, name: str, actor: Actor) -> Holiday:
    """A day without standing-order deliveries: its occurrences already made are skipped."""
    with transaction.atomic():
        holiday, _created = Holiday.objects.update_or_create(date=day, defaults={"name": name})
        for occurrence in Occurrence.objects.filter(
            date=day, status=Occurrence.Status.GENERATED
        ).select_related("order"):
            if occurrence.order is None or occurrence.order.status in SKIPPABLE_STATUSES:
                occurrence_skip(
                    standing_order_id=occurrence.standing_order_id,
                    day=day,
                    reason=Occurrence.SkipReason.HOLIDAY,
                    actor=actor,
                )
    return holiday
