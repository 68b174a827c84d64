"""Dropping a business while something still reads its tables (a web request, a queued task):
PostgreSQL aborts one side with a deadlock, and the drop, being all or nothing, is tried again."""

import logging
import threading
import time

import psycopg
import pytest
from django.db import connection
from django_tenants.utils import schema_exists
from psycopg import sql

from tenants.models import Tenant
from tenants.services import tenant_delete
from tests.fixtures.live import test_database_url as database_url
from tests.fixtures.tenants import build_world

WAIT_SECONDS = 20


def _poll(query, params, *, reader):
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        with psycopg.connect(database_url(), autocommit=True) as probe:
            rows = probe.execute(query, params).fetchall()
        if rows:
            return rows
        time.sleep(0.01)
    reader.rollback()
    pytest.fail(f"nothing matched in {WAIT_SECONDS} s: {query}")


def test_a_drop_that_deadlocks_with_a_reader_is_tried_again_and_drops_everything(
    committed_db, caplog
):
    # given a business, and a reader (another process's transaction) holding one of its tables
    world = build_world("dropdeadlock")
    schema, slug = world.schema, world.tenant.slug
    reader = psycopg.connect(database_url())
    reader.execute("SET deadlock_timeout = '30s'")  # so that the drop is the side PostgreSQL aborts
    orders = sql.Identifier(schema, "delivery_order")
    reader.execute(sql.SQL("LOCK TABLE {} IN ACCESS SHARE MODE").format(orders))
    reader_pid = reader.info.backend_pid
    failures = []

    def drop():
        try:
            with connection.cursor() as cursor:
                cursor.execute("SET deadlock_timeout = '3s'")
            tenant_delete(tenant=world.tenant)
        except Exception as error:  # noqa: BLE001 - reported by the test below
            failures.append(error)
        finally:
            connection.close()

    # when the drop starts, waits for the reader's table while holding others, and the reader
    # then reads one of those
    with caplog.at_level(logging.WARNING, logger="tenants.services"):
        dropping = threading.Thread(target=drop)
        dropping.start()
        [(drop_pid,)] = _poll(
            "SELECT pid FROM pg_locks WHERE NOT granted AND locktype = 'relation' AND pid <> %s",
            [reader_pid],
            reader=reader,
        )
        held = _poll(
            "SELECT c.relname FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE l.pid = %s AND l.granted AND l.mode = 'AccessExclusiveLock' "
            "AND n.nspname = %s AND c.relkind = 'r' ORDER BY c.relname",
            [drop_pid, schema],
            reader=reader,
        )
        table = sql.Identifier(schema, held[0][0])
        reader.execute(sql.SQL("SELECT 1 FROM {} LIMIT 1").format(table))  # waits: deadlock
        reader.commit()
        reader.close()
        dropping.join(timeout=WAIT_SECONDS)

    # then the reader went on, and the drop, tried again, removed schema, business and host
    assert not dropping.is_alive()
    assert failures == []
    assert not schema_exists(schema)
    assert not Tenant.objects.filter(slug=slug).exists()
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert warnings == [
        f"dropping business {slug} collided with work still reading it (40P01); trying again"
    ]
