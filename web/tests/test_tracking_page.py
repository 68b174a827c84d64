"""The recipient's page `/t/<token>/` and socket `/ws/track/<token>/`: only this order, the
driver's position only while heading here, proof after delivery, expiry and revocation."""

import asyncio
from datetime import timedelta

from asgiref.sync import async_to_sync, sync_to_async
from django.core.files.base import ContentFile
from django.utils import timezone

from delivery.arrival import arrival_window as eta_window
from delivery.models import OrderEvent, ProofFile
from delivery.services import order_transition
from delivery.tests.factories import TEST_ACTOR, make_driver, make_order
from tenants.accounts.models import Role
from tests.api import send
from tests.realtime import DISCONNECT_SECONDS, communicator
from tracking import state
from tracking.consumers import CLOSE_NOT_FOUND, CLOSE_REVOKED
from tracking.services import PositionEntry, positions_store
from tracking.validation import PositionInput

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def on_the_way(world):
    """Two orders of one driver, out for delivery; returns (this order, the other, driver)."""
    with world.use():
        driver = make_driver(email="jan.de.vries@example.test")
        mine = make_order(recipient_name="Ada Recipient", external_id="WEB-1")
        theirs = make_order(
            recipient_name="Zed Neighbour",
            address="Keizersgracht 99, Amsterdam",
            external_id="WEB-2",
        )
        for order in (mine, theirs):
            order_transition(order_id=order.pk, to="assigned", actor=TEST_ACTOR, driver=driver)
            order_transition(order_id=order.pk, to="out_for_delivery", actor=TEST_ACTOR)
        mine.refresh_from_db()
        theirs.refresh_from_db()
        mine.eta = timezone.now() + timedelta(minutes=20)
        mine.save(update_fields=["eta"])
    return mine, theirs, driver


def driver_at(world, driver, lat=52.37, lng=4.88):
    with world.use():
        positions_store(
            entries=[
                PositionEntry(
                    driver_id=driver.pk,
                    position=PositionInput(
                        lat=lat,
                        lng=lng,
                        accuracy=5,
                        heading=45,
                        speed=4,
                        recorded_at=timezone.now() - timedelta(seconds=1),
                    ),
                )
            ]
        )


def test_the_page_shows_this_order_and_the_driver_heading_here(tenant_a):
    # given the driver's next stop is this order
    mine, theirs, driver = on_the_way(tenant_a)
    driver_at(tenant_a, driver)
    with tenant_a.use():
        state.next_stop_set(driver_id=driver.pk, order_id=mine.pk, route_id=None)
        last = state.position_last(driver_id=driver.pk)

    # when the recipient opens the link
    response = tenant_a.anonymous().get(f"/t/{mine.tracking_token}/")

    # then
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store, max-age=0"
    assert response["Referrer-Policy"] == "no-referrer"
    assert response.context["business_name"] == "Business ALPHA"
    assert response.context["snapshot"] == {
        "status": "out_for_delivery",
        "status_label": "Out for delivery",
        "delivery_date": mine.delivery_date.isoformat(),
        "failure_reason": None,
        "eta": mine.eta.isoformat(),
        "eta_window": eta_window(mine.eta),
        "finished_at": None,
        "destination": {"lat": 52.3752, "lng": 4.884},
        "driver_first_name": "Van",
        "driver_position": {
            "lat": 52.37,
            "lng": 4.88,
            "heading": 45.0,
            "recorded_at": last["recorded_at"],
        },
        "proofs": [],
    }
    html = response.content.decode()
    assert "Business ALPHA" in html and "Out for delivery" in html
    # nothing of the neighbour's order, nor the driver beyond a first name
    for secret in (
        "Zed Neighbour",
        "Keizersgracht",
        "WEB-2",
        str(theirs.pk),
        "jan.de.vries",
        "Van Driver",
        str(driver.pk),
        str(mine.pk),
    ):
        assert secret not in html


def test_no_driver_position_while_heading_to_another_order(tenant_a):
    mine, theirs, driver = on_the_way(tenant_a)
    driver_at(tenant_a, driver)
    with tenant_a.use():
        state.next_stop_set(driver_id=driver.pk, order_id=theirs.pk, route_id=None)

    response = tenant_a.anonymous().get(f"/t/{mine.tracking_token}/")

    assert response.status_code == 200
    assert response.context["snapshot"]["driver_position"] is None
    assert '"driver_position": null' in response.content.decode()


def _delivered(world, *, days_ago: float):
    mine, _, driver = on_the_way(world)
    with world.use():
        ProofFile.objects.create(
            order=mine,
            kind=ProofFile.Kind.PHOTO,
            file=ContentFile(PNG, name="door.png"),
            content_type="image/png",
            size_bytes=len(PNG),
        )
        order_transition(order_id=mine.pk, to="delivered", actor=TEST_ACTOR)
        OrderEvent.objects.filter(order=mine, to_status="delivered").update(
            occurred_at=timezone.now() - timedelta(days=days_ago)
        )
        proof = ProofFile.objects.get(order=mine)
    return mine, proof


def test_after_delivery_the_page_shows_the_proof_through_its_token(tenant_a, tenant_b):
    mine, proof = _delivered(tenant_a, days_ago=6.9)
    with tenant_a.use():
        other = make_order(recipient_name="Other")
    proof_path = f"/t/{mine.tracking_token}/proofs/{proof.pk}/"

    page = tenant_a.anonymous().get(f"/t/{mine.tracking_token}/")
    image = tenant_a.anonymous().get(proof_path)
    with_other_token = tenant_a.anonymous().get(f"/t/{other.tracking_token}/proofs/{proof.pk}/")
    on_other_host = tenant_b.anonymous().get(proof_path)

    assert page.status_code == 200
    snapshot = page.context["snapshot"]
    assert (snapshot["status"], snapshot["eta_window"], snapshot["driver_position"]) == (
        "delivered",
        None,
        None,
    )
    assert snapshot["driver_first_name"] == ""
    assert snapshot["proofs"] == [{"kind": "photo", "url": proof_path}]
    assert image.status_code == 200
    assert b"".join(image.streaming_content) == PNG
    assert image["Content-Type"] == "image/png"
    assert with_other_token.status_code == 404
    assert on_other_host.status_code == 404
    # never under the public media URL either: the API and this token are the only ways
    assert f"/media/{proof.file.name}" not in page.content.decode()


def test_the_link_expires_seven_days_after_delivery(tenant_a):
    mine, proof = _delivered(tenant_a, days_ago=7.01)

    page = tenant_a.anonymous().get(f"/t/{mine.tracking_token}/")
    image = tenant_a.anonymous().get(f"/t/{mine.tracking_token}/proofs/{proof.pk}/")

    assert page.status_code == 404
    assert image.status_code == 404


def test_unknown_tokens_and_other_businesses_answer_404(tenant_a, tenant_b):
    with tenant_a.use():
        order = make_order()

    assert tenant_a.anonymous().get("/t/" + "x" * 43 + "/").status_code == 404
    assert tenant_a.anonymous().get("/t/short/").status_code == 404
    assert tenant_b.anonymous().get(f"/t/{order.tracking_token}/").status_code == 404


def test_the_tracking_socket_follows_one_order_and_closes_when_revoked(
    committed_tenant, committed_db
):
    # given a recipient's socket open on their order
    world = committed_tenant("trk-page")
    with world.use():
        order = make_order()
    dispatcher = world.browser(Role.DISPATCHER)

    async def scenario():
        unknown = communicator(world.host, path="/ws/track/" + "x" * 43 + "/")
        socket = communicator(world.host, path=f"/ws/track/{order.tracking_token}/")
        try:
            await unknown.connect(timeout=5)
            refused = await unknown.receive_output(timeout=5)
            assert await socket.connect(timeout=5) == (True, None)
            first = await socket.receive_json_from(timeout=5)
            # when a dispatcher replaces the link
            rotated = await sync_to_async(send)(
                dispatcher, "post", f"/api/v1/orders/{order.pk}/tracking-link/rotate"
            )
            revoked = await socket.receive_json_from(timeout=5)
            closed = await socket.receive_output(timeout=5)
            return refused, first, rotated.status_code, revoked, closed
        finally:
            await asyncio.gather(
                *(s.disconnect(timeout=DISCONNECT_SECONDS) for s in (unknown, socket))
            )

    refused, first, rotated, revoked, closed = async_to_sync(scenario)()

    # then
    assert refused == {"type": "websocket.close", "code": CLOSE_NOT_FOUND}
    assert first["type"] == "tracking.updated"
    assert (first["data"]["status"], first["data"]["driver_position"]) == ("unassigned", None)
    assert rotated == 200
    assert revoked == {"type": "tracking.revoked", "data": {}}
    assert closed == {"type": "websocket.close", "code": CLOSE_REVOKED}


def test_an_order_change_reaches_its_tracking_socket(committed_tenant, committed_db):
    world = committed_tenant("trk-page-upd")
    with world.use():
        order = make_order()
        driver = make_driver()

    async def scenario():
        socket = communicator(world.host, path=f"/ws/track/{order.tracking_token}/")
        try:
            assert await socket.connect(timeout=5) == (True, None)
            await socket.receive_json_from(timeout=5)

            def assign():
                with world.use():
                    order_transition(
                        order_id=order.pk, to="assigned", actor=TEST_ACTOR, driver=driver
                    )

            await sync_to_async(assign)()
            return await socket.receive_json_from(timeout=5)
        finally:
            await socket.disconnect(timeout=DISCONNECT_SECONDS)

    updated = async_to_sync(scenario)()

    assert updated["type"] == "tracking.updated"
    assert updated["data"]["status"] == "assigned"
    assert updated["data"]["status_label"] == "Scheduled"  # the recipient's words
