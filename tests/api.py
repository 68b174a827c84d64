"""Helpers for API tests: send JSON, write times as the API does, the error shape."""

import json
from datetime import UTC, datetime


def send(client, method: str, path: str, body=None):
    return getattr(client, method)(path, data=json.dumps(body), content_type="application/json")


def iso(moment: datetime | None) -> str | None:
    """A date-time as the API writes it (UTC, `Z`)."""
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def error(code: str, message: str, fields: dict | None = None) -> dict:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}
