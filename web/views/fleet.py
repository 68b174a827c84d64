"""Settings for owners and admins: depots, vehicles and drivers (list, create, edit,
deactivate). Thin: the forms parse with delivery.validation, delivery's services save."""

from django.contrib import messages
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from delivery.models import Depot, Driver, Vehicle
from delivery.selectors import depots_list, drivers_list, vehicles_list
from delivery.services import depot_save, driver_save, vehicle_save
from tenants.accounts.models import Role
from tenants.accounts.services import user_invite
from tenants.errors import ApplicationError
from tenants.page_limits import invitation_limit_refusal
from tenants.selectors import tenant_phone_region
from web.access import MANAGERS, page_view, posted
from web.forms.fleet import (
    DepotForm,
    DriverForm,
    VehicleForm,
    driver_initial,
    weekly_initial,
)
from web.selectors.maps import map_view


def _page(request, template: str, context: dict, form) -> object:
    context = {"map_view": map_view(), **context}
    return render(request, template, context, status=400 if form.errors else 200)


# --- depots ---------------------------------------------------------------------------------------


@page_view(roles=MANAGERS)
def depots(request):
    return render(request, "web/pages/depots.html", {"depots": depots_list()})


@page_view(roles=MANAGERS)
def depot_form(request, depot_id=None):
    depot = get_object_or_404(Depot, pk=depot_id) if depot_id else None
    initial = {}
    if depot:
        initial = {
            "name": depot.name,
            "address": depot.address,
            "lat": f"{depot.lat:g}",
            "lng": f"{depot.lng:g}",
        } | weekly_initial(depot.opening_hours)
    form = DepotForm(posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        fields = form.depot_fields()
        if fields is not None:
            saved = depot_save(depot=depot, fields=fields)
            messages.success(request, _("Depot %(name)s saved.") % {"name": saved.name})
            return redirect("depots")
    return _page(
        request,
        "web/pages/fleet_form.html",
        {"form": form, "thing": "depot", "obj": depot},
        form,
    )


@page_view(roles=MANAGERS)
@require_POST
def depot_active(request, depot_id):
    depot = get_object_or_404(Depot, pk=depot_id)
    depot_save(depot=depot, fields={"is_active": not depot.is_active})
    messages.success(
        request,
        (_("%(name)s is active.") if depot.is_active else _("%(name)s is deactivated."))
        % {"name": depot.name},
    )
    return redirect("depots")


# --- vehicles -------------------------------------------------------------------------------------


@page_view(roles=MANAGERS)
def vehicles(request):
    return render(request, "web/pages/vehicles.html", {"vehicles": vehicles_list()})


@page_view(roles=MANAGERS)
def vehicle_form(request, vehicle_id=None):
    vehicle = get_object_or_404(Vehicle, pk=vehicle_id) if vehicle_id else None
    form = VehicleForm(posted(request), instance=vehicle)
    if request.method == "POST" and form.is_valid():
        saved = vehicle_save(vehicle=vehicle, fields=form.vehicle_fields())
        messages.success(request, _("Vehicle %(name)s saved.") % {"name": saved.name})
        return redirect("vehicles")
    return _page(
        request,
        "web/pages/fleet_form.html",
        {"form": form, "thing": "vehicle", "obj": vehicle},
        form,
    )


@page_view(roles=MANAGERS)
@require_POST
def vehicle_active(request, vehicle_id):
    vehicle = get_object_or_404(Vehicle, pk=vehicle_id)
    vehicle_save(vehicle=vehicle, fields={"is_active": not vehicle.is_active})
    state = _("%(name)s is active.") if vehicle.is_active else _("%(name)s is deactivated.")
    messages.success(request, state % {"name": vehicle.name})
    return redirect("vehicles")


# --- drivers --------------------------------------------------------------------------------------


@page_view(roles=MANAGERS)
def drivers(request):
    return render(request, "web/pages/drivers.html", {"drivers": drivers_list()})


@page_view(roles=MANAGERS)
def driver_form(request, driver_id=None):
    driver = (
        get_object_or_404(Driver.objects.select_related("user"), pk=driver_id)
        if driver_id
        else None
    )
    initial = driver_initial(driver) if driver else {}
    form = DriverForm(posted(request), initial=initial, creating=driver is None)
    if request.method == "POST" and form.is_valid():
        inviting = driver is None and not form.cleaned_data["user"]
        if inviting and (refusal := invitation_limit_refusal(request)) is not None:
            return refusal
        fields = form.driver_fields(region=tenant_phone_region())
        if fields is not None:
            try:
                with transaction.atomic():
                    user = None
                    if driver is None:
                        user = form.cleaned_data["user"] or user_invite(
                            actor=request.user,
                            email=form.cleaned_data["email"],
                            role=Role.DRIVER,
                            full_name=form.cleaned_data["full_name"],
                        )
                    saved = driver_save(driver=driver, fields=fields, user=user)
            except ApplicationError as error:
                target = next((name for name in error.fields if name in form.fields), None)
                if target is None and "email" in form.fields:
                    target = "email"
                form.add_error(target, error.message)
            else:
                return _driver_saved(request, saved, invited=inviting)
    return _page(
        request,
        "web/pages/fleet_form.html",
        {"form": form, "thing": "driver", "obj": driver},
        form,
    )


def _driver_saved(request, driver: Driver, *, invited: bool):
    """Say what happened to the driver's sign-in; a new invitee's next stop is their invitation
    (copy the link, show the QR code, text it)."""
    if invited:
        messages.success(
            request,
            _(
                "Driver %(driver)s added. An invitation e-mail is on its way to %(email)s; "
                "you can also text them the link or show them the QR code below."
            )
            % {"driver": driver, "email": driver.user.email},
        )
        return redirect("driver-invitation", driver_id=driver.pk)
    messages.success(request, _("Driver %(driver)s saved.") % {"driver": driver})
    return redirect("drivers")


@page_view(roles=MANAGERS)
@require_POST
def driver_active(request, driver_id):
    driver = get_object_or_404(Driver.objects.select_related("user"), pk=driver_id)
    driver_save(driver=driver, fields={"is_active": not driver.is_active})
    state = _("%(name)s is active.") if driver.is_active else _("%(name)s is deactivated.")
    messages.success(request, state % {"name": driver})
    return redirect("drivers")
