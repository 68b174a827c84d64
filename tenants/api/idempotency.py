"""`Idempotency-Key` on POST: the first response is stored for 24 h and replayed to retries.

A claim row is inserted (and committed) before the request runs, so concurrent retries see it:
same key and body while running → 409, different body → 422, finished → replay. The response is
stored in the same transaction as the request's own writes, so a crash leaves neither.
"""

import hashlib
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.utils import timezone

from tenants.accounts.models import IdempotencyRecord
from tenants.errors import ApplicationError

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255


@dataclass
class IdempotencyClaim:
    record: IdempotencyRecord
    replay: HttpResponse | None = None


def request_fingerprint(*, method: str, path: str, body: bytes) -> str:
    digest = hashlib.sha256()
    for part in (method.encode(), b"\0", path.encode(), b"\0", body):
        digest.update(part)
    return digest.hexdigest()


def idempotency_key_validate(raw: str) -> str:
    key = raw.strip()
    if not key or len(key) > MAX_KEY_LENGTH or not key.isascii() or not key.isprintable():
        raise ApplicationError(
            "validation_error",
            f"{HEADER} must be 1–{MAX_KEY_LENGTH} printable ASCII characters.",
            fields={HEADER: [f"Must be 1–{MAX_KEY_LENGTH} printable ASCII characters."]},
        )
    return key


def _replay(record: IdempotencyRecord) -> HttpResponse:
    response = HttpResponse(
        bytes(record.response_body or b""),
        status=record.response_status,
        content_type=record.response_content_type or "application/json",
    )
    response[REPLAYED_HEADER] = "true"
    return response


def idempotency_claim(*, principal: str, key: str, fingerprint: str) -> IdempotencyClaim:
    """Claim `key` for this request, or answer what a retry must get (replay, 409, 422)."""
    for _attempt in range(3):
        now = timezone.now()
        lock_until = now + timedelta(seconds=settings.IDEMPOTENCY_LOCK_SECONDS)
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    principal=principal,
                    key=key,
                    request_fingerprint=fingerprint,
                    created_at=now,
                    locked_until=lock_until,
                )
            return IdempotencyClaim(record=record)
        except IntegrityError:
            pass
        with transaction.atomic():
            record = (
                IdempotencyRecord.objects.select_for_update()
                .filter(principal=principal, key=key)
                .first()
            )
            if record is None:
                continue  # released meanwhile: try to claim again
            expired = record.created_at < now - timedelta(seconds=settings.IDEMPOTENCY_TTL_SECONDS)
            abandoned = not record.is_complete and record.locked_until <= now
            if expired or (abandoned and record.request_fingerprint == fingerprint):
                record.request_fingerprint = fingerprint
                record.response_status = None
                record.response_body = None
                record.response_content_type = ""
                record.created_at = now
                record.locked_until = lock_until
                record.save()
                return IdempotencyClaim(record=record)
            if record.request_fingerprint != fingerprint:
                raise ApplicationError(
                    "idempotency_key_reused",
                    f"This {HEADER} was already used with a different request body.",
                )
            if record.is_complete:
                return IdempotencyClaim(record=record, replay=_replay(record))
            raise ApplicationError(
                "idempotency_request_in_progress",
                f"A request with this {HEADER} is still being processed; retry shortly.",
            )
    raise ApplicationError(
        "idempotency_request_in_progress",
        f"A request with this {HEADER} is still being processed; retry shortly.",
    )


def idempotency_complete(*, claim: IdempotencyClaim, response: HttpResponse) -> None:
    record = claim.record
    record.response_status = response.status_code
    record.response_body = bytes(response.content)
    record.response_content_type = response.get("Content-Type", "application/json")
    record.save(update_fields=["response_status", "response_body", "response_content_type"])


def idempotency_release(*, claim: IdempotencyClaim) -> None:
    """Forget a claim whose request failed on our side (5xx), so a retry runs it again."""
    IdempotencyRecord.objects.filter(pk=claim.record.pk, response_status__isnull=True).delete()


def idempotency_records_purge(*, now=None) -> int:
    cutoff = (now or timezone.now()) - timedelta(seconds=settings.IDEMPOTENCY_TTL_SECONDS)
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted
