"""Schema-level repairs that django-tenants' cloning needs.

Cloning a schema (`CloneSchema`) recreates unique constraints under PostgreSQL's default names
(`<table>_<columns>_key`) instead of the names our migrations gave them (`stop_order_once`). A
later migration that alters or drops such a constraint by name would then fail on every cloned
business. After a clone, the constraints are renamed back to the template's names.
"""

from django.db import connection

_UNIQUE_CONSTRAINTS = """
    SELECT cls.relname, con.conname, pg_get_constraintdef(con.oid)
    FROM pg_constraint con JOIN pg_class cls ON cls.oid = con.conrelid
    WHERE con.connamespace = %s::regnamespace AND con.contype = 'u'
"""


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


def schema_constraints_align(*, template: str, schema: str) -> int:
    """Rename `schema`'s unique constraints to the names they have in `template`."""
    with connection.cursor() as cursor:
        cursor.execute(_UNIQUE_CONSTRAINTS, [template])
        wanted = {(table, definition): name for table, name, definition in cursor.fetchall()}
        cursor.execute(_UNIQUE_CONSTRAINTS, [schema])
        renamed = 0
        for table, name, definition in cursor.fetchall():
            target = wanted.get((table, definition))
            if target and target != name:
                cursor.execute(
                    f"ALTER TABLE {_quote(schema)}.{_quote(table)} "
                    f"RENAME CONSTRAINT {_quote(name)} TO {_quote(target)}"
                )
                renamed += 1
    return renamed
