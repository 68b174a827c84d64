"""Writes of the fleet: depots, vehicles and drivers, with the rules a driver's settings obey
together (checked here, whoever saves them)."""

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
                "A driver needs a user account.",
                fields={"user": ["This field is required."]},
            )
        if user.role != Role.DRIVER:
            raise ApplicationError(
                "validation_error",
                "That user's role is not driver.",
                fields={"user": [f"{user.email} is {user.role}, not driver."]},
            )
        if Driver.objects.filter(user=user).exists():
            raise ApplicationError(
                "validation_error",
                "That user is already a driver.",
                fields={"user": [f"{user.email} already has a driver profile."]},
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
        message = "An open route ends at its last stop: leave end empty, or open_route false."
        raise ApplicationError("validation_error", f"end: {message}", fields={"end": [message]})
    if (driver.end_lat is None) != (driver.end_lng is None) or (driver.start_lat is None) != (
        driver.start_lng is None
    ):
        message = "A place needs both its latitude and its longitude."
        field = "end" if (driver.end_lat is None) != (driver.end_lng is None) else "start"
        raise ApplicationError("validation_error", f"{field}: {message}", fields={field: [message]})
