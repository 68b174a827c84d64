"""Cursor pagination as the API promises: `?limit=` (1–500, default 50), `?cursor=`."""

from rest_framework import exceptions, pagination
from rest_framework.response import Response

DEFAULT_LIMIT = 50
MAX_LIMIT = 500


class CursorPagination(pagination.CursorPagination):
    page_size = DEFAULT_LIMIT
    page_size_query_param = "limit"
    max_page_size = MAX_LIMIT
    cursor_query_param = "cursor"
    ordering = ("-created_at", "-id")

    def get_page_size(self, request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        try:
            value = int(raw)
        except ValueError:
            value = 0
        if not 1 <= value <= MAX_LIMIT:
            raise exceptions.ValidationError(
                {"limit": [f"Must be an integer between 1 and {MAX_LIMIT}."]}
            )
        return value

    def decode_cursor(self, request):
        try:
            return super().decode_cursor(request)
        except exceptions.NotFound:
            raise exceptions.ValidationError(
                {"cursor": ["Invalid cursor: use the 'next' URL of a previous page."]}
            ) from None

    def get_paginated_response(self, data) -> Response:
        return Response({"results": data, "next": self.get_next_link()})

    def get_paginated_response_schema(self, schema: dict) -> dict:
        return {
            "type": "object",
            "required": ["results", "next"],
            "properties": {
                "results": schema,
                "next": {"type": "string", "format": "uri", "nullable": True},
            },
        }
