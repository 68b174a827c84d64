"""The API's one entrance for request bodies and query strings: input PostgreSQL cannot store or
Python cannot walk is refused here, as a 400 in the error shape, before any view sees it.

- NUL characters (PostgreSQL text cannot hold them) and lone UTF-16 surrogates (not encodable as
  UTF-8) in any string, key or value, at any depth;
- JSON nested deeper than MAX_DEPTH (a recursive serializer would exhaust the stack);
- arrays longer than MAX_ARRAY_ITEMS (each field sets its own smaller limit on top of this).
"""

from rest_framework import exceptions
from rest_framework.parsers import JSONParser

from tenants.validation import text_problem

MAX_DEPTH = 32
# The largest legitimate list is a bulk import's orders (1,000); nothing needs more than this.
MAX_ARRAY_ITEMS = 5000
TOO_DEEP = f"JSON parse error - nested deeper than {MAX_DEPTH} levels."


def _path(parts: tuple) -> str:
    return ".".join(str(part) for part in parts) or "non_field_errors"


def input_check(data) -> None:
    """Raise a ValidationError (or ParseError) naming the first unusable value in `data`."""
    stack = [((), data)]
    while stack:
        where, value = stack.pop()
        if len(where) > MAX_DEPTH:
            raise exceptions.ParseError(
                f"JSON parse error - nested deeper than {MAX_DEPTH} levels."
            )
        if isinstance(value, str):
            problem = text_problem(value)
            if problem:
                raise exceptions.ValidationError({_path(where): [problem]})
        elif isinstance(value, dict):
            for key, item in value.items():
                problem = text_problem(str(key))
                if problem:
                    raise exceptions.ValidationError({_path(where) + " (a key)": [problem]})
                stack.append(((*where, key), item))
        elif isinstance(value, list | tuple):
            if len(value) > MAX_ARRAY_ITEMS:
                raise exceptions.ValidationError(
                    {_path(where): [f"At most {MAX_ARRAY_ITEMS} items."]}
                )
            stack.extend(((*where, index), item) for index, item in enumerate(value))


def query_check(query) -> None:
    """The same rules for a query string (`?status=a%00b`): every value of every parameter."""
    for name in query:
        problem = text_problem(name)
        if problem:
            raise exceptions.ValidationError({"query": [problem]})
        for value in query.getlist(name):
            problem = text_problem(value)
            if problem:
                raise exceptions.ValidationError({name: [problem]})


class JsonParser(JSONParser):
    """DRF's JSON parser, plus the checks above; too-deep JSON is a parse error, not a crash."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError(TOO_DEEP) from None
        input_check(data)
        return data
