"""`/api/v1/depots/`, `/api/v1/vehicles/`, `/api/v1/drivers/`: shapes, validation, roles, DELETE."""

import json
import uuid
from datetime import UTC, datetime

import pytest

from delivery.models import Depot, Driver, Vehicle
from delivery.services import driver_save, order_transition
from delivery.tests.factories import TEST_ACTOR, make_depot, make_driver, make_order, make_vehicle
from tenants.accounts.models import Role, User
from tenants.errors import ApplicationError
from tenants.models import Tenant

DEPOTS, VEHICLES, DRIVERS = "/api/v1/depots/", "/api/v1/vehicles/", "/api/v1/drivers/"
MANAGERS_ONLY = "Only an owner or admin may do this."
OPERATIONS_ONLY = "Only an owner, admin or dispatcher may do this."


def send(client, method: str, path: str, body=None):
    return getattr(client, method)(path, data=json.dumps(body), content_type="application/json")


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def error(code: str, message: str, fields: dict | None = None) -> dict:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def invalid(fields: dict) -> dict:
    """The 400 body for `fields`; the message names the first field."""
    name, messages = next(iter(fields.items()))
    return error("validation_error", f"{name}: {messages[0]}" + _more(fields), fields)


def _more(fields: dict) -> str:
    more = len(fields) - 1
    return f" (and {more} more field{'s' if more > 1 else ''})" if more else ""


def rows(world, model) -> list[tuple]:
    with world.use():
        return list(model.objects.order_by("pk").values_list())


def results(response) -> list[str]:
    return [item["id"] for item in response.json()["results"]]


UTRECHT_DEPOT = {
    "name": "Utrecht depot",
    "address": "Cartesiusweg 90, 3534 BD Utrecht",
    "location": {"lat": 52.0977, "lng": 5.0934},
    "opening_hours": {
        "mon": [{"start": "7:00", "end": "12:00"}, {"start": "13:00", "end": "18:00"}],
        "sat": [{"start": "08:00", "end": "12:00"}],
    },
}


# --- depots ----------------------------------------------------------------------------------


def test_create_a_depot(tenant_a):
    response = send(tenant_a.api(), "post", DEPOTS, UTRECHT_DEPOT)

    assert response.status_code == 201
    with tenant_a.use():
        depot = Depot.objects.get()
    assert response.json() == {
        "id": str(depot.pk),
        "name": "Utrecht depot",
        "address": "Cartesiusweg 90, 3534 BD Utrecht",
        "location": {"lat": 52.0977, "lng": 5.0934},
        "opening_hours": {
            "mon": [{"start": "07:00", "end": "12:00"}, {"start": "13:00", "end": "18:00"}],
            "sat": [{"start": "08:00", "end": "12:00"}],
        },
        "is_active": True,
        "created_at": iso(depot.created_at),
        "updated_at": iso(depot.updated_at),
    }
    assert (depot.lat, depot.lng) == (52.0977, 5.0934)


@pytest.mark.parametrize(
    ("change", "fields"),
    [
        ({"location": None}, {"location": ["This field may not be null."]}),
        (
            {"location": {"lat": 0, "lng": 0}},
            {"location": ["(0, 0) is in the ocean, not a delivery address."]},
        ),
        (
            {"location": {"lat": 91, "lng": 5}},
            {"location.lat": ["Ensure this value is less than or equal to 90."]},
        ),
        ({"location": {"lat": 52}}, {"location.lng": ["This field is required."]}),
        (
            {"location": {"lat": 52, "lng": 5, "alt": 3}},
            {"location.alt": ["Unknown field."]},
        ),
        ({"name": ""}, {"name": ["This field may not be blank."]}),
        (
            {"opening_hours": {"mon": {"start": "07:00", "end": "18:00"}}},
            {"opening_hours": ['mon: must be a list of {"start", "end"}.']},
        ),
        (
            {"opening_hours": {"monday": [{"start": "07:00", "end": "18:00"}]}},
            {"opening_hours": ["Unknown weekday 'monday'; use mon, tue, wed, thu, fri, sat, sun."]},
        ),
        (
            {"opening_hours": {"tue": [{"start": "18:00", "end": "07:00"}]}},
            {"opening_hours": ["tue: end must be after start."]},
        ),
        (
            {"opening_hours": {"wed": [{"start": "7h", "end": "18:00"}]}},
            {"opening_hours": ["Not a time of day: '7h'; use HH:MM."]},
        ),
        (
            {"opening_hours": {"thu": [{"open": "07:00", "close": "18:00"}]}},
            {"opening_hours": ['thu: must be {"start": "HH:MM", "end": "HH:MM"}.']},
        ),
        (
            {"opening_hours": ["mon"]},
            {"opening_hours": ['Must be an object keyed by weekday ("mon" … "sun").']},
        ),
        ({"colour": "blue"}, {"colour": ["Unknown field."]}),
    ],
)
def test_depot_validation(tenant_a, change, fields):
    response = send(tenant_a.api(), "post", DEPOTS, {**UTRECHT_DEPOT, **change})

    assert response.status_code == 400
    assert response.json() == invalid(fields)
    assert rows(tenant_a, Depot) == []


def test_depot_hours_in_the_12_hour_clock_are_read_and_kept_as_hh_mm(tenant_a):
    hours = {"wed": [{"start": "7 am", "end": "6:30 PM"}]}

    response = send(tenant_a.api(), "post", DEPOTS, {**UTRECHT_DEPOT, "opening_hours": hours})

    assert response.status_code == 201
    assert response.json()["opening_hours"] == {"wed": [{"start": "07:00", "end": "18:30"}]}


def test_a_depot_needs_a_location(tenant_a):
    body = {key: value for key, value in UTRECHT_DEPOT.items() if key != "location"}

    response = send(tenant_a.api(), "post", DEPOTS, body)

    assert response.status_code == 400
    assert response.json() == invalid({"location": ["This field is required."]})


def test_change_a_depot(tenant_a):
    with tenant_a.use():
        depot = make_depot()
    client = tenant_a.api()

    renamed = send(client, "patch", f"{DEPOTS}{depot.pk}/", {"name": "Amsterdam hub"})
    moved = send(
        client, "patch", f"{DEPOTS}{depot.pk}/", {"location": {"lat": 52.3791, "lng": 4.9003}}
    )
    replaced = send(client, "put", f"{DEPOTS}{depot.pk}/", UTRECHT_DEPOT)

    assert (renamed.status_code, moved.status_code, replaced.status_code) == (200, 200, 200)
    assert (renamed.json()["name"], renamed.json()["location"]) == (
        "Amsterdam hub",
        {"lat": 52.3738, "lng": 4.891},
    )
    assert moved.json()["location"] == {"lat": 52.3791, "lng": 4.9003}
    with tenant_a.use():
        depot.refresh_from_db()
    assert (depot.name, depot.lat, depot.lng, depot.opening_hours["sat"]) == (
        "Utrecht depot",
        52.0977,
        5.0934,
        [{"start": "08:00", "end": "12:00"}],
    )


@pytest.mark.parametrize(
    ("change", "fields"),
    [
        ({"location": {"lat": 52.1}}, {"location": ["Give both lat and lng."]}),
        ({"location": {"lng": 5.1}}, {"location": ["Give both lat and lng."]}),
        (
            {"location": {"lat": 0, "lng": 0}},
            {"location": ["(0, 0) is in the ocean, not a delivery address."]},
        ),
        (
            {"opening_hours": {"sun": [{"start": "10:00", "end": "10:00"}]}},
            {"opening_hours": ["sun: end must be after start."]},
        ),
    ],
)
def test_a_refused_depot_change_changes_nothing(tenant_a, change, fields):
    with tenant_a.use():
        depot = make_depot()
    before = rows(tenant_a, Depot)

    response = send(tenant_a.api(), "patch", f"{DEPOTS}{depot.pk}/", change)

    assert response.status_code == 400
    assert response.json() == invalid(fields)
    assert rows(tenant_a, Depot) == before


def test_delete_a_depot_keeps_its_vehicles(tenant_a):
    with tenant_a.use():
        depot = make_depot()
        vehicle = make_vehicle(depot=depot)

    response = tenant_a.api().delete(f"{DEPOTS}{depot.pk}/")
    again = tenant_a.api().delete(f"{DEPOTS}{depot.pk}/")

    assert response.status_code == 204
    assert again.status_code == 404
    with tenant_a.use():
        assert not Depot.objects.exists()
        vehicle.refresh_from_db()
    assert vehicle.depot_id is None


# --- vehicles --------------------------------------------------------------------------------


def test_create_a_vehicle(tenant_a):
    with tenant_a.use():
        depot = make_depot()

    response = send(
        tenant_a.api(),
        "post",
        VEHICLES,
        {
            "name": "Van 1",
            "capacity": {"weight_kg": 750.5, "items": 120},
            "skills": ["Fridge", " FRIDGE", "Tail Lift"],
            "profile": "van",
            "fuel": "electric",
            "depot": str(depot.pk),
        },
    )

    assert response.status_code == 201
    with tenant_a.use():
        vehicle = Vehicle.objects.get()
    assert response.json() == {
        "id": str(vehicle.pk),
        "name": "Van 1",
        "capacity": {"weight_kg": 750.5, "volume_l": None, "items": 120},
        "skills": ["fridge", "tail-lift"],
        "profile": "van",
        "fuel": "electric",
        "depot": str(depot.pk),
        "is_active": True,
        "created_at": iso(vehicle.created_at),
        "updated_at": iso(vehicle.updated_at),
    }


def test_a_vehicle_with_only_a_name_gets_the_defaults(tenant_a):
    response = send(tenant_a.api(), "post", VEHICLES, {"name": "Cargo bike"})

    assert response.status_code == 201
    body = response.json()
    assert (body["capacity"], body["skills"], body["profile"], body["fuel"], body["depot"]) == (
        {"weight_kg": None, "volume_l": None, "items": None},
        [],
        "van",
        "diesel",
        None,
    )


@pytest.mark.parametrize("profile", ["car", "van", "truck", "bike", "cargo_bike", "walk"])
@pytest.mark.parametrize("fuel", ["petrol", "diesel", "electric", "none"])
def test_every_profile_and_fuel(tenant_a, profile, fuel):
    response = send(
        tenant_a.api(), "post", VEHICLES, {"name": "V", "profile": profile, "fuel": fuel}
    )

    assert response.status_code == 201
    assert (response.json()["profile"], response.json()["fuel"]) == (profile, fuel)


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"name": "V", "profile": "rocket"}, {"profile": ['"rocket" is not a valid choice.']}),
        ({"name": "V", "fuel": "coal"}, {"fuel": ['"coal" is not a valid choice.']}),
        (
            {"name": "V", "capacity": {"weight_kg": -1}},
            {"capacity.weight_kg": ["Ensure this value is greater than or equal to 0."]},
        ),
        (
            {"name": "V", "capacity": {"volume_l": "lots"}},
            {"capacity.volume_l": ["A valid number is required."]},
        ),
        (
            {"name": "V", "capacity": {"items": 3_000_000_000}},
            {"capacity.items": ["Ensure this value is less than or equal to 1000000."]},
        ),
        (
            {"name": "V", "capacity": {"weight": 500}},  # a typo must not mean "no capacity"
            {"capacity.weight": ["Unknown field."]},
        ),
        (
            {"name": "V", "capacity": "big"},
            {"capacity.non_field_errors": ["Invalid data. Expected a dictionary, but got str."]},
        ),
        (
            {"name": "V", "skills": ["x" * 51]},
            {"skills.0": ["Ensure this field has no more than 50 characters."]},
        ),
        (
            {"name": "V", "skills": "fridge"},
            {"skills": ['Expected a list of items but got type "str".']},
        ),
        (
            {"name": "V", "depot": "00000000-0000-0000-0000-000000000001"},
            {
                "depot": [
                    'Invalid pk "00000000-0000-0000-0000-000000000001" - object does not exist.'
                ]
            },
        ),
        ({"capacity": {"items": 3}}, {"name": ["This field is required."]}),
        (
            {"name": "V", "seats": 2, "capacity": {"pallets": 3}},
            {"seats": ["Unknown field."], "capacity.pallets": ["Unknown field."]},
        ),
    ],
)
def test_vehicle_validation(tenant_a, body, fields):
    response = send(tenant_a.api(), "post", VEHICLES, body)

    assert response.status_code == 400
    assert response.json() == invalid(fields)
    assert rows(tenant_a, Vehicle) == []


def test_a_depot_of_another_business_is_no_depot(tenant_a, tenant_b):
    with tenant_b.use():
        elsewhere = make_depot()

    response = send(tenant_a.api(), "post", VEHICLES, {"name": "V", "depot": str(elsewhere.pk)})

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "depot": [f'Invalid pk "{elsewhere.pk}" - object does not exist.']
    }


def test_change_and_delete_a_vehicle(tenant_a):
    with tenant_a.use():
        vehicle = make_vehicle()
        driver = make_driver(default_vehicle=vehicle)
    client = tenant_a.api()

    changed = send(
        client,
        "patch",
        f"{VEHICLES}{vehicle.pk}/",
        {"capacity": {"volume_l": 3000}, "skills": ["Frozen"]},
    )
    round_trip = send(client, "put", f"{VEHICLES}{vehicle.pk}/", changed.json())
    deleted = client.delete(f"{VEHICLES}{vehicle.pk}/")

    assert changed.status_code == 200
    assert (changed.json()["capacity"], changed.json()["skills"]) == (
        {"weight_kg": 500.0, "volume_l": 3000.0, "items": 200},
        ["frozen"],
    )
    assert round_trip.status_code == 200  # what GET shows may be sent back as it is
    assert deleted.status_code == 204
    with tenant_a.use():
        assert not Vehicle.objects.exists()
        driver.refresh_from_db()
    assert driver.default_vehicle_id is None


# --- drivers ---------------------------------------------------------------------------------


@pytest.fixture
def driver_user(tenant_a) -> User:
    return tenant_a.users[Role.DRIVER]


def test_create_a_driver(tenant_a, driver_user):
    with tenant_a.use():
        depot = make_depot()
        vehicle = make_vehicle()

    response = send(
        tenant_a.api(),
        "post",
        DRIVERS,
        {
            "user": str(driver_user.pk),
            "phone": "+31 6 12345678",
            "default_vehicle": str(vehicle.pk),
            "depot": str(depot.pk),
            "shifts": {
                "mon": {"start": "8:00", "end": "16:30"},
                "sat": {"start": "09:00", "end": "13:00"},
            },
            "skills": ["Fridge", "fridge"],
            "start": {"address": "Home, Lombok", "lat": 52.0935, "lng": 5.1006},
            "end": None,
        },
    )

    assert response.status_code == 201
    with tenant_a.use():
        driver = Driver.objects.get()
    assert response.json() == {
        "id": str(driver.pk),
        "user": str(driver_user.pk),
        "name": "Driver",
        "email": "driver@alpha.test",
        "phone": "+31612345678",
        "default_vehicle": str(vehicle.pk),
        "depot": str(depot.pk),
        "shifts": {
            "mon": {"start": "08:00", "end": "16:30"},
            "sat": {"start": "09:00", "end": "13:00"},
        },
        "breaks": [],
        "max_stops": None,
        "max_drive_minutes": None,
        "skills": ["fridge"],
        "start": {"address": "Home, Lombok", "lat": 52.0935, "lng": 5.1006},
        "end": None,
        "open_route": False,
        "is_active": True,
        "created_at": iso(driver.created_at),
        "updated_at": iso(driver.updated_at),
    }


def test_a_driver_needs_a_user_whose_role_is_driver(tenant_a, tenant_b, driver_user):
    with tenant_a.use():
        driver_save(driver=None, fields={}, user=driver_user)
    before = rows(tenant_a, Driver)
    other_business_user = tenant_b.users[Role.DRIVER]
    client = tenant_a.api()

    missing = send(client, "post", DRIVERS, {"phone": "+31612345678"})
    dispatcher = send(client, "post", DRIVERS, {"user": str(tenant_a.users[Role.DISPATCHER].pk)})
    unknown = send(client, "post", DRIVERS, {"user": str(other_business_user.pk)})
    twice = send(client, "post", DRIVERS, {"user": str(driver_user.pk)})

    assert missing.json() == error(
        "validation_error", "A driver needs a user account.", {"user": ["This field is required."]}
    )
    assert dispatcher.json() == error(
        "validation_error",
        "That user's role is not driver.",
        {"user": ["dispatcher@alpha.test is dispatcher, not driver."]},
    )
    assert unknown.json() == invalid({"user": ["No such user."]})
    assert twice.json() == error(
        "validation_error",
        "That user is already a driver.",
        {"user": ["driver@alpha.test already has a driver profile."]},
    )
    for response in (missing, dispatcher, unknown, twice):
        assert response.status_code == 400
    assert rows(tenant_a, Driver) == before


@pytest.mark.parametrize(
    ("change", "fields"),
    [
        (
            {"phone": "06 12345678"},
            {"phone": ["Not a phone number. Write it with its country code, e.g. +31 6 12345678."]},
        ),
        ({"phone": "+31 6 123"}, {"phone": ["Not a valid phone number."]}),
        (
            {"shifts": {"mon": [{"start": "08:00", "end": "16:00"}]}},
            {"shifts": ['mon: must be {"start": "HH:MM", "end": "HH:MM"}.']},
        ),
        (
            {"shifts": {"fri": {"start": "17:00", "end": "09:00"}}},
            {"shifts": ["fri: end must be after start."]},
        ),
        (
            {"shifts": {"someday": {"start": "08:00", "end": "09:00"}}},
            {"shifts": ["Unknown weekday 'someday'; use mon, tue, wed, thu, fri, sat, sun."]},
        ),
        ({"shifts": "9 to 5"}, {"shifts": ['Must be an object keyed by weekday ("mon" … "sun").']}),
        (
            {"start": {"lat": 0, "lng": 0}},
            {"start": ["(0, 0) is in the ocean, not a delivery address."]},
        ),
        ({"end": {"lat": 52.1}}, {"end.lng": ["This field is required."]}),
        (
            {"end": {"lat": 52.1, "lng": 200}},
            {"end.lng": ["Ensure this value is less than or equal to 180."]},
        ),
        ({"default_vehicle": str(uuid.UUID(int=7))}, {"default_vehicle": ["No such vehicle."]}),
        ({"depot": str(uuid.UUID(int=7))}, {"depot": ["No such depot."]}),
        ({"skills": [{"name": "fridge"}]}, {"skills.0": ["Not a valid string."]}),
        ({"vehicle": "Van 1"}, {"vehicle": ["Unknown field."]}),
    ],
)
def test_driver_validation(tenant_a, driver_user, change, fields):
    response = send(tenant_a.api(), "post", DRIVERS, {"user": str(driver_user.pk), **change})

    assert response.status_code == 400
    assert response.json() == invalid(fields)
    assert rows(tenant_a, Driver) == []


def test_national_phone_numbers_use_the_business_country(tenant_a, driver_user):
    with tenant_a.use():
        Tenant.objects.filter(pk=tenant_a.tenant.pk).update(country="NL")

    response = send(
        tenant_a.api(), "post", DRIVERS, {"user": str(driver_user.pk), "phone": "06-12345678"}
    )

    assert response.status_code == 201
    assert response.json()["phone"] == "+31612345678"


def test_change_a_driver(tenant_a):
    with tenant_a.use():
        driver = make_driver(start_address="Home", start_lat=52.09, start_lng=5.1)
    client = tenant_a.api()

    changed = send(
        client,
        "patch",
        f"{DRIVERS}{driver.pk}/",
        {"phone": "+31 6 87654321", "end": {"lat": 52.1, "lng": 5.12}, "is_active": False},
    )
    cleared = send(client, "patch", f"{DRIVERS}{driver.pk}/", {"start": None})

    assert changed.status_code == cleared.status_code == 200
    assert (changed.json()["phone"], changed.json()["end"], changed.json()["is_active"]) == (
        "+31687654321",
        {"address": "", "lat": 52.1, "lng": 5.12},
        False,
    )
    assert changed.json()["start"] == {"address": "Home", "lat": 52.09, "lng": 5.1}
    assert cleared.json()["start"] is None
    with tenant_a.use():
        driver.refresh_from_db()
    assert (driver.start_address, driver.start_lat, driver.start_lng) == ("", None, None)


def test_what_the_api_shows_of_a_driver_may_be_sent_back(tenant_a):
    with tenant_a.use():
        vehicle = make_vehicle()
        driver = make_driver(
            phone="+31612345678",
            default_vehicle=vehicle,
            shifts={"mon": {"start": "08:00", "end": "17:00"}},
            start_address="Home",
            start_lat=52.09,
            start_lng=5.1,
        )
    client = tenant_a.api()
    shown = client.get(f"{DRIVERS}{driver.pk}/").json()

    response = send(client, "put", f"{DRIVERS}{driver.pk}/", shown)

    assert response.status_code == 200
    assert {**response.json(), "updated_at": None} == {**shown, "updated_at": None}


@pytest.mark.parametrize(
    ("change", "fields"),
    [
        ({"start": {"lat": 52.1}}, {"start": ["Give both lat and lng."]}),
        ({"end": {"address": "Depot"}}, {"end": ["Give both lat and lng."]}),
        (
            {"phone": "nope"},
            {"phone": ["Not a phone number. Write it with its country code, e.g. +31 6 12345678."]},
        ),
    ],
)
def test_a_refused_driver_change_changes_nothing(tenant_a, change, fields):
    with tenant_a.use():
        driver = make_driver()
    before = rows(tenant_a, Driver)

    response = send(tenant_a.api(), "patch", f"{DRIVERS}{driver.pk}/", change)

    assert response.status_code == 400
    assert response.json() == invalid(fields)
    assert rows(tenant_a, Driver) == before


def test_a_drivers_user_cannot_change(tenant_a, driver_user):
    with tenant_a.use():
        driver = make_driver()
    before = rows(tenant_a, Driver)

    response = send(tenant_a.api(), "put", f"{DRIVERS}{driver.pk}/", {"user": str(driver_user.pk)})

    assert response.status_code == 400
    assert response.json() == error(
        "validation_error",
        "A driver's user cannot change.",
        {"user": ["A driver's user cannot change."]},
    )
    assert rows(tenant_a, Driver) == before


def test_delete_a_driver_unassigns_nothing_else(tenant_a):
    with tenant_a.use():
        driver = make_driver()
        order = make_order()
        order_transition(order_id=order.pk, to="assigned", actor=TEST_ACTOR, driver=driver)

    response = tenant_a.api().delete(f"{DRIVERS}{driver.pk}/")

    assert response.status_code == 204
    with tenant_a.use():
        order.refresh_from_db()
        assert not Driver.objects.exists()
        assert User.objects.filter(email="van.driver@example.test").exists()
    assert (order.status, order.driver_id) == ("assigned", None)


# --- who may do what -------------------------------------------------------------------------


def test_a_driver_reads_only_their_own_record(tenant_a, driver_user):
    with tenant_a.use():
        own = driver_save(driver=None, fields={"phone": "+31612345678"}, user=driver_user)
        colleague = make_driver()
    client = tenant_a.browser(Role.DRIVER)

    listing = client.get(DRIVERS)
    mine = client.get(f"{DRIVERS}{own.pk}/")
    theirs = client.get(f"{DRIVERS}{colleague.pk}/")

    assert results(listing) == [str(own.pk)]
    assert mine.status_code == 200
    assert mine.json()["phone"] == "+31612345678"
    assert theirs.status_code == 404
    assert theirs.json() == error("not_found", "Not found.")


def test_a_driver_reads_no_depots_nor_vehicles(tenant_a):
    with tenant_a.use():
        depot = make_depot()
        vehicle = make_vehicle()
    client = tenant_a.browser(Role.DRIVER)

    for path in (DEPOTS, f"{DEPOTS}{depot.pk}/", VEHICLES, f"{VEHICLES}{vehicle.pk}/"):
        response = client.get(path)
        assert response.status_code == 403, path
        assert response.json() == error("permission_denied", OPERATIONS_ONLY)


def test_a_dispatcher_reads_everything(tenant_a, driver_user):
    with tenant_a.use():
        depot = make_depot()
        vehicle = make_vehicle()
        first = driver_save(driver=None, fields={}, user=driver_user)
        second = make_driver()

    for client in (tenant_a.browser(Role.DISPATCHER), tenant_a.api(key=tenant_a.dispatcher_key)):
        assert results(client.get(DEPOTS)) == [str(depot.pk)]
        assert results(client.get(VEHICLES)) == [str(vehicle.pk)]
        assert results(client.get(DRIVERS)) == [str(second.pk), str(first.pk)]
        assert client.get(f"{DRIVERS}{first.pk}/").status_code == 200


@pytest.mark.parametrize("who", ["dispatcher session", "dispatcher key", "driver"])
def test_only_owners_and_admins_change_the_fleet(tenant_a, driver_user, who):
    with tenant_a.use():
        depot = make_depot()
        vehicle = make_vehicle()
        driver = driver_save(driver=None, fields={}, user=driver_user)
    client = {
        "dispatcher session": tenant_a.browser(Role.DISPATCHER),
        "dispatcher key": tenant_a.api(key=tenant_a.dispatcher_key),
        "driver": tenant_a.browser(Role.DRIVER),
    }[who]
    before = [rows(tenant_a, model) for model in (Depot, Vehicle, Driver)]

    responses = [
        send(client, "post", DEPOTS, UTRECHT_DEPOT),
        send(client, "patch", f"{DEPOTS}{depot.pk}/", {"name": "Mine"}),
        send(client, "delete", f"{DEPOTS}{depot.pk}/"),
        send(client, "post", VEHICLES, {"name": "V"}),
        send(client, "put", f"{VEHICLES}{vehicle.pk}/", {"name": "V"}),
        send(client, "delete", f"{VEHICLES}{vehicle.pk}/"),
        send(client, "post", DRIVERS, {"user": str(driver_user.pk)}),
        send(client, "patch", f"{DRIVERS}{driver.pk}/", {"phone": "+31687654321"}),
        send(client, "delete", f"{DRIVERS}{driver.pk}/"),
    ]

    for response in responses:
        assert response.status_code == 403
        assert response.json() == error("permission_denied", MANAGERS_ONLY)
    assert [rows(tenant_a, model) for model in (Depot, Vehicle, Driver)] == before


@pytest.mark.parametrize("role", [Role.OWNER, Role.ADMIN])
def test_owners_and_admins_change_the_fleet_in_the_dashboard(tenant_a, role):
    response = send(tenant_a.browser(role), "post", VEHICLES, {"name": "Van 9"})

    assert response.status_code == 201


@pytest.mark.parametrize("path", [DEPOTS, VEHICLES, DRIVERS])
def test_without_credentials_the_fleet_is_hidden(tenant_a, path):
    response = tenant_a.anonymous().get(path)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_fleet_lists_are_newest_first_and_paginated(tenant_a):
    with tenant_a.use():
        vehicles = [str(make_vehicle(name=f"Van {n}").pk) for n in range(3)]
    client = tenant_a.api()

    first = client.get(f"{VEHICLES}?limit=2")
    second = client.get(first.json()["next"])

    assert results(first) + results(second) == vehicles[::-1]
    assert second.json()["next"] is None


def test_a_drivers_breaks_and_route_limits(tenant_a):
    with tenant_a.use():
        driver = make_driver()
    path = f"{DRIVERS}{driver.pk}/"

    changed = send(
        tenant_a.api(),
        "patch",
        path,
        {
            "breaks": [{"start": "12:00", "end": "13:30", "minutes": 30}],
            "max_stops": 40,
            "max_drive_minutes": 360,
        },
    )
    refused = send(
        tenant_a.api(),
        "patch",
        path,
        {
            "breaks": [{"start": "13:30", "end": "12:00", "minutes": 30}],
            "max_stops": 0,
        },
    )

    assert changed.status_code == 200, changed.content
    body = changed.json()
    assert (body["breaks"], body["max_stops"], body["max_drive_minutes"]) == (
        [{"start": "12:00", "end": "13:30", "minutes": 30}],
        40,
        360,
    )
    assert refused.status_code == 400
    assert refused.json()["error"]["fields"] == {
        "max_stops": ["Ensure this value is greater than or equal to 1."],
    }
    with tenant_a.use():
        stored = Driver.objects.get(pk=driver.pk)
        assert (stored.breaks, stored.max_stops) == (
            [{"start": "12:00", "end": "13:30", "minutes": 30}],
            40,
        )


def test_an_open_route_ends_at_the_last_stop_and_refuses_an_end_place(tenant_a):
    with tenant_a.use():
        driver = make_driver(depot=make_depot(), shifts={"mon": {"start": "08:00", "end": "16:00"}})
    path = f"/api/v1/drivers/{driver.pk}"

    opened = send(tenant_a.api(), "patch", path, {"open_route": True})
    both = send(
        tenant_a.api(), "patch", path, {"end": {"lat": 52.1, "lng": 5.1}, "open_route": True}
    )

    assert (opened.status_code, opened.json()["open_route"], opened.json()["end"]) == (
        200,
        True,
        None,
    )
    assert both.status_code == 400
    assert both.json()["error"]["fields"] == {
        "end": ["An open route ends at its last stop: leave end empty, or open_route false."]
    }
    with tenant_a.use():
        driver.refresh_from_db()
    assert (driver.open_route, driver.end_lat) == (True, None)


def test_driver_save_refuses_an_open_route_with_an_end_place(tenant_a):
    """The rule lives in the service: a direct call is refused like the API and the page."""
    # given
    with tenant_a.use():
        driver = make_driver(depot=make_depot())
        # when
        with pytest.raises(ApplicationError) as refused:
            driver_save(driver=driver, fields={"open_route": True, "end_lat": 52.1, "end_lng": 5.1})
        # then
        driver.refresh_from_db()
        assert (refused.value.code, refused.value.fields, driver.open_route, driver.end_lat) == (
            "validation_error",
            {"end": ["An open route ends at its last stop: leave end empty, or open_route false."]},
            False,
            None,
        )
