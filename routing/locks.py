"""Row-free locks of the planner (Saleor keeps such helpers in lock_objects.py)."""

from datetime import date

from django.db import connection


def plan_date_lock(*, delivery_date: date) -> None:
    """Serialise every write of plans for one date in this business (a planning job's result,
    a manual edit, a dispatch): held until the transaction ends. Call it inside one."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(hashtext(%s))",
            [f"{connection.schema_name}:plan:{delivery_date.isoformat()}"],
        )
