"""Cache keys that carry the tenant: `<prefix>:<schema>:<version>:<key>`.

django-tenants' own key function puts the schema first; ours keeps the deployment's prefix first,
so every key this deployment writes starts with REDIS_KEY_PREFIX (and can be found and cleared).
"""

from django.db import connection


def make_key(key: str, key_prefix: str, version: int) -> str:
    return f"{key_prefix}:{connection.schema_name}:{version}:{key}"


def reverse_key(key: str) -> str:
    return key.split(":", 3)[3]
