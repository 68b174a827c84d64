"""Proof of delivery: photos and a signature taken at the door, checked by content and stored
under the tenant's own media path; read back only through the API, never a public URL."""

import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import QuerySet

from delivery.models import Driver, Order, OrderEvent, OrderStatus, ProofFile
from delivery.services import order_event
from tenants.accounts.models import Role
from tenants.actors import Actor
from tenants.errors import ApplicationError

logger = logging.getLogger(__name__)

# Files per upload request: a few photos and a signature, not a photo album.
PROOF_MAX_FILES = 10
MAX_SIGNATURES = 1
# Room for the form fields and multipart framing around the files themselves.
MULTIPART_OVERHEAD_BYTES = 64 * 1024
TYPE_NAMES = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WebP"}
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}


@dataclass(frozen=True)
class ProofUpload:
    """One received file, its kind and its type as read from its first bytes."""

    kind: str
    file: UploadedFile
    content_type: str


def image_type_sniff(head: bytes) -> str | None:
    """The image type the bytes really are (whatever the client declared), or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def proof_request_size_limit() -> int:
    """The largest upload request worth reading at all (checked before the body is parsed)."""
    return PROOF_MAX_FILES * settings.PROOF_MAX_BYTES + MULTIPART_OVERHEAD_BYTES


def _size(size: int) -> str:
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def _type_names(content_types) -> str:
    """("image/jpeg", "image/png", "image/webp") → "JPEG, PNG or WebP"."""
    names = [TYPE_NAMES.get(content_type, content_type) for content_type in content_types]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def _display_name(file: UploadedFile) -> str:
    name = (file.name or "file")[:100]
    return f"“{name}”"


def proof_uploads_check(
    *, photos: list[UploadedFile], signatures: list[UploadedFile]
) -> list[ProofUpload]:
    """Count, size and content of the files: 413 for a file over the limit, 400 otherwise."""
    if not photos and not signatures:
        message = "Attach at least one photo or a signature."
        raise ApplicationError("validation_error", message, fields={"photo": [message]})
    if len(signatures) > MAX_SIGNATURES:
        message = "At most one signature per upload."
        raise ApplicationError("validation_error", message, fields={"signature": [message]})
    if len(photos) + len(signatures) > PROOF_MAX_FILES:
        message = f"At most {PROOF_MAX_FILES} files per upload."
        raise ApplicationError("validation_error", message, fields={"photo": [message]})

    received = [(ProofFile.Kind.PHOTO, file) for file in photos] + [
        (ProofFile.Kind.SIGNATURE, file) for file in signatures
    ]
    limit = settings.PROOF_MAX_BYTES
    too_large: dict[str, list[str]] = {}
    for kind, file in received:
        if file.size > limit:
            too_large.setdefault(kind, []).append(
                f"{_display_name(file)} is {_size(file.size)}; "
                f"the limit is {_size(limit)} per file."
            )
    if too_large:
        first = next(iter(too_large.values()))[0]
        raise ApplicationError(
            "payload_too_large",
            first,
            fields=too_large,
        )

    allowed = set(settings.PROOF_CONTENT_TYPES)
    accepted = _type_names(settings.PROOF_CONTENT_TYPES)
    problems: dict[str, list[str]] = {}
    uploads = []
    for kind, file in received:
        if file.size == 0:
            problems.setdefault(kind, []).append(f"{_display_name(file)} is empty.")
            continue
        file.seek(0)
        content_type = image_type_sniff(file.read(12))
        file.seek(0)
        if content_type not in allowed:
            problems.setdefault(kind, []).append(
                f"{_display_name(file)} is not a {accepted} image (checked by its content)."
            )
            continue
        uploads.append(ProofUpload(kind=kind, file=file, content_type=content_type))
    if problems:
        first_field, messages = next(iter(problems.items()))
        raise ApplicationError("validation_error", f"{first_field}: {messages[0]}", fields=problems)
    return uploads


def _summary(uploads: list[ProofUpload], recipient_name: str, note: str) -> str:
    photos = sum(upload.kind == ProofFile.Kind.PHOTO for upload in uploads)
    signatures = len(uploads) - photos
    parts = []
    if photos:
        parts.append(f"{photos} photo{'s' if photos != 1 else ''}")
    if signatures:
        parts.append(f"{signatures} signature{'s' if signatures != 1 else ''}")
    summary = "Proof added: " + " and ".join(parts) + "."
    if recipient_name:
        summary += f" Received by {recipient_name}."
    if note:
        summary += f" {note}"
    return summary


def proofs_add(
    *,
    order_id,
    actor: Actor,
    uploads: list[ProofUpload],
    recipient_name: str = "",
    note: str = "",
    location: tuple[float, float] | None = None,
) -> list[ProofFile]:
    """Store proofs of an order that is out for delivery (409 otherwise). The row lock orders
    this against a concurrent delivered/failed transition, which attaches the proofs to its
    delivery attempt: either the proofs are there in time, or the upload sees the new status."""
    stored: list[str] = []
    try:
        with transaction.atomic():
            order = Order.objects.select_for_update().get(pk=order_id)
            if (
                actor.role == Role.DRIVER
                and not Driver.objects.filter(pk=order.driver_id, user=actor.user).exists()
            ):
                # Drivers see only their own orders: someone else's is simply not there.
                raise Order.DoesNotExist
            if order.status != OrderStatus.OUT_FOR_DELIVERY:
                raise ApplicationError(
                    "order_not_out_for_delivery",
                    f"Proof of delivery can be added only while the order is out for delivery; "
                    f"this one is {order.status}.",
                )
            proofs = []
            for upload in uploads:
                proof = ProofFile(
                    order=order,
                    kind=upload.kind,
                    content_type=upload.content_type,
                    size_bytes=upload.file.size,
                    recipient_name=recipient_name,
                    note=note,
                    lat=location[0] if location else None,
                    lng=location[1] if location else None,
                    uploaded_by=actor.user,
                )
                upload.file.seek(0)
                # upload_to names the file (tenant, order, proof id); the client's name is unused.
                proof.file.save(upload.file.name or "proof", upload.file, save=False)
                stored.append(proof.file.name)
                proof.save()
                proofs.append(proof)
            order_event(
                order=order,
                kind=OrderEvent.Kind.PROOF_ADDED,
                actor=actor,
                note=_summary(uploads, recipient_name, note),
                location=location,
            ).save()
    except BaseException:
        # Files are not transactional: remove what this attempt wrote before the rollback.
        for name in stored:
            default_storage.delete(name)
        raise
    logger.info("order %s: %d proof file(s) added by %s", order_id, len(proofs), actor.label)
    return proofs


def order_proofs(*, order: Order) -> QuerySet[ProofFile]:
    return ProofFile.objects.filter(order=order).order_by("uploaded_at", "id")


def proof_download_name(proof: ProofFile) -> str:
    return f"{proof.kind}-{proof.pk}.{EXTENSIONS.get(proof.content_type, 'bin')}"
