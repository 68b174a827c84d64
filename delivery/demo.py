"""Realistic demo data for the demo business: a bakery's depot, vans, drivers and a day of orders
around Utrecht, made through the same validation and services as real ones."""

import random
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import transaction

from delivery.models import Depot, Driver
from delivery.services import depot_save, driver_save, order_create, vehicle_save
from delivery.validation import order_input_parse, phone_normalise, weekly_hours_parse
from tenants.accounts.models import Role, User
from tenants.actors import system_actor
from tenants.selectors import tenant_phone_region, tenant_time_zone

ACTOR = system_actor("demo")
ORDERS_PER_DAY = 60
# (south, west, north, east): built-up Utrecht between the Amsterdam-Rhine canal (west) and the
# A27 (east). Every demo stop lies in it, so none ends up in water or a meadow.
CITY_BOX = (52.068, 5.100, 52.112, 5.158)

DEPOT = {
    "name": "Demo Bakery bakehouse",
    "address": "Biltstraat 160, Utrecht",
    "lat": 52.0968,
    "lng": 5.1385,
    "opening_hours": weekly_hours_parse(
        {day: [{"start": "06:00", "end": "18:00"}] for day in ("mon", "tue", "wed", "thu", "fri")}
        | {"sat": [{"start": "06:00", "end": "14:00"}]},
        many=True,
    ),
}
VANS = [
    {
        "name": "Van 1 (Renault Master)",
        "capacity_weight_kg": 1000,
        "capacity_volume_l": 10000,
        "capacity_items": 150,
        "skills": [],
        "profile": "van",
        "fuel": "diesel",
    },
    {
        "name": "Van 2 (electric, refrigerated)",
        "capacity_weight_kg": 750,
        "capacity_volume_l": 6000,
        "capacity_items": 100,
        "skills": ["fridge"],
        "profile": "van",
        "fuel": "electric",
    },
    {
        "name": "Van 3 (Ford Transit)",
        "capacity_weight_kg": 1100,
        "capacity_volume_l": 11000,
        "capacity_items": 160,
        "skills": [],
        "profile": "van",
        "fuel": "diesel",
    },
]
# The users seed_demo creates, with the phone each driver gets.
DRIVERS = [
    ("driver1@demo.localhost", "+31 6 21436587"),
    ("driver2@demo.localhost", "+31 6 32547698"),
    ("driver3@demo.localhost", "+31 6 43658709"),
]
SHIFTS = {
    day: {"start": "08:00", "end": "17:00"} for day in ("mon", "tue", "wed", "thu", "fri", "sat")
}

# Real streets of Utrecht, each with a point on it; stops are spread up to ~200 m around them.
STREETS = [
    ("Voorstraat", 52.0948, 5.1208),
    ("Lange Jansstraat", 52.0927, 5.1210),
    ("Nobelstraat", 52.0918, 5.1255),
    ("Twijnstraat", 52.0845, 5.1233),
    ("Lange Nieuwstraat", 52.0868, 5.1224),
    ("Springweg", 52.0878, 5.1163),
    ("Wittevrouwenstraat", 52.0953, 5.1262),
    ("Biltstraat", 52.0963, 5.1365),
    ("Oudwijk", 52.0915, 5.1345),
    ("Burgemeester Reigerstraat", 52.0887, 5.1335),
    ("Nachtegaalstraat", 52.0893, 5.1355),
    ("Prins Hendriklaan", 52.0868, 5.1405),
    ("Adriaen van Ostadelaan", 52.0858, 5.1440),
    ("Koningsweg", 52.0790, 5.1470),
    ("Kardinaal de Jongweg", 52.0840, 5.1520),
    ("Abstederdijk", 52.0812, 5.1325),
    ("Hooft Graaflandstraat", 52.0735, 5.1300),
    ("Verlengde Hoogravenseweg", 52.0720, 5.1350),
    ("Jutfaseweg", 52.0770, 5.1240),
    ("Vechtstraat", 52.0745, 5.1190),
    ("Rijnlaan", 52.0738, 5.1148),
    ("Balijelaan", 52.0768, 5.1118),
    ("Croeselaan", 52.0835, 5.1085),
    ("Kanaalstraat", 52.0903, 5.1040),
    ("Damstraat", 52.0925, 5.1030),
    ("Vleutenseweg", 52.0912, 5.1020),
    ("Waterstraat", 52.0960, 5.1155),
    ("Adelaarstraat", 52.0987, 5.1168),
    ("Merelstraat", 52.0998, 5.1240),
    ("Amsterdamsestraatweg", 52.1005, 5.1075),
    ("Ondiep-Zuidzijde", 52.1048, 5.1075),
    ("Blauwkapelseweg", 52.1045, 5.1405),
]
BUSINESSES = [
    "Café Het Hoekje",
    "Lunchroom De Zoete Inval",
    "Hotel Singelzicht",
    "Restaurant De Kookpot",
    "Buurtsuper De Ster",
    "Koffiebar Bonen & Co",
    "Brasserie Het Pleintje",
    "Kaashandel Van Dam",
    "Hostel De Fietsenmaker",
    "Zorgcentrum De Linde",
]
FIRST_NAMES = ["Anne", "Daan", "Sanne", "Lars", "Fleur", "Bram", "Lotte", "Jesse", "Emma", "Thijs"]
LAST_NAMES = ["de Vries", "Jansen", "van Dijk", "Bakker", "Visser", "Smit", "Meijer", "de Boer"]
# name, kg per item, litres per item, needs a fridge; how often it is ordered
PRODUCTS = [
    ("bread crate", 6.5, 45, False),
    ("egg tray (30 eggs)", 1.9, 3, False),
    ("pastry box", 1.4, 8, True),
]
PRODUCT_WEIGHTS = [45, 40, 15]
# Businesses want their bread for opening time; households in the morning, afternoon or whenever.
BUSINESS_WINDOWS = [
    [{"start": "08:00", "end": "10:00"}],
    [{"start": "08:00", "end": "12:00"}],
    [{"start": "09:30", "end": "11:00"}],
]
HOUSEHOLD_WINDOWS = [
    [{"start": "09:00", "end": "12:00"}],
    [{"start": "13:00", "end": "17:00"}],
    [{"start": "14:00", "end": "16:00"}],
    [{"start": "08:00", "end": "10:00"}, {"start": "15:00", "end": "17:00"}],
    [],
    [],
]
NOTES = ["", "", "", "Ring twice.", "Back door, next to the bins.", "Leave with the neighbours."]


@dataclass(frozen=True)
class DemoDeliveries:
    depots: int
    vehicles: int
    drivers: int
    orders: int


def demo_deliveries_seed(*, today: date) -> DemoDeliveries | None:
    """Fill the current business with the demo fleet and `today`'s orders, once: nothing is
    done (None) when it already has a depot."""
    with transaction.atomic():
        fleet = demo_fleet_seed()
        if fleet is None:
            return None
        vans, drivers = fleet
        tz, region = tenant_time_zone(), tenant_phone_region()
        for raw in demo_orders(today=today):
            order_create(
                data=order_input_parse(raw, tz=tz, phone_region=region), actor=ACTOR, source="demo"
            )
    return DemoDeliveries(depots=1, vehicles=len(vans), drivers=drivers, orders=ORDERS_PER_DAY)


def demo_orders_create(raws: list[dict]) -> list:
    """Orders in the API's input shape, made through the same validation and service as real
    ones."""
    tz, region = tenant_time_zone(), tenant_phone_region()
    return [
        order_create(
            data=order_input_parse(raw, tz=tz, phone_region=region), actor=ACTOR, source="demo"
        )
        for raw in raws
    ]


def demo_fleet_seed() -> tuple[list, int] | None:
    """The demo depot, vans and drivers (vans, drivers made), once: None when the business
    already has a depot."""
    with transaction.atomic():
        if Depot.objects.exists():
            return None
        depot = depot_save(depot=None, fields=DEPOT)
        vans = [vehicle_save(vehicle=None, fields={**van, "depot": depot}) for van in VANS]
        drivers = 0
        for (email, phone), van in zip(DRIVERS, vans, strict=True):
            user = User.objects.filter(email=email, role=Role.DRIVER).first()
            if user is None or Driver.objects.filter(user=user).exists():
                continue
            fields = {
                "phone": phone_normalise(phone, region=None),
                "shifts": SHIFTS,
                "default_vehicle": van,
                "depot": depot,
            }
            driver_save(driver=None, fields=fields, user=user)
            drivers += 1
    return vans, drivers


def _windows_shifted(windows: list[dict], shift: timedelta) -> list[dict]:
    """The windows `shift` later (or earlier), kept inside the day; a window that would leave
    it is dropped (an order without windows may come any time)."""
    if not shift:
        return windows
    moved = []
    for window in windows:
        start = datetime.combine(date.min, time.fromisoformat(window["start"])) + shift
        end = datetime.combine(date.min, time.fromisoformat(window["end"])) + shift
        last = datetime.combine(date.min, time(23, 59))
        if start.date() != date.min or start >= last - timedelta(minutes=30):
            continue
        moved.append({"start": f"{start:%H:%M}", "end": f"{min(end, last):%H:%M}"})
    return moved


def demo_orders(
    *,
    today: date,
    count: int = ORDERS_PER_DAY,
    shift: timedelta = timedelta(0),
    prefix: str = "DEMO",
    first_number: int = 1,
) -> list[dict]:
    """`count` orders in the API's input shape; the same ones for the same day. `shift` moves
    every time window (made for a day starting at 08:00) so that the day starts at another
    hour: the demo's live day starts when `make run` does."""
    seed = f"demo-orders-{today.isoformat()}"
    if (prefix, first_number) != ("DEMO", 1):
        seed += f"-{prefix}-{first_number}"
    rng = random.Random(seed)  # noqa: S311 - demo data, not secrets
    south, west, north, east = CITY_BOX
    orders = []
    for number in range(first_number, first_number + count):
        street, lat, lng = rng.choice(STREETS)
        house = f"{rng.randint(1, 240)}{rng.choice(['', '', '', '', 'A', 'bis'])}"
        business = rng.random() < 0.4
        if business:
            name = rng.choice(BUSINESSES)
            email = f"orders@{_slug(name)}.example.com"
        else:
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            name = f"{first} {last}"
            email = f"{_slug(first)}.{_slug(last).replace('-', '')}@example.com"
        product, kg_per_item, litres_per_item, chilled = rng.choices(
            PRODUCTS, weights=PRODUCT_WEIGHTS
        )[0]
        items = rng.randint(2, 12) if business else rng.randint(1, 3)
        orders.append(
            {
                "external_id": f"{prefix}-{today:%Y%m%d}-{number:03d}",
                "recipient": {
                    "name": name,
                    "phone": f"+31 6 {rng.randint(10_000_000, 49_999_999)}",
                    "email": email,
                },
                "address": f"{street} {house}, Utrecht",
                # About 200 m around the street's point, never outside the city box.
                "location": {
                    "lat": round(min(max(lat + rng.uniform(-0.0018, 0.0018), south), north), 6),
                    "lng": round(min(max(lng + rng.uniform(-0.0029, 0.0029), west), east), 6),
                },
                "delivery_date": today.isoformat(),
                "time_windows": _windows_shifted(
                    rng.choice(BUSINESS_WINDOWS if business else HOUSEHOLD_WINDOWS), shift
                ),
                "service_seconds": 120 + 30 * items,
                "load": {
                    "weight_kg": round(items * kg_per_item, 1),
                    "volume_l": items * litres_per_item,
                    "items": items,
                },
                "skills": ["fridge"] if chilled else [],
                "priority": rng.choice([60, 80, 100]) if business else rng.choice([0, 0, 20, 40]),
                "notes": f"{items} × {product}. {rng.choice(NOTES)}".strip(),
            }
        )
    return orders


def _slug(name: str) -> str:
    """ "Café Het Hoekje" → "cafe-het-hoekje"."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
