"""A fingerprint of every row of every table in a schema: equal fingerprints, nothing changed."""

from django.db import connection


def schema_fingerprint(schema: str) -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = %s AND table_type = 'BASE TABLE' ORDER BY table_name",
            [schema],
        )
        tables = [row[0] for row in cursor.fetchall()]
        fingerprint = {}
        for table in tables:
            qualified = f'"{schema}"."{table}"'
            cursor.execute(
                f"SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) "  # noqa: S608
                f"FROM {qualified} t"
            )
            count, digest = cursor.fetchone()
            fingerprint[table] = f"{count}:{digest}"
    return fingerprint
