"""Proof of delivery: upload while out for delivery, checked by content, stored per tenant,
listed, and served only to the tenant's authorised callers."""

import json
import uuid
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.client import encode_multipart

from config.settings import test as test_settings
from delivery.models import DeliveryAttempt, Order, OrderEvent, OrderStatus, ProofFile
from delivery.services import driver_save, order_transition
from delivery.tests.factories import TEST_ACTOR, make_driver, make_order
from tenants.accounts.models import IdempotencyRecord

# Real image headers (the check reads the first bytes), padded to a recognisable body.
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x11" * 200
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01" + b"\x22" * 100
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 \x18\x00\x00\x00" + b"\x33" * 80
GIF = b"GIF89a\x01\x00\x01\x00\x80\x00\x00" + b"\x44" * 50
# Where the web server started by `asgi_server` stores uploads (the test settings' own).
SERVER_MEDIA_ROOT = Path(test_settings.MEDIA_ROOT)
HTML = b"<html><script>alert(document.cookie)</script></html>"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def image(name: str, content: bytes, content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def out_for_delivery(world, *, driver_user=None) -> Order:
    """An order of `world` on its way with the world's driver (or another driver)."""
    with world.use():
        if driver_user is None:
            driver = driver_save(driver=None, fields={}, user=world.users["driver"])
        else:
            driver = make_driver(email=driver_user)
        order = make_order()
        order_transition(
            order_id=order.pk, to=OrderStatus.ASSIGNED, actor=TEST_ACTOR, driver=driver
        )
        return order_transition(
            order_id=order.pk, to=OrderStatus.OUT_FOR_DELIVERY, actor=TEST_ACTOR
        )


def proofs_path(order) -> str:
    return f"/api/v1/orders/{order.pk}/proofs"


def stored_files(media_root: Path) -> list[str]:
    if not media_root.exists():
        return []
    return sorted(
        str(path.relative_to(media_root)) for path in media_root.rglob("*") if path.is_file()
    )


# --- upload -----------------------------------------------------------------------------------


def test_the_driver_adds_photos_and_a_signature_to_their_order(tenant_a, media_root):
    # given an order the driver is delivering
    order = out_for_delivery(tenant_a)

    # when the driver's phone uploads two photos and a signature with who took it and where
    response = tenant_a.browser("driver").post(
        proofs_path(order),
        {
            "photo": [image("door.jpg", JPEG), image("parcel.png", PNG, "image/png")],
            "signature": image("signature.webp", WEBP, "image/webp"),
            "recipient_name": " Ada Lovelace ",
            "note": "Left with the neighbour",
            "lat": "52.3752",
            "lng": "4.884",
        },
    )

    # then the three proofs are answered, stored under the tenant's own path, and audited
    assert response.status_code == 201, response.content
    with tenant_a.use():
        proofs = list(ProofFile.objects.filter(order=order).order_by("kind", "content_type"))
        event = OrderEvent.objects.get(order=order, kind=OrderEvent.Kind.PROOF_ADDED)
    by_id = {proof.pk: proof for proof in proofs}
    results = response.json()["results"]
    assert [(item["kind"], item["content_type"], item["size_bytes"]) for item in results] == [
        ("photo", "image/jpeg", len(JPEG)),
        ("photo", "image/png", len(PNG)),
        ("signature", "image/webp", len(WEBP)),
    ]
    for item in results:
        proof = by_id[uuid.UUID(item["id"])]
        assert item == {
            "id": str(proof.pk),
            "kind": proof.kind,
            "content_type": proof.content_type,
            "size_bytes": proof.size_bytes,
            "url": f"http://{tenant_a.host}/api/v1/orders/{order.pk}/proofs/{proof.pk}/file",
            "recipient_name": "Ada Lovelace",
            "note": "Left with the neighbour",
            "location": {"lat": 52.3752, "lng": 4.884},
            "attempt": None,
            "uploaded_at": proof.uploaded_at.isoformat().replace("+00:00", "Z"),
        }
    extension = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}
    assert stored_files(media_root) == sorted(
        f"tenants/{tenant_a.schema}/proofs/{order.pk}/{proof.pk}.{extension[proof.content_type]}"
        for proof in proofs
    )
    assert {proof.file.name: (media_root / proof.file.name).read_bytes() for proof in proofs} == {
        proofs[0].file.name: JPEG,
        proofs[1].file.name: PNG,
        proofs[2].file.name: WEBP,
    }
    assert all(proof.uploaded_by_id == tenant_a.users["driver"].pk for proof in proofs)
    assert (event.actor_kind, event.actor_label, event.actor_user_id) == (
        "user",
        "driver@alpha.test",
        tenant_a.users["driver"].pk,
    )
    assert event.note == (
        "Proof added: 2 photos and 1 signature. Received by Ada Lovelace. Left with the neighbour"
    )
    assert (event.lat, event.lng) == (52.3752, 4.884)


def test_operations_roles_and_api_keys_may_add_proofs(tenant_a):
    # given an order on its way
    order = out_for_delivery(tenant_a)

    # when a dispatcher (session) and an integrator (API key) each add a photo
    by_dispatcher = tenant_a.browser("dispatcher").post(
        proofs_path(order), {"photo": image("a.jpg", JPEG)}
    )
    by_key = tenant_a.api(tenant_a.dispatcher_key).post(
        proofs_path(order), {"photo": image("b.jpg", JPEG)}
    )

    # then both are stored, the key's proof without a user and its event naming the key
    assert (by_dispatcher.status_code, by_key.status_code) == (201, 201)
    with tenant_a.use():
        uploaders = sorted(
            str(user)
            for user in ProofFile.objects.filter(order=order).values_list(
                "uploaded_by__email", flat=True
            )
        )
        labels = sorted(
            OrderEvent.objects.filter(order=order, kind="proof_added").values_list(
                "actor_label", flat=True
            )
        )
    assert uploaders == ["None", "dispatcher@alpha.test"]
    assert labels[0].startswith("API key Dispatcher key (")
    assert labels[1] == "dispatcher@alpha.test"


def test_a_driver_cannot_touch_another_drivers_order(tenant_a, media_root):
    # given an order another driver is delivering, with a proof already
    order = out_for_delivery(tenant_a, driver_user="colleague@alpha.test")
    uploaded = tenant_a.api().post(proofs_path(order), {"photo": image("a.jpg", JPEG)})
    proof_id = uploaded.json()["results"][0]["id"]
    files_before = stored_files(media_root)
    driver = tenant_a.browser("driver")

    # when our driver tries to add, list and download
    responses = [
        driver.post(proofs_path(order), {"photo": image("b.jpg", JPEG)}),
        driver.get(proofs_path(order)),
        driver.get(f"{proofs_path(order)}/{proof_id}/file"),
    ]

    # then the order is simply not there for them, and nothing was added
    not_found = {"error": {"code": "not_found", "message": "Not found.", "fields": {}}}
    assert [(r.status_code, r.json()) for r in responses] == [(404, not_found)] * 3
    with tenant_a.use():
        assert ProofFile.objects.filter(order=order).count() == 1
        assert OrderEvent.objects.filter(order=order, kind="proof_added").count() == 1
    assert stored_files(media_root) == files_before


@pytest.mark.parametrize("status", [OrderStatus.ASSIGNED, OrderStatus.DELIVERED])
def test_proofs_are_added_only_while_out_for_delivery(tenant_a, media_root, status):
    # given an order that is assigned (not started) or already delivered
    with tenant_a.use():
        driver = driver_save(driver=None, fields={}, user=tenant_a.users["driver"])
        order = make_order()
        order_transition(order_id=order.pk, to="assigned", actor=TEST_ACTOR, driver=driver)
        if status == OrderStatus.DELIVERED:
            order_transition(order_id=order.pk, to="out_for_delivery", actor=TEST_ACTOR)
            order_transition(order_id=order.pk, to="delivered", actor=TEST_ACTOR)

    # when the driver uploads a photo
    response = tenant_a.browser("driver").post(proofs_path(order), {"photo": image("a.jpg", JPEG)})

    # then it is a conflict with the order's state, and nothing is stored
    assert response.status_code == 409
    assert response.json() == {
        "error": {
            "code": "order_not_out_for_delivery",
            "message": "Proof of delivery can be added only while the order is out for "
            f"delivery; this one is {status}.",
            "fields": {},
        }
    }
    with tenant_a.use():
        assert ProofFile.objects.filter(order=order).count() == 0
        assert OrderEvent.objects.filter(order=order, kind="proof_added").count() == 0
    assert stored_files(media_root) == []


def test_proofs_uploaded_before_delivery_belong_to_the_delivery_attempt(tenant_a):
    # given a proof uploaded while on the way
    order = out_for_delivery(tenant_a)
    driver = tenant_a.browser("driver")
    assert driver.post(proofs_path(order), {"photo": image("a.jpg", JPEG)}).status_code == 201

    # when the driver marks the order delivered
    delivered = driver.post(
        f"/api/v1/orders/{order.pk}/transition",
        data=json.dumps({"to": "delivered", "recipient_name": "Ada"}),
        content_type="application/json",
    )

    # then the listed proof names the delivery attempt
    assert delivered.status_code == 200, delivered.content
    with tenant_a.use():
        attempt = DeliveryAttempt.objects.get(order=order)
    listed = driver.get(proofs_path(order)).json()["results"]
    assert [(item["kind"], item["attempt"]) for item in listed] == [("photo", str(attempt.pk))]


# --- refused uploads --------------------------------------------------------------------------


def test_a_file_over_the_size_limit_answers_413(tenant_a, settings, media_root):
    # given a limit of 100 bytes per file
    settings.PROOF_MAX_BYTES = 100
    order = out_for_delivery(tenant_a)

    # when a small PNG and a 220-byte JPEG are uploaded together
    response = tenant_a.api().post(
        proofs_path(order),
        {"photo": [image("small.png", PNG[:90], "image/png"), image("big.jpg", JPEG)]},
    )

    # then the request is too large, and not even the small file is kept
    assert response.status_code == 413
    assert response.json() == {
        "error": {
            "code": "payload_too_large",
            "message": "“big.jpg” is 220 bytes; the limit is 100 bytes per file.",
            "fields": {"photo": ["“big.jpg” is 220 bytes; the limit is 100 bytes per file."]},
        }
    }
    with tenant_a.use():
        assert ProofFile.objects.filter(order=order).count() == 0
    assert stored_files(media_root) == []


def test_a_request_larger_than_all_allowed_files_is_refused_before_reading(tenant_a, settings):
    # given a limit of 1,000 bytes per file: at most 10 × 1,000 bytes + 64 KiB per request
    settings.PROOF_MAX_BYTES = 1000
    order = out_for_delivery(tenant_a)

    # when a request announces a larger body
    response = tenant_a.api().generic(
        "POST",
        proofs_path(order),
        data=b"x" * 100,
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(10 * 1000 + 64 * 1024 + 1),
    )

    # then it is refused at once
    assert response.status_code == 413
    assert response.json()["error"] == {
        "code": "payload_too_large",
        "message": "The upload is larger than the files allowed in one request.",
        "fields": {},
    }


@pytest.mark.parametrize(
    ("content", "declared"),
    [
        (GIF, "image/gif"),
        (HTML, "image/jpeg"),
        (b"\xff\xd8", "image/jpeg"),
        (b"RIFF1234WAVE", "image/webp"),
    ],
    ids=["gif", "html-declared-as-jpeg", "truncated-jpeg", "riff-but-not-webp"],
)
def test_files_that_are_not_jpeg_png_or_webp_are_refused_by_content(
    tenant_a, media_root, content, declared
):
    # given an order on its way
    order = out_for_delivery(tenant_a)

    # when a file whose bytes are not an allowed image is uploaded next to a good one
    response = tenant_a.api().post(
        proofs_path(order), {"photo": [image("ok.jpg", JPEG), image("evil.jpg", content, declared)]}
    )

    # then it is refused with the file's name, and nothing is stored
    message = "“evil.jpg” is not a JPEG, PNG or WebP image (checked by its content)."
    assert response.status_code == 400
    assert response.json() == {
        "error": {
            "code": "validation_error",
            "message": f"photo: {message}",
            "fields": {"photo": [message]},
        }
    }
    assert stored_files(media_root) == []


def test_the_content_decides_the_type_not_the_declared_one(tenant_a):
    # given an order on its way
    order = out_for_delivery(tenant_a)

    # when a PNG arrives declared as a generic binary named .jpg
    response = tenant_a.api().post(
        proofs_path(order), {"signature": image("sig.jpg", PNG, "application/octet-stream")}
    )

    # then it is stored and served as the PNG it is
    assert response.status_code == 201
    assert response.json()["results"][0]["content_type"] == "image/png"
    with tenant_a.use():
        assert ProofFile.objects.get(order=order).file.name.endswith(".png")


@pytest.mark.parametrize(
    ("form", "field", "message"),
    [
        ({}, "photo", "Attach at least one photo or a signature."),
        ({"recipient_name": "Ada"}, "photo", "Attach at least one photo or a signature."),
        (
            {"signature": [image("a.png", PNG, "image/png"), image("b.png", PNG, "image/png")]},
            "signature",
            "At most one signature per upload.",
        ),
        (
            {"photo": [image(f"{n}.jpg", JPEG) for n in range(11)]},
            "photo",
            "At most 10 files per upload.",
        ),
        ({"photo": image("empty.jpg", b"")}, "photo", "“empty.jpg” is empty."),
        ({"photos": image("a.jpg", JPEG)}, "photos", "Unknown field."),
        ({"photo": image("a.jpg", JPEG), "lat": "52.1"}, "location", "lng must be a number."),
        (
            {"photo": image("a.jpg", JPEG), "lat": "0", "lng": "0"},
            "location",
            "(0, 0) is in the ocean, not a delivery address.",
        ),
        (
            {"photo": image("a.jpg", JPEG), "lat": "91", "lng": "4"},
            "location",
            "lat must be between -90 and 90.",
        ),
    ],
    ids=[
        "nothing",
        "no-file",
        "two-signatures",
        "eleven-files",
        "empty-file",
        "unknown-field",
        "half-a-location",
        "null-island",
        "latitude-out-of-range",
    ],
)
def test_bad_uploads_are_refused_with_a_clear_message(tenant_a, media_root, form, field, message):
    # given an order on its way
    order = out_for_delivery(tenant_a)

    # when a malformed upload arrives
    response = tenant_a.api().post(proofs_path(order), form)

    # then it says what is wrong, and nothing is stored
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert (error["code"], error["fields"]) == ("validation_error", {field: [message]})
    with tenant_a.use():
        assert ProofFile.objects.filter(order=order).count() == 0
    assert stored_files(media_root) == []


def test_json_is_not_an_upload(tenant_a):
    order = out_for_delivery(tenant_a)

    response = tenant_a.api().post(
        proofs_path(order), data=json.dumps({"photo": "base64…"}), content_type="application/json"
    )

    assert response.status_code == 415
    assert response.json()["error"]["code"] == "unsupported_media_type"


# --- reading ----------------------------------------------------------------------------------


def test_the_file_is_served_with_its_type_and_private_caching(tenant_a):
    # given a PNG signature on an order of the driver
    order = out_for_delivery(tenant_a)
    driver = tenant_a.browser("driver")
    uploaded = driver.post(proofs_path(order), {"signature": image("s.png", PNG, "image/png")})
    proof = uploaded.json()["results"][0]

    # when the driver and an integrator download it
    by_driver = driver.get(f"{proofs_path(order)}/{proof['id']}/file")
    by_key = tenant_a.api().get(proof["url"].removeprefix(f"http://{tenant_a.host}"))

    # then both get the bytes, typed, privately cacheable, sandboxed
    for response in (by_driver, by_key):
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == PNG
        assert response["Content-Type"] == "image/png"
        assert response["Content-Length"] == str(len(PNG))
        assert response["Cache-Control"] == "private"
        assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Disposition"] == f'inline; filename="signature-{proof["id"]}.png"'


def test_the_list_shows_the_orders_proofs_oldest_first(tenant_a):
    # given two uploads on an order, and one on another order
    order, other = out_for_delivery(tenant_a), None
    with tenant_a.use():
        other = make_order()
    client = tenant_a.api()
    first = client.post(proofs_path(order), {"photo": image("1.jpg", JPEG)}).json()["results"]
    second = client.post(proofs_path(order), {"photo": image("2.jpg", JPEG)}).json()["results"]

    # when the order's proofs are listed
    response = client.get(proofs_path(order))

    # then exactly this order's proofs come back, as uploaded
    assert response.status_code == 200
    assert response.json() == {"results": first + second}
    assert client.get(proofs_path(other)).json() == {"results": []}


def test_a_proof_of_another_order_is_not_found(tenant_a):
    # given a proof on one order and another order
    order = out_for_delivery(tenant_a)
    proof_id = (
        tenant_a.api()
        .post(proofs_path(order), {"photo": image("1.jpg", JPEG)})
        .json()["results"][0]["id"]
    )
    with tenant_a.use():
        other = make_order()

    # when the proof is asked for under the other order
    response = tenant_a.api().get(f"/api/v1/orders/{other.pk}/proofs/{proof_id}/file")

    # then it is not there
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_a_file_missing_from_storage_answers_404(tenant_a, media_root):
    order = out_for_delivery(tenant_a)
    proof = tenant_a.api().post(proofs_path(order), {"photo": image("1.jpg", JPEG)}).json()
    with tenant_a.use():
        stored = ProofFile.objects.get(pk=proof["results"][0]["id"])
    (media_root / stored.file.name).unlink()

    response = tenant_a.api().get(f"{proofs_path(order)}/{stored.pk}/file")

    assert response.status_code == 404


def test_uploaded_files_have_no_public_url(tenant_a, media_root):
    # given a stored proof
    order = out_for_delivery(tenant_a)
    tenant_a.api().post(proofs_path(order), {"photo": image("1.jpg", JPEG)})
    with tenant_a.use():
        name = ProofFile.objects.get(order=order).file.name
    assert (media_root / name).exists()

    # when its media path is requested without credentials, on the tenant and the public host
    on_tenant = tenant_a.anonymous().get(f"/media/{name}")
    on_public = tenant_a.anonymous().get(f"/media/{name}", HTTP_HOST="localhost")

    # then nothing serves it
    assert (on_tenant.status_code, on_public.status_code) == (404, 404)
    assert JPEG not in on_tenant.content + on_public.content


# --- idempotent uploads -----------------------------------------------------------------------


def multipart(boundary: str, fields: dict) -> tuple[bytes, str]:
    return encode_multipart(boundary, fields), f"multipart/form-data; boundary={boundary}"


def test_a_retried_upload_with_an_idempotency_key_is_stored_once(tenant_a, settings):
    # given a body limit smaller than the upload (files never count against it)
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    order = out_for_delivery(tenant_a)
    client = tenant_a.browser("driver")
    body, content_type = multipart("first-boundary", {"photo": image("a.jpg", JPEG), "note": "Hi"})

    # when the phone sends the upload, then retries it with a fresh multipart boundary
    first = client.post(
        proofs_path(order), data=body, content_type=content_type, HTTP_IDEMPOTENCY_KEY="upload-1"
    )
    body, content_type = multipart("retry-boundary", {"photo": image("a.jpg", JPEG), "note": "Hi"})
    retry = client.post(
        proofs_path(order), data=body, content_type=content_type, HTTP_IDEMPOTENCY_KEY="upload-1"
    )

    # then the retry replays the first answer and only one proof exists
    assert first.status_code == 201, first.content
    assert (retry.status_code, retry.json()) == (201, first.json())
    assert retry["Idempotent-Replayed"] == "true"
    with tenant_a.use():
        assert ProofFile.objects.filter(order=order).count() == 1


def test_the_same_idempotency_key_with_other_files_answers_422(tenant_a):
    # given an upload made with a key
    order = out_for_delivery(tenant_a)
    client = tenant_a.browser("driver")
    first = client.post(
        proofs_path(order), {"photo": image("a.jpg", JPEG)}, HTTP_IDEMPOTENCY_KEY="upload-2"
    )

    # when the key is reused for a different photo (same name, other bytes)
    other = client.post(
        proofs_path(order),
        {"photo": image("a.jpg", JPEG[:-1] + b"\x00")},
        HTTP_IDEMPOTENCY_KEY="upload-2",
    )

    # then the second is refused and not stored
    assert first.status_code == 201
    assert other.status_code == 422
    assert other.json()["error"]["code"] == "idempotency_key_reused"
    with tenant_a.use():
        assert ProofFile.objects.filter(order=order).count() == 1
        assert IdempotencyRecord.objects.filter(key="upload-2").count() == 1


# --- through the real web server --------------------------------------------------------------


def test_a_phone_retrying_an_upload_over_http_gets_the_first_answer(
    asgi_server, committed_tenant, committed_db
):
    # given a committed business whose driver is on the way with an order
    world = committed_tenant("proofs-live")
    order = out_for_delivery(world)
    headers = {"Authorization": f"Bearer {world.admin_key}", "Idempotency-Key": "phone-42"}
    path = proofs_path(order)

    # when the phone uploads, loses the answer, and sends the same upload again
    first, retry = (
        asgi_server.request(
            "POST",
            world.host,
            path,
            headers=headers,
            files={"photo": ("door.jpg", JPEG, "image/jpeg")},
            data={"note": "Behind the plant"},
        )
        for _ in range(2)
    )
    try:
        proof = first.json()["results"][0]
        download = asgi_server.request(
            "GET",
            world.host,
            f"{path}/{proof['id']}/file",
            headers={"Authorization": f"Bearer {world.admin_key}"},
        )
    finally:
        with world.use():
            names = [proof.file.name for proof in ProofFile.objects.all()]
        for name in names:
            (SERVER_MEDIA_ROOT / name).unlink(missing_ok=True)

    # then (although each attempt drew its own multipart boundary) the retry is a replay,
    # one proof exists, and the web server serves it back privately
    assert first.request.body != retry.request.body
    assert first.status_code == 201, first.content
    assert (retry.status_code, retry.json()) == (201, first.json())
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert len(names) == 1
    assert names[0].startswith(f"tenants/{world.schema}/proofs/{order.pk}/")
    assert download.status_code == 200
    assert download.content == JPEG
    assert (download.headers["Content-Type"], download.headers["Cache-Control"]) == (
        "image/jpeg",
        "private",
    )
