"""Writes of the fleet: depots, vehicles and drivers, with the rules a driver's settings obey
together (checked here, whoever saves them)."""

from django.db import models, transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from delivery.models import (
    Depot,
    Driver,
    Vehicle,
)
from tenants.accounts.models import Role, User
from tenants.errors import ApplicationError


def depot_save(*, depot: Depot | None, fields: dict) -> Depot:
    depot = depot or Depot()
    for name, value in fields.items():
        setattr(depot, name, value)
    depot.save()
    return depot


def vehicle_save(*, vehicle: Vehicle | None, fields: dict) -> Vehicle:
    vehicle = vehicle or Vehicle()
    for name, value in fields.items():
        setattr(vehicle, name, value)
    vehicle.save()
    return vehicle


def driver_save(*, driver: Driver | None, fields: dict, user: User | None = None) -> Driver:
    """Create or change a driver; a new driver needs a user whose role is driver."""
    if driver is None:
        if user is None:
            raise ApplicationError(
                "validation_error",
                _("A driver needs a user account."),
                fields={"user": [_("This field is required.")]},
            )
        if user.role != Role.DRIVER:
            raise ApplicationError(
                "validation_error",
                _("That user's role is not driver."),
                fields={
                    "user": [
                        _("%(email)s is %(role)s, not driver.")
                        % {"email": user.email, "role": user.role}
                    ]
                },
            )
        if Driver.objects.filter(user=user).exists():
            raise ApplicationError(
                "validation_error",
                _("That user is already a driver."),
                fields={
                    "user": [_("%(email)s already has a driver profile.") % {"email": user.email}]
                },
            )
        driver = Driver(user=user)
    for name, value in fields.items():
        setattr(driver, name, value)
    _driver_check(driver)
    driver.save()
    return driver


def _driver_check(driver: Driver) -> None:
    """The rules a driver's settings obey together, whoever saves them (API, page, import)."""
    if driver.open_route and driver.end_lat is not None:
        message = _("An open route ends at its last stop: leave end empty, or open_route false.")
        raise ApplicationError("validation_error", f"end: {message}", fields={"end": [message]})
    if (driver.end_lat is None) != (driver.end_lng is None) or (driver.start_lat is None) != (
        driver.start_lng is None
    ):
        message = _("A place needs both its latitude and its longitude.")
        field = "end" if (driver.end_lat is None) != (driver.end_lng is None) else "start"
        raise ApplicationError("validation_error", f"{field}: {message}", fields={field: [message]})


def fleet_delete(*, item: Depot | Vehicle | Driver) -> None:
    """Delete a depot, vehicle or driver. What history still points at (a driver's routes)
    keeps it: refused with a 409 `in_use` naming what holds it; deactivate the driver instead
    (`is_active: false`), which keeps their routes and reports and takes them out of planning."""
    try:
        with transaction.atomic():
            item.delete()
    except models.ProtectedError as error:
        counts: dict[str, int] = {}
        for held_by in error.protected_objects:
            name = held_by._meta.model_name
            counts[name] = counts.get(name, 0) + 1
        holders = ", ".join(_holders_in_words(name, count) for name, count in counts.items())
        kind = _fleet_kind_in_words(item)
        hint = (
            " " + _("Deactivate the driver instead (is_active false).")
            if isinstance(item, Driver)
            else ""
        )
        message = ngettext(
            "This %(kind)s cannot be deleted: %(holders)s still refers to it.",
            "This %(kind)s cannot be deleted: %(holders)s still refer to it.",
            len(error.protected_objects),
        ) % {"kind": kind, "holders": holders}
        raise ApplicationError("in_use", message + hint) from None


def _fleet_kind_in_words(item: Depot | Vehicle | Driver) -> str:
    if isinstance(item, Depot):
        return _("depot")
    if isinstance(item, Vehicle):
        return _("vehicle")
    return _("driver")


def _holders_in_words(model_name: str, count: int) -> str:
    """What keeps a fleet item, counted in the reader's language ("2 routes")."""
    if model_name == "route":
        return ngettext("%(count)d route", "%(count)d routes", count) % {"count": count}
    return f"{count} {model_name}"
