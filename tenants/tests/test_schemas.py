"""A business's schema, cloned from the template, is the template's to the name: constraints
and indexes keep the names migrations gave them, so later migrations apply to every business."""

from django.db import connection


def names(schema: str, query: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(query, [schema])
        return [row[0] for row in cursor.fetchall()]


CONSTRAINTS = (
    "SELECT conrelid::regclass::text || ' ' || conname || ' ' || "
    "pg_get_constraintdef(oid) FROM pg_constraint WHERE connamespace = %s::regnamespace "
    "ORDER BY 1"
)
INDEXES = "SELECT tablename || ' ' || indexname FROM pg_indexes WHERE schemaname = %s ORDER BY 1"


def strip_schema(rows: list[str], schema: str) -> list[str]:
    return sorted(row.replace(f"{schema}.", "") for row in rows)


def test_a_cloned_schema_has_the_templates_constraint_and_index_names(tenant_a):
    for query in (CONSTRAINTS, INDEXES):
        template = strip_schema(names("tenant_template", query), "tenant_template")
        business = strip_schema(names(tenant_a.schema, query), tenant_a.schema)
        assert business == template
