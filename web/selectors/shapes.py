"""The API's shapes on a page: a page embeds what the API would answer, byte for byte."""

from datetime import UTC
from functools import wraps

from django.utils import timezone


def api_shaped(selector):
    """The API writes times in UTC (`…Z`); every page runs in the business's time zone (see
    web.access). A selector that returns the API's shapes for a page's first paint writes its
    times as the API does, so the page's script reads one format from both."""

    @wraps(selector)
    def wrapper(*args, **kwargs):
        with timezone.override(UTC):
            return selector(*args, **kwargs)

    return wrapper
