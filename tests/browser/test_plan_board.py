"""The Plan page's board in Chromium: an unplaced order dragged onto a route joins it (the
manual assignment's cheapest place), another goes on a route from its menu by keyboard, and a
long route (31 stops) leaves the other routes, their km, time and load in view."""

from concurrent.futures import ThreadPoolExecutor

from django.db import connection
from playwright.sync_api import expect

from delivery.models import Order, OrderStatus
from delivery.tests.factories import TEST_ACTOR, make_depot, make_driver, make_order, make_vehicle
from routing.assignment import order_assign
from routing.models import Route, Stop
from routing.tests.days import DAY, DEPOT
from tests.browser.dispatcher import local_only, sign_in


def board_world(world):
    """Anna with a 31-stop route, Bert with 2 stops, and two orders on no route."""
    with world.use():
        depot = make_depot(lat=DEPOT[0], lng=DEPOT[1])
        drivers = {}
        for name in ("Anna Noord", "Bert Zuid"):
            van = make_vehicle(name=f"Van {name[0]}", capacity_weight_kg=900, depot=depot)
            driver = make_driver(
                email=f"{name.split()[0].lower()}@example.test",
                shifts={"wed": {"start": "07:00", "end": "20:00"}},
                default_vehicle=van,
                depot=depot,
            )
            driver.user.full_name = name
            driver.user.save(update_fields=["full_name"])
            drivers[name] = driver

        def order(number, **fields):
            return make_order(
                external_id=f"B-{number:02d}",
                recipient_name=f"Recipient {number:02d}",
                delivery_date=DAY,
                location=(DEPOT[0] + 0.001 * (number % 9), DEPOT[1] + 0.0012 * (number // 9)),
                weight_kg=5,
                items=1,
                **fields,
            )

        for number in range(1, 32):
            order_assign(order_id=order(number).pk, driver=drivers["Anna Noord"], actor=TEST_ACTOR)
        for number in (40, 41):
            order_assign(order_id=order(number).pk, driver=drivers["Bert Zuid"], actor=TEST_ACTOR)
        dragged = make_order(
            external_id="NEW-1",
            recipient_name="Maria Drag",
            delivery_date=DAY,
            location=(DEPOT[0] - 0.004, DEPOT[1]),
            weight_kg=5,
            items=1,
        )
        chosen = make_order(
            external_id="NEW-2",
            recipient_name="Kees Keyboard",
            delivery_date=DAY,
            location=(DEPOT[0] + 0.004, DEPOT[1]),
            weight_kg=5,
            items=1,
        )
    return drivers, dragged, chosen


def in_thread(function, *args):
    """Run setup that pushes to the channel layer (async_to_sync) off Playwright's event loop."""

    def run():
        try:
            return function(*args)
        finally:
            connection.close()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(run).result()


def test_unplaced_orders_go_onto_routes_by_drag_and_by_keyboard(
    asgi_server, committed_tenant, committed_db, browser_context, shoot
):
    # given
    world = committed_tenant("planboard")
    drivers, dragged, chosen = in_thread(board_world, world)
    with world.use():
        anna = Route.objects.get(driver=drivers["Anna Noord"])
        bert = Route.objects.get(driver=drivers["Bert Zuid"])
    context = browser_context(viewport={"width": 1366, "height": 900})
    local_only(context, asgi_server, world.host)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, asgi_server, world, then=f"/plan/?date={DAY.isoformat()}")
    anna_card = page.locator(f'article[data-route-id="{anna.pk}"]')
    bert_card = page.locator(f'article[data-route-id="{bert.pk}"]')
    expect(anna_card.locator("li.stop")).to_have_count(31)
    expect(bert_card.locator("li.stop")).to_have_count(2)
    unplaced = page.locator("#unassigned-list li[data-order-id]")
    expect(unplaced).to_have_count(2)
    # the recipient's name comes before the reference
    expect(unplaced.nth(0).locator("strong.recipient")).to_have_text("Maria Drag")
    expect(bert_card.locator("li.stop").nth(0)).to_contain_text("Recipient 4")

    # then: a 31-stop route leaves Bert's route, its km, time and load in view
    page.locator("#unassigned").scroll_into_view_if_needed()
    for card in (anna_card, bert_card):
        box = card.locator(".route-head").bounding_box()
        assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= 900
    expect(bert_card.locator("[data-load]")).to_have_text("Load 10 / 900 kg · 2 / 200 items")
    expect(anna_card.locator("[data-load]")).to_have_text("Load 155 / 900 kg · 31 / 200 items")
    bert_box = bert_card.bounding_box()
    anna_box = anna_card.bounding_box()
    assert abs(bert_box["y"] - anna_box["y"]) < 5  # side by side, not one under the other
    assert anna_box["height"] < 900  # its stops scroll inside the column
    shoot(page, "board-long-route")

    # when: drag Maria's order onto Bert's route
    unplaced.filter(has_text="Maria Drag").drag_to(bert_card.locator(".route-head"))

    # then: it is one of Bert's stops, at the place the assignment chose
    expect(bert_card.locator("li.stop")).to_have_count(3)
    expect(bert_card.locator("li.stop strong.recipient", has_text="Maria Drag")).to_have_count(1)
    expect(unplaced).to_have_count(1)
    expect(page.locator("#plan-message")).to_contain_text(
        "Maria Drag is on Bert Zuid’s route as stop"
    )
    with world.use():
        stop = Stop.objects.get(order=dragged)
        assert stop.route_id == bert.pk
        assert Order.objects.get(pk=dragged.pk).status == OrderStatus.ASSIGNED
    expect(bert_card.locator("li.stop").nth(stop.sequence - 1)).to_contain_text("Maria Drag")
    expect(bert_card.locator("[data-load]")).to_have_text("Load 15 / 900 kg · 3 / 200 items")
    shoot(page, "board-dragged")

    # when: the keyboard way: Kees's route menu, Anna
    menu = page.get_by_label("Put Kees Keyboard on a route")
    expect(menu.locator("option")).to_have_text(["Put on route…", "Anna Noord", "Bert Zuid"])
    menu.focus()
    page.keyboard.press("ArrowDown")  # a closed select takes the next option at once

    # then
    expect(anna_card.locator("li.stop")).to_have_count(32)
    expect(anna_card.locator("li.stop strong.recipient", has_text="Kees Keyboard")).to_have_count(1)
    expect(page.locator("#unassigned-list li")).to_have_text(
        ["Every order of the day is on a route."]
    )
    with world.use():
        assert Stop.objects.get(order=chosen).route_id == anna.pk
    shoot(page, "board-keyboard")

    # when: Anna's stops are folded away
    toggle = page.get_by_role("button", name="Hide the stops of Anna Noord")
    toggle.focus()
    page.keyboard.press("Enter")

    # then: her header stays, with its km, time and load; the focus stays on the toggle
    folded = page.get_by_role("button", name="Show the stops of Anna Noord")
    expect(folded).to_be_focused()
    expect(folded).to_have_attribute("aria-expanded", "false")
    expect(anna_card.locator("ol.stops")).to_be_hidden()
    expect(anna_card.locator("[data-load]")).to_have_text("Load 160 / 900 kg · 32 / 200 items")
    assert anna_card.bounding_box()["height"] < 200
    shoot(page, "board-folded")
    assert errors == []


def test_a_refused_assignment_says_why(
    asgi_server, committed_tenant, committed_db, browser_context
):
    # given: Bert's route is under way (a manual assignment cannot join it)
    world = committed_tenant("planrefuse")
    drivers, dragged, chosen = in_thread(board_world, world)
    with world.use():
        Route.objects.filter(driver=drivers["Bert Zuid"]).update(status=Route.Status.DISPATCHED)
        Order.objects.filter(pk=dragged.pk).update(lat=None, lng=None)
    context = browser_context(viewport={"width": 1366, "height": 900})
    local_only(context, asgi_server, world.host)
    page = context.new_page()
    sign_in(page, asgi_server, world, then=f"/plan/?date={DAY.isoformat()}")

    # when: an order without a location goes onto Anna's route by its menu
    page.get_by_label("Put Maria Drag on a route").select_option(label="Anna Noord")

    # then
    expect(page.locator("#plan-message")).to_have_text(
        "Could not put Maria Drag on Anna Noord’s route: This order has no location yet: set "
        "its address or coordinates first. (location: This order has no location yet: set its "
        "address or coordinates first.)"
    )
    expect(page.locator("#unassigned-list li[data-order-id]")).to_have_count(2)
