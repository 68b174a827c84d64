"""Customers: the list (search), create/edit, the detail page (places, standing orders, what is
coming, the delivery history with proofs and messages), standing-order forms and actions, the
CSV import; and the recipient's "not this week" on the tracking page. Thin: forms collect,
delivery.customers decides."""

import contextlib
from datetime import timedelta

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import dateformat
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from delivery.customers.csv_io import MAX_BYTES, customers_import_csv
from delivery.customers.models import Customer, Occurrence, StandingOrder
from delivery.customers.selectors import (
    customer_delivery_counts,
    customer_messages,
    customer_orders,
    customer_upcoming,
    customers_list,
    occurrence_for_order,
)
from delivery.customers.services import customer_create, customer_update
from delivery.customers.standing import (
    SHOP_DRIVEN,
    SKIPPABLE_STATUSES,
    business_today,
    occurrence_skip,
    standing_order_create,
    standing_order_pause,
    standing_order_update,
)
from delivery.customers.validation import customer_input_parse, standing_order_input_parse
from delivery.models import Order
from delivery.validation import FieldErrors, date_parse
from routing.customer_reports import customer_report, round_view
from tenants.actors import actor_for, system_actor
from tenants.errors import ApplicationError
from tenants.locale import WEEKDAY_CODES, weekday_choices
from tenants.selectors import tenant_phone_region
from tracking.selectors import order_for_token
from web.access import OPERATIONS, page_view, posted
from web.forms.customers import (
    CUSTOMER_ERROR_FIELDS,
    STANDING_ERROR_FIELDS,
    CustomerForm,
    CustomerImportForm,
    CustomerSearchForm,
    StandingOrderForm,
    customer_initial,
    errors_onto,
    standing_order_initial,
)

PAGE_SIZE = 50


@page_view(roles=OPERATIONS)
def customer_list(request):
    form = CustomerSearchForm(request.GET)
    term = form.cleaned_data["q"] if form.is_valid() else ""
    page = Paginator(customers_list(filters={"q": term}), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "web/customers/list.html", {"search": form, "page": page, "term": term})


def _place_dicts(customer: Customer | None) -> list[dict]:
    """The places after the first, unchanged, in the parser's shape (the form edits the first)."""
    if customer is None:
        return []
    return [
        {
            "label": place.label,
            "address": place.address,
            "location": {"lat": place.lat, "lng": place.lng} if place.lat is not None else None,
            "instructions": place.instructions,
            "access_notes": place.access_notes,
            "time_windows": place.time_windows,
            "weekdays": place.weekdays,
        }
        for place in list(customer.places.all())[1:]
    ]


@page_view(roles=OPERATIONS)
def customer_form(request, customer_id=None):
    customer = get_object_or_404(Customer, pk=customer_id) if customer_id else None
    initial = customer_initial(customer) if customer else {"notify_sms": True, "notify_email": True}
    form = CustomerForm(posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            data = customer_input_parse(
                form.raw(keep_places=_place_dicts(customer)), phone_region=tenant_phone_region()
            )
            if customer is None:
                saved = customer_create(data=data)
            else:
                saved = customer_update(customer_id=customer.pk, data=data)
        except FieldErrors as errors:
            errors_onto(form, errors.fields, CUSTOMER_ERROR_FIELDS)
        except ApplicationError as error:
            errors_onto(form, error.fields or {"": [error.message]}, CUSTOMER_ERROR_FIELDS)
        else:
            messages.success(request, _("Customer %(name)s saved.") % {"name": saved.name})
            return redirect("customer-detail", customer_id=saved.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "web/customers/form.html", {"form": form, "customer": customer}, status=status
    )


@page_view(roles=OPERATIONS)
def customer_detail(request, customer_id):
    customer = get_object_or_404(Customer.objects.prefetch_related("places"), pk=customer_id)
    today = business_today()
    history = Paginator(customer_orders(customer=customer), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "web/customers/detail.html",
        {
            "customer": customer,
            "places": customer.places.all(),
            "standing_orders": customer.standing_orders.select_related("place"),
            "upcoming": customer_upcoming(customer=customer, since=today)[:30],
            "history": history,
            "counts": customer_delivery_counts(customer=customer),
            "sent": customer_messages(customer=customer)[:30],
            "skippable": SKIPPABLE_STATUSES,
            "report": customer_report(customer_id=customer.pk),
        },
    )


@page_view(roles=OPERATIONS)
def customer_rounds(request):
    """The same weekday's stops over the weeks: the business's regular rounds."""
    today = business_today()
    try:
        weekday = int(request.GET.get("weekday", today.weekday()))
        weeks = int(request.GET.get("weeks", 6))
    except ValueError:
        weekday, weeks = today.weekday(), 6
    weekday, weeks = min(max(weekday, 0), 6), min(max(weeks, 1), 12)
    # Up to the coming occurrence of that weekday (what is already generated shows too).
    until = today + timedelta(days=(weekday - today.weekday()) % 7)
    view = round_view(weekday=weekday, until=until, weeks=weeks)
    return render(
        request,
        "web/customers/rounds.html",
        {
            "round": view,
            "weekday": weekday,
            "weeks": weeks,
            # (number, name): 0 is Monday, as date.weekday(); in the business's week order
            "weekdays": [(WEEKDAY_CODES.index(code), name) for code, name in weekday_choices()],
            "rows": [(name, [cells.get(day) for day in view.dates]) for name, cells in view.rows],
        },
    )


@page_view(roles=OPERATIONS)
def standing_order_form(request, customer_id, standing_order_id=None):
    customer = get_object_or_404(Customer, pk=customer_id)
    standing = (
        get_object_or_404(StandingOrder, pk=standing_order_id, customer=customer)
        if standing_order_id
        else None
    )
    places = list(customer.places.all())
    initial = (
        standing_order_initial(standing)
        if standing
        else {"start_date": business_today().isoformat(), "interval_weeks": 1}
    )
    form = StandingOrderForm(posted(request), initial=initial, places=places)
    if request.method == "POST" and form.is_valid():
        place = next((p for p in places if str(p.pk) == form.cleaned_data["place"]), None)
        try:
            if place is None:
                raise ApplicationError(
                    "validation_error", "Add a place first.", fields={"place": ["Pick a place."]}
                )
            data = standing_order_input_parse(form.raw())
            if standing is None:
                standing = standing_order_create(customer_id=customer.pk, place=place, data=data)
            else:
                standing = standing_order_update(
                    standing_order_id=standing.pk,
                    data=data,
                    place=place,
                    actor=actor_for(request.user),
                )
        except FieldErrors as errors:
            errors_onto(form, errors.fields, STANDING_ERROR_FIELDS)
        except ApplicationError as error:
            errors_onto(form, error.fields or {"": [error.message]}, STANDING_ERROR_FIELDS)
        else:
            messages.success(request, _("Standing order saved; its coming orders are made."))
            return redirect("customer-detail", customer_id=customer.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "web/customers/standing_order_form.html",
        {"form": form, "customer": customer, "standing": standing},
        status=status,
    )


@page_view(roles=OPERATIONS)
@require_POST
def standing_order_skip(request, standing_order_id):
    standing = get_object_or_404(StandingOrder, pk=standing_order_id)
    try:
        day = date_parse(request.POST.get("date", ""))
        occurrence_skip(
            standing_order_id=standing.pk,
            day=day,
            reason=Occurrence.SkipReason.DISPATCHER,
            actor=actor_for(request.user),
        )
    except (ValueError, ApplicationError) as error:
        messages.error(request, getattr(error, "message", str(error)))
    else:
        messages.success(
            request,
            _("The delivery of %(day)s is skipped.") % {"day": dateformat.format(day, "D d M")},
        )
    return redirect("customer-detail", customer_id=standing.customer_id)


@page_view(roles=OPERATIONS)
@require_POST
def standing_order_pause_view(request, standing_order_id):
    standing = get_object_or_404(StandingOrder, pk=standing_order_id)
    paused = not standing.is_paused
    standing_order_pause(
        standing_order_id=standing.pk, paused=paused, actor=actor_for(request.user)
    )
    messages.success(
        request, _("Standing order paused.") if paused else _("Standing order resumed.")
    )
    return redirect("customer-detail", customer_id=standing.customer_id)


@page_view(roles=OPERATIONS)
def customers_import(request):
    data, files = posted(request, files=True)
    form = CustomerImportForm(data, files)
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            if upload.size > MAX_BYTES:
                raise ApplicationError(
                    "payload_too_large",
                    _("The file is larger than %(size)s MB.")
                    % {"size": MAX_BYTES // (1024 * 1024)},
                )
            result = customers_import_csv(content=upload.read(), phone_region=tenant_phone_region())
        except ApplicationError as error:
            form.add_error("file", error.message)
    return render(request, "web/customers/import.html", {"form": form, "result": result})


# --- the recipient's tracking page --------------------------------------------------------------


def skippable_occurrence(order: Order) -> Occurrence | None:
    """The standing-order occurrence the recipient may still skip from the tracking page."""
    if order.status not in SKIPPABLE_STATUSES or order.delivery_date <= business_today():
        return None
    occurrence = occurrence_for_order(order=order)
    if occurrence is None or occurrence.status != Occurrence.Status.GENERATED:
        return None
    if occurrence.standing_order.source == SHOP_DRIVEN:
        return None  # a shop's subscription: skipped in the shop, which then sends no order
    return occurrence


# No CSRF cookie check: the unguessable token in the path is the credential (another site cannot
# forge this request without it), and the page's `Referrer-Policy: no-referrer` makes browsers
# send `Origin: null`, which Django's check refuses.
@csrf_exempt
@require_POST
def tracking_skip(request, token: str):
    """ "Not this week" from /t/<token>/: the token is the only credential."""
    order = order_for_token(token=token)
    if order is None:
        raise Http404
    occurrence = skippable_occurrence(order)
    if occurrence is not None:
        # On its way meanwhile (order_locked): the page then shows the order as it is.
        with contextlib.suppress(ApplicationError):
            occurrence_skip(
                standing_order_id=occurrence.standing_order_id,
                day=occurrence.date,
                reason=Occurrence.SkipReason.RECIPIENT,
                actor=system_actor("recipient (tracking page)"),
            )
    response = redirect("tracking-page", token=token)
    response["Cache-Control"] = "private, no-store, max-age=0"
    response["Referrer-Policy"] = "no-referrer"
    return response
