"""Orders: the list (search, filters, pagination, bulk actions), create/edit, detail with its
timeline and proofs, and the CSV import. Thin: forms collect, delivery's services decide."""

from dataclasses import replace
from datetime import datetime
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from delivery import validation
from delivery.imports import NO_DATE_MESSAGE, ImportRejected, orders_import_csv
from delivery.models import LocationStatus, Order, OrderStatus, ShopifyOrderSync
from delivery.proofs import order_proofs
from delivery.selectors import order_delivered_at, order_events
from delivery.services import (
    EDITABLE_STATUSES,
    order_create,
    order_reschedule,
    order_transition,
    order_update,
    orders_locate_again,
)
from delivery.shopify_sync import shopify_sync_retry
from routing.assignment import order_assign
from routing.lateness import delivered_early_minutes
from tenants.actors import actor_for
from tenants.errors import ApplicationError
from tenants.locale import business_locale, time_text
from tenants.selectors import tenant_phone_region, tenant_time_zone
from web.access import OPERATIONS, page_view, posted
from web.forms.orders import (
    BulkForm,
    ImportForm,
    OrderFilterForm,
    OrderForm,
    TransitionForm,
    order_initial,
)
from web.selectors.maps import map_view

PAGE_SIZE = 50
IMPORT_MAX_BYTES = 10 * 1024 * 1024
IMPORT_NO_DATE = "The file has no delivery_date column: choose the delivery date of its rows."


def orders_filtered(form: OrderFilterForm):
    """The orders the list shows, newest first, with what each row needs in one query."""
    orders = Order.objects.select_related("driver__user").order_by("-created_at", "-id")
    if not form.is_valid():
        return orders.none()
    data = form.cleaned_data
    if data["q"]:
        term = data["q"].strip()
        orders = orders.filter(
            Q(recipient_name__icontains=term)
            | Q(address__icontains=term)
            | Q(external_id__icontains=term)
            | Q(recipient_phone__icontains=term)
        )
    if data["status"]:
        orders = orders.filter(status=data["status"])
    if data["date"]:
        orders = orders.filter(delivery_date=data["date"])
    if data["driver"]:
        orders = orders.filter(driver=data["driver"])
    if data["location"] == "missing":
        orders = orders.filter(lat__isnull=True)
    return orders


def _location_summary() -> dict:
    """How many orders still wait for a location, for the list's notice."""
    counts = dict(
        Order.objects.filter(lat__isnull=True, status__in=EDITABLE_STATUSES)
        .values("location_status")
        .annotate(count=Count("id"))
        .values_list("location_status", "count")
    )
    return {
        "pending": counts.get(LocationStatus.PENDING, 0),
        "missing": counts.get(LocationStatus.NEEDS_LOCATION, 0),
    }


@page_view(roles=OPERATIONS)
def order_list(request):
    form = OrderFilterForm(request.GET or None)
    if not request.GET:
        form = OrderFilterForm({})
    page = Paginator(orders_filtered(form), PAGE_SIZE).get_page(request.GET.get("page"))
    query = {key: value for key, value in request.GET.items() if key != "page" and value}
    # The API's export takes the same filters, except the free-text search.
    export = {}
    if form.is_valid():
        data = form.cleaned_data
        export = {
            "status": data["status"],
            "date": data["date"].isoformat() if data["date"] else "",
            "driver": data["driver"].pk if data["driver"] else "",
        }
    return render(
        request,
        "web/pages/orders.html",
        {
            "filters": form,
            "page": page,
            "query": urlencode(query),
            "export_query": urlencode({key: value for key, value in export.items() if value}),
            "bulk": BulkForm(),
            "status_choices": OrderStatus.choices,
            "locations": _location_summary(),
        },
        status=200 if form.is_valid() else 400,
    )


def _order_input(form: OrderForm) -> validation.OrderInput | None:
    raw = form.order_raw()
    try:
        return validation.order_input_parse(
            raw, tz=tenant_time_zone(), phone_region=tenant_phone_region()
        )
    except validation.FieldErrors as errors:
        form.add_field_errors(errors.fields)
        return None


def _order_form_page(request, form: OrderForm, order: Order | None):
    return render(
        request,
        "web/pages/order_form.html",
        {"form": form, "order": order, "map_view": map_view()},
        status=400 if form.errors else 200,
    )


@page_view(roles=OPERATIONS)
def order_new(request):
    form = OrderForm(posted(request), initial={"service_minutes": "5", "priority": "0"})
    if request.method == "POST" and form.is_valid():
        data = _order_input(form)
        if data is not None:
            try:
                order = order_create(data=data, actor=actor_for(request.user), source="dashboard")
            except ApplicationError as error:
                form.add_field_errors(error.fields or {"": [error.message]})
            else:
                messages.success(
                    request,
                    _("Order for %(name)s created.") % {"name": order.recipient_name},
                )
                return redirect("order-detail", order_id=order.pk)
    return _order_form_page(request, form, None)


@page_view(roles=OPERATIONS)
def order_edit(request, order_id):
    order = get_object_or_404(Order, pk=order_id)
    initial = order_initial(order, tz=tenant_time_zone())
    form = OrderForm(posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        data = _order_input(form)
        if data is not None:
            try:
                order_update(order_id=order.pk, data=data, actor=actor_for(request.user))
            except ApplicationError as error:
                if error.fields:
                    form.add_field_errors(error.fields)
                else:
                    form.add_error(None, error.message)
            else:
                messages.success(request, _("Order saved."))
                return redirect("order-detail", order_id=order.pk)
    return _order_form_page(request, form, order)


# What the detail page offers for each status (the lifecycle of delivery.services).
ACTIONS = {
    OrderStatus.UNASSIGNED: ["assigned", "cancelled"],
    OrderStatus.ASSIGNED: ["cancelled"],
    OrderStatus.OUT_FOR_DELIVERY: ["delivered", "failed"],
    OrderStatus.FAILED: ["unassigned"],
}


@page_view(roles=OPERATIONS)
def order_detail(request, order_id):
    order = get_object_or_404(Order.objects.select_related("driver__user"), pk=order_id)
    form = TransitionForm()
    tz = tenant_time_zone()
    labels = dict(OrderStatus.choices)
    events = list(order_events(order=order))
    for event in events:
        event.to_label = labels.get(event.to_status, event.to_status)

    locale = replace(business_locale(), time_zone=tz)

    def clock(windows: list[dict]) -> list[str]:
        return [
            "–".join(
                time_text(datetime.fromisoformat(window[end]), locale) for end in ("start", "end")
            )
            for window in windows
        ]

    windows = clock(order.time_windows)
    pickup_windows = clock(order.pickup_time_windows)
    return render(
        request,
        "web/pages/order_detail.html",
        {
            "order": order,
            "windows": windows,
            "pickup_windows": pickup_windows,
            "delivered_early": delivered_early_minutes(
                windows=order.time_windows, delivered_at=order_delivered_at(order=order)
            ),
            "events": events,
            "proofs": order_proofs(order=order),
            "shopify_sync": ShopifyOrderSync.objects.filter(order=order).first(),
            "actions": ACTIONS.get(order.status, []),
            "editable": order.status
            in (OrderStatus.UNASSIGNED, OrderStatus.ASSIGNED, OrderStatus.FAILED),
            "drivers": form.fields["driver"].queryset.select_related("user"),
            "reasons": form.fields["reason"].choices[1:],
        },
    )


@page_view(roles=OPERATIONS)
@require_POST
def order_shopify_retry(request, order_id):
    """The order page's "retry the write-back now" for an order from Shopify."""
    order = get_object_or_404(Order, pk=order_id)
    try:
        shopify_sync_retry(order_id=order.pk)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The write-back to Shopify is queued again."))
    return redirect("order-detail", order_id=order.pk)


@page_view(roles=OPERATIONS)
@require_POST
def order_transition_view(request, order_id):
    order = get_object_or_404(Order, pk=order_id)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            messages.error(request, f"{field}: {' '.join(errors)}")
        return redirect("order-detail", order_id=order.pk)
    data = form.cleaned_data
    actor = actor_for(request.user)
    try:
        if data["to"] == OrderStatus.ASSIGNED and data["driver"] is not None:
            # By hand: onto the driver's route of the order's day, at the cheapest place.
            assigned = order_assign(
                order_id=order.pk, driver=data["driver"], actor=actor, note=data["note"]
            )
            messages.success(
                request,
                _("Order is now assigned: stop %(stop)s of %(driver)s's route.")
                % {"stop": assigned.sequence, "driver": data["driver"]},
            )
            return redirect("order-detail", order_id=order.pk)
        order_transition(
            order_id=order.pk,
            to=data["to"],
            actor=actor,
            reason=data["reason"],
            note=data["note"],
            driver=data["driver"],
            recipient_name=data["recipient_name"],
            delivery_date=data["delivery_date"],
        )
    except ApplicationError as error:
        details = " ".join(
            message
            for values in error.fields.values()
            for message in values
            if message != str(_("This field is required."))  # the message says what is missing
        )
        messages.error(request, f"{error.message} {details}".strip())
    else:
        messages.success(
            request,
            _("Order is now %(status)s.") % {"status": OrderStatus(data["to"]).label.lower()},
        )
    return redirect("order-detail", order_id=order.pk)


@page_view(roles=OPERATIONS)
@require_POST
def orders_bulk(request):
    """Cancel, move to another day, or re-plan the selected orders; each order on its own, and
    the page says which could not be changed and why."""
    form = BulkForm(request.POST)
    back = request.POST.get("next") or "/orders/"
    if not back.startswith("/orders/"):
        back = "/orders/"
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(back)
    action = form.cleaned_data["action"]
    if action == "locate":
        return _orders_locate(request, form, back)
    orders = list(form.cleaned_data["orders"].order_by("created_at"))
    if action == "replan":
        dates = sorted({order.delivery_date for order in orders})
        if len(dates) > 1:
            messages.error(request, _("Re-plan orders of one delivery date at a time."))
            return redirect(back)
        return redirect(f"/plan/?date={dates[0].isoformat()}")
    actor = actor_for(request.user)
    done, problems = 0, []
    for order in orders:
        try:
            if action == "cancel":
                order_transition(order_id=order.pk, to=OrderStatus.CANCELLED, actor=actor)
            else:
                order_reschedule(
                    order_id=order.pk, delivery_date=form.cleaned_data["date"], actor=actor
                )
        except ApplicationError as error:
            problems.append(f"{order.recipient_name} ({order}): {error.message}")
        else:
            done += 1
    if done:
        done_text = (
            ngettext("%(count)d order cancelled.", "%(count)d orders cancelled.", done)
            if action == "cancel"
            else ngettext("%(count)d order moved.", "%(count)d orders moved.", done)
        )
        messages.success(request, done_text % {"count": done})
    for problem in problems:
        messages.error(request, problem)
    return redirect(back)


def _orders_locate(request, form: BulkForm, back: str):
    """Look the addresses of the chosen orders (or of every order without a location) up again,
    in the background; the list shows each order's location status as the answers come."""
    if form.cleaned_data["all_unlocated"]:
        ids = list(
            Order.objects.filter(lat__isnull=True, status__in=EDITABLE_STATUSES).values_list(
                "pk", flat=True
            )
        )
    else:
        ids = [order.pk for order in form.cleaned_data["orders"]]
    try:
        sent = orders_locate_again(order_ids=ids, actor=actor_for(request.user))
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect(back)
    skipped = len(ids) - sent
    if sent:
        messages.success(
            request,
            ngettext(
                "Looking up %(count)d address in the background (about one a second); each "
                "order shows what was found. Those still not found need a pin.",
                "Looking up %(count)d addresses in the background (about one a second); each "
                "order shows what was found. Those still not found need a pin.",
                sent,
            )
            % {"count": sent},
        )
    if skipped:
        messages.info(
            request,
            ngettext(
                "%(count)d order left as it is: already located, being looked up, or no "
                "longer editable.",
                "%(count)d orders left as they are: already located, being looked up, or no "
                "longer editable.",
                skipped,
            )
            % {"count": skipped},
        )
    return redirect(back)


@page_view(roles=OPERATIONS)
def orders_import(request):
    form = ImportForm(*posted(request, files=True))
    result = rejected = None
    status = 200
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > IMPORT_MAX_BYTES:
            form.add_error("file", _("The file is larger than 10 MB."))
        else:
            try:
                result = orders_import_csv(
                    content=upload.read(),
                    actor=actor_for(request.user),
                    tz=tenant_time_zone(),
                    phone_region=tenant_phone_region(),
                    default_date=form.cleaned_data["date"],
                    partial=form.cleaned_data["partial"],
                )
            except ImportRejected as error:
                rejected = error
            except ApplicationError as error:
                if error.message == NO_DATE_MESSAGE:  # the API's ?date= is this form's field
                    form.add_error("date", IMPORT_NO_DATE)
                else:
                    for message in error.fields.get("file") or [error.message]:
                        form.add_error("file", message)
    if form.errors or rejected:
        status = 400
    return render(
        request,
        "web/pages/orders_import.html",
        {
            "form": form,
            "result": result,
            "rejected": rejected,
            "bad_rows": len({item["row"] for item in rejected.rows}) if rejected else 0,
            "errors": rejected.rows if rejected else (result.errors if result else []),
            "warnings": rejected.warnings if rejected else (result.warnings if result else []),
            "unlocated": result.unlocated if result else [],
        },
        status=status,
    )
