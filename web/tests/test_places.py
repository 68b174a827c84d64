"""Addresses without coordinates on the pages, against the local fake geocoder (Photon's JSON):
the suggestion endpoint (who may ask, throttled, disabled, offline), the depot form that looks
its address up, the CSV import's warnings and the orders list's "no location" filter and bulk
look-up."""

import socket

from delivery.models import Depot, Driver, LocationStatus, Order, OrderEvent
from delivery.tasks import orders_geocode
from tenants.accounts.models import Role

GLOUCESTER = [
    {
        "label": "112 Gloucester Road, BS7 8BA Bristol, United Kingdom",
        "lat": 51.4762,
        "lng": -2.5914,
    },
    {
        "label": "20 Gloucester Road, BS7 8AE Bristol, United Kingdom",
        "lat": 51.4691,
        "lng": -2.5907,
    },
]


def test_a_dispatcher_gets_suggestions(tenant_a, photon):
    response = tenant_a.browser(Role.DISPATCHER).get("/places/search/?q=Gloucester+Road")

    assert response.status_code == 200
    assert response.json() == {"state": "ready", "message": "", "results": GLOUCESTER}
    assert response["Cache-Control"] == "private, no-store"


def test_no_match_says_so(tenant_a, photon):
    response = tenant_a.browser(Role.OWNER).get("/places/search/?q=Nowhere+Lane")

    assert response.status_code == 200
    assert response.json() == {
        "state": "ready",
        "message": "No place found; check the address or place the pin on the map.",
        "results": [],
    }


def test_only_signed_in_operations_roles_may_search(tenant_a, photon):
    anonymous = tenant_a.anonymous().get("/places/search/?q=Gloucester+Road")
    driver = tenant_a.browser(Role.DRIVER).get("/places/search/?q=Gloucester+Road")

    assert (anonymous.status_code, anonymous.json()["message"]) == (401, "Sign in first.")
    assert (driver.status_code, driver.json()["message"]) == (
        403,
        "Your role may not look addresses up.",
    )
    assert photon.queries == []


def test_another_business_session_is_not_signed_in_here(tenant_a, tenant_b, photon):
    client = tenant_b.browser(Role.OWNER)
    response = client.get("/places/search/?q=Gloucester+Road", HTTP_HOST=tenant_a.host)

    assert response.status_code == 401
    assert photon.queries == []


def test_a_too_short_or_too_long_query_is_refused(tenant_a, photon):
    client = tenant_a.browser(Role.OWNER)

    short = client.get("/places/search/?q=ab")
    long = client.get("/places/search/", {"q": "x" * 201})

    assert (short.status_code, short.json()["message"]) == (
        400,
        "Type at least 3 characters of the address.",
    )
    assert (long.status_code, long.json()["message"]) == (
        400,
        "An address has at most 200 characters.",
    )
    assert photon.queries == []


def test_searches_are_throttled_per_user(tenant_a, photon, settings):
    settings.GEOCODER_SEARCH_RATE_PER_MINUTE = 2
    client = tenant_a.browser(Role.OWNER)

    statuses = [client.get(f"/places/search/?q=Park+Street+{n}").status_code for n in range(3)]
    refused = client.get("/places/search/?q=Park+Street")

    assert statuses == [200, 200, 429]
    assert refused.status_code == 429
    assert refused.json()["message"].startswith("Too many address searches; try again in ")
    assert int(refused["Retry-After"]) >= 1
    assert len(photon.queries) == 2


def test_a_disabled_geocoder_says_so(tenant_a, photon, settings):
    settings.GEOCODER = "off"

    response = tenant_a.browser(Role.OWNER).get("/places/search/?q=Gloucester+Road")

    assert response.status_code == 200
    assert response.json() == {
        "state": "off",
        "message": "Address lookup is switched off on this server: place the pin on the map.",
        "results": [],
    }
    assert photon.queries == []


def test_an_offline_geocoder_answers_503_at_once(tenant_a, photon, settings):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.GEOCODER_URL = f"http://127.0.0.1:{port}"
    client = tenant_a.browser(Role.OWNER)

    first = client.get("/places/search/?q=Gloucester+Road")
    second = client.get("/places/search/?q=Park+Street")

    for response in (first, second):
        assert response.status_code == 503
        body = response.json()
        assert (body["state"], body["results"]) == ("unreachable", [])
        assert body["message"].startswith("Address lookup is not answering right now (offline?)")
        assert int(response["Retry-After"]) >= 29


def test_an_offline_geocoder_is_logged_once_as_a_warning_not_per_search(
    tenant_a, photon, settings, caplog
):
    # given a geocoder nobody answers at
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.GEOCODER_URL = f"http://127.0.0.1:{port}"
    client = tenant_a.browser(Role.OWNER)

    # when three searches meet the outage
    with caplog.at_level("INFO"):
        statuses = [
            client.get(f"/places/search/?q={query}").status_code
            for query in ("Gloucester+Road", "Park+Street", "Whiteladies+Road")
        ]

    # then each answers 503, and the log says so once, as a warning (an expected condition)
    assert statuses == [503, 503, 503]
    noted = [
        (record.name, record.levelname, record.getMessage().split(" (")[0])
        for record in caplog.records
        if record.levelno >= 30
    ]
    assert noted == [("delivery.geocoding", "WARNING", "geocoder did not answer")]


def test_a_depot_without_coordinates_is_found_from_its_address(tenant_a, photon):
    response = tenant_a.browser(Role.ADMIN).post(
        "/settings/depots/new/",
        {"name": "Bakehouse", "address": "Park Street 41, Bristol", "lat": "", "lng": ""},
    )

    assert response.status_code == 302
    with tenant_a.use():
        depot = Depot.objects.get()
    assert (depot.address, depot.lat, depot.lng) == ("Park Street 41, Bristol", 51.4543, -2.6021)


def test_a_depot_address_nobody_knows_asks_for_the_pin(tenant_a, photon):
    photon.places = {}
    response = tenant_a.browser(Role.ADMIN).post(
        "/settings/depots/new/", {"name": "Bakehouse", "address": "Nowhere Lane 99"}
    )

    assert response.status_code == 400
    assert response.context["form"].errors == {
        "address": [
            "No place found for this address: pick a suggestion, or place the pin on the map."
        ]
    }
    with tenant_a.use():
        assert Depot.objects.count() == 0


def test_the_forms_mark_their_places_for_the_search_box_and_the_pin(tenant_a):
    client = tenant_a.browser(Role.ADMIN)

    depot = client.get("/settings/depots/new/").content.decode()
    order = client.get("/orders/new/").content.decode()
    driver = client.get("/settings/drivers/new/").content.decode()

    assert 'data-place="depot"' in depot and 'data-place-lat="depot"' in depot
    assert 'data-place="delivery"' in order and 'data-place-lng="pickup"' in order
    assert 'data-place="start"' in driver and 'data-place-lat="end"' in driver
    for page in (depot, order, driver):
        assert "web/dashboard/places.js" in page


CSV = (
    "recipient_name,address,lat,lng,delivery_date\n"
    "Ann,Park Street 41 Bristol,51.4543,-2.6021,2026-12-10\n"
    "Bob,Gloucester Road 112 Bristol,,,2026-12-10\n"
    "Cy,Nowhere Lane 99,,,2026-12-10\n"
)


def _import(client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("orders.csv", CSV.encode(), content_type="text/csv")
    return client.post("/orders/import/", {"file": upload})


def test_the_import_report_lists_rows_without_a_location(tenant_a, photon):
    response = _import(tenant_a.browser(Role.DISPATCHER))

    assert response.status_code == 200
    assert [item["message"] for item in response.context["unlocated"]] == [
        "Row 2 (Bob, Gloucester Road 112 Bristol): no coordinates; the address is being looked up.",
        "Row 3 (Cy, Nowhere Lane 99): no coordinates; the address is being looked up.",
    ]
    page = response.content.decode()
    assert "3 orders imported, 2 without a location yet" in page
    assert "Warnings: 2 orders without a location" in page


def test_without_a_geocoder_the_import_says_to_place_them(tenant_a):
    response = _import(tenant_a.browser(Role.DISPATCHER))

    assert [item["message"] for item in response.context["unlocated"]] == [
        "Row 2 (Bob, Gloucester Road 112 Bristol): no coordinates and no address lookup; "
        "place it on the map.",
        "Row 3 (Cy, Nowhere Lane 99): no coordinates and no address lookup; place it on the map.",
    ]


def test_orders_without_a_location_are_filtered_and_looked_up_again(tenant_a, photon, settings):
    # given three imported orders while the geocoder was off: two have no location
    settings.GEOCODER = "off"
    client = tenant_a.browser(Role.DISPATCHER)
    _import(client)
    settings.GEOCODER = "photon"

    # when the dispatcher filters them and looks them all up again
    listed = client.get("/orders/?location=missing")
    posted = client.post(
        "/orders/bulk/",
        {"action": "locate", "all_unlocated": "on", "next": "/orders/?location=missing"},
        follow=True,
    )
    with tenant_a.use():
        pending = list(
            Order.objects.filter(location_status=LocationStatus.PENDING).values_list(
                "id", flat=True
            )
        )
        orders_geocode([str(order_id) for order_id in pending])  # what the worker runs
        found = dict(Order.objects.values_list("recipient_name", "location_status"))
        events = OrderEvent.objects.filter(note="Looking the address up again.").count()

    # then the list showed just those two, and the look-up found the one it knows
    assert [order.recipient_name for order in listed.context["page"]] == ["Cy", "Bob"]
    for order in listed.context["page"]:  # each one a link to place it on the map
        assert (
            f'<a class="chip needs_location" href="/orders/{order.pk}/edit/" '
            'title="Place it on the map">Needs a location</a>'
        ) in listed.content.decode()
    assert listed.context["locations"] == {"pending": 0, "missing": 2}
    assert [str(message) for message in posted.context["messages"]] == [
        "Looking up 2 addresses in the background (about one a second); each order shows "
        "what was found. Those still not found need a pin."
    ]
    assert len(pending) == 2 and events == 2
    assert found == {"Ann": "provided", "Bob": "geocoded", "Cy": "needs_location"}


def test_looking_up_again_while_disabled_says_why(tenant_a):
    client = tenant_a.browser(Role.DISPATCHER)
    _import(client)

    posted = client.post("/orders/bulk/", {"action": "locate", "all_unlocated": "on"}, follow=True)

    assert [str(message) for message in posted.context["messages"]] == [
        "Address lookup is switched off on this server: place the pin on the map."
    ]
    with tenant_a.use():
        assert Order.objects.filter(location_status=LocationStatus.PENDING).count() == 0


def test_a_driver_start_address_without_coordinates_is_looked_up(tenant_a, photon):
    user = tenant_a.users["driver"]

    response = tenant_a.browser(Role.ADMIN).post(
        "/settings/drivers/new/",
        {"user": str(user.pk), "start_address": "Gloucester Road 112, Bristol"},
    )

    assert response.status_code == 302
    with tenant_a.use():
        driver = Driver.objects.get(user=user)
    assert (driver.start_address, driver.start_lat, driver.start_lng) == (
        "Gloucester Road 112, Bristol",
        51.4762,
        -2.5914,
    )
    assert (driver.end_lat, driver.end_lng) == (None, None)
