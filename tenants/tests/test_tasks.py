"""Celery through the real broker and worker: a task runs in the schema of the business that sent
it, tells that business's sockets, and the fan-out reaches every business. Plus the delivery
guarantees the app is configured with.

The worker is another process: it sees only committed rows, so the tests use `committed_tenant`
and `db` below (database access without pytest-django's wrapping transaction).
"""

import json
import time
from datetime import timedelta

from asgiref.sync import async_to_sync, sync_to_async
from django.conf import settings
from django.db import connection
from django.utils import timezone
from tenant_schemas_celery.task import TenantTask

from config.celery import app as celery_app
from tenants.accounts.models import IdempotencyRecord, Role
from tenants.accounts.services import user_create
from tenants.accounts.tasks import idempotency_records_purge
from tenants.models import Tenant
from tenants.selectors import business_tenants
from tenants.tasks import tenant_ping, tenants_fan_out
from tests.fixtures.tenants import PASSWORD
from tests.realtime import (
    QUIET_SECONDS,
    real_quiet,
    real_socket,
    session_cookie,
    sockets,
)

RESULT_SECONDS = 30
PURGE = "tenants.accounts.tasks.idempotency_records_purge"


def ping_from(world, message: str) -> dict:
    """Send tenant_ping from inside `world`'s schema and wait for the worker's answer."""
    with world.use():
        result = tenant_ping.delay(message)
    return result.get(timeout=RESULT_SECONDS)


def wait_until(check, seconds: float = RESULT_SECONDS) -> bool:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


# --- configuration ----------------------------------------------------------------------------


def test_celery_app_delivery_guarantees():
    conf = celery_app.conf

    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1
    assert conf.task_serializer == "json"
    assert conf.result_serializer == "json"
    assert conf.accept_content == ["json"]
    assert conf.task_soft_time_limit == 540
    assert conf.task_time_limit == 600
    assert conf.broker_url == settings.REDIS_URL
    assert conf.task_default_queue == f"{settings.REDIS_KEY_PREFIX}:celery"
    # Sends give up within half a second, try one reconnect, and never wait on the result backend
    # (README "Reliability").
    assert conf.broker_transport_options == {
        "visibility_timeout": 3600,
        "socket_timeout": 0.5,
        "socket_connect_timeout": 0.5,
    }
    assert conf.broker_connection_timeout == 0.5
    assert conf.task_publish_retry_policy == {
        "max_retries": 1,
        "interval_start": 0,
        "interval_step": 0.1,
        "interval_max": 0.1,
    }
    assert conf.result_backend_transport_options["retry_policy"]["max_retries"] == 2
    prefix = settings.REDIS_KEY_PREFIX
    queues = {name: route["queue"] for name, route in conf.task_routes.items()}
    assert queues == {
        "routing.tasks.optimization_run_task": f"{prefix}:planning",
        "notifications.tasks.events_dispatch_task": f"{prefix}:events",
        "notifications.tasks.webhook_delivery_send_task": f"{prefix}:events",
        "notifications.tasks.message_send_task": f"{prefix}:events",
        "tenants.accounts.tasks.invitation_email_send": f"{prefix}:events",
        "tenants.accounts.tasks.password_reset_email_send": f"{prefix}:events",
        "tenants.tasks.tenants_fan_out": f"{prefix}:housekeeping",
        "routing.tasks.optimizations_reap_task": f"{prefix}:housekeeping",
        "notifications.tasks.outbox_sweep_task": f"{prefix}:housekeeping",
        "notifications.tasks.notifications_purge_task": f"{prefix}:housekeeping",
        "tracking.tasks.positions_purge_task": f"{prefix}:housekeeping",
        "tenants.accounts.tasks.idempotency_records_purge": f"{prefix}:housekeeping",
        "tenants.tasks.tenants_closed_drop_task": f"{prefix}:housekeeping",
        "delivery.customers.tasks.standing_orders_generate_task": f"{prefix}:housekeeping",
        "delivery.tasks.shopify_order_sync_task": f"{prefix}:events",
        "delivery.tasks.shopify_syncs_sweep_task": f"{prefix}:housekeeping",
    }
    fire_and_forget = {"ignore_result": True}
    assert conf.beat_schedule == {
        "purge-idempotency-records": {
            "task": "tenants.tasks.tenants_fan_out",
            "schedule": 3600.0,
            "args": (PURGE,),
            "options": fire_and_forget,
        },
        "drop-closed-businesses": {
            "task": "tenants.tasks.tenants_closed_drop_task",
            "schedule": 86400.0,
        },
        "reap-stuck-optimizations": {
            "task": "tenants.tasks.tenants_fan_out",
            "schedule": 15.0,
            "args": ("routing.tasks.optimizations_reap_task",),
            "options": fire_and_forget,
        },
        "notifications-outbox-sweep": {
            "task": "tenants.tasks.tenants_fan_out",
            "schedule": 60.0,
            "args": ("notifications.tasks.outbox_sweep_task",),
            "options": fire_and_forget,
        },
        "notifications-purge": {
            "task": "tenants.tasks.tenants_fan_out",
            "schedule": 86400.0,
            "args": ("notifications.tasks.notifications_purge_task",),
            "options": fire_and_forget,
        },
        "purge-old-positions": {
            "task": "tenants.tasks.tenants_fan_out",
            "schedule": 3600.0,
            "args": ("tracking.tasks.positions_purge_task",),
            "options": fire_and_forget,
        },
        "standing-orders-generate": {
            "task": "tenants.tasks.tenants_fan_out",
            "schedule": 3600.0,
            "args": ("delivery.customers.tasks.standing_orders_generate_task",),
        },
        "shopify-syncs-sweep": {
            "task": "tenants.tasks.tenants_fan_out",
            "schedule": 300.0,
            "args": ("delivery.tasks.shopify_syncs_sweep_task",),
            "options": fire_and_forget,
        },
    }
    # A sub-package's tasks are found too (autodiscover of delivery.customers), as a worker
    # finds them when it starts.
    celery_app.loader.import_default_modules()
    assert "delivery.customers.tasks.standing_orders_generate_task" in celery_app.tasks


def test_platform_tasks_are_tenant_aware():
    assert isinstance(tenant_ping, TenantTask)
    assert isinstance(tenants_fan_out, TenantTask)
    assert isinstance(idempotency_records_purge, TenantTask)
    assert idempotency_records_purge.name == PURGE
    assert celery_app.tasks[PURGE].name == PURGE  # registered on the app, under its own name


# --- tenant_ping through the worker -----------------------------------------------------------


def test_tenant_ping_runs_in_the_schema_it_was_sent_from(
    celery_worker, committed_tenant, committed_db
):
    # given: two businesses; B has one user more than the four every business starts with
    world_a = committed_tenant("task-a")
    world_b = committed_tenant("task-b")
    with world_b.use():
        user_create(email="extra@task-b.test", role=Role.DRIVER, password=PASSWORD)

    # when
    answer_a = ping_from(world_a, "hi A")
    answer_b = ping_from(world_b, "hi B")

    # then
    assert answer_a == {"schema": "t_task_a", "tenant": "task-a", "users": 4, "message": "hi A"}
    assert answer_b == {"schema": "t_task_b", "tenant": "task-b", "users": 5, "message": "hi B"}
    # the sender's own connection is back where it was
    assert connection.schema_name == "public"


def test_tenant_ping_tells_its_business_sockets_only(celery_worker, committed_tenant, committed_db):
    # given: a socket in A and one in B (in process, on the real Redis channel layer)
    world_a = committed_tenant("task-cast-a")
    world_b = committed_tenant("task-cast-b")
    cookie_a = session_cookie(world_a, Role.DISPATCHER)
    cookie_b = session_cookie(world_b, Role.DISPATCHER)

    async def scenario():
        async with sockets((world_a.host, cookie_a), (world_b.host, cookie_b)) as (a, b):
            # when: A pings through the worker
            answer = await sync_to_async(ping_from)(world_a, "to A")
            return (
                answer,
                await a.receive_json_from(timeout=10),
                await b.receive_nothing(timeout=QUIET_SECONDS),
            )

    answer, got_a, b_quiet = async_to_sync(scenario)()

    # then
    data = {"schema": "t_task_cast_a", "tenant": "task-cast-a", "users": 4, "message": "to A"}
    assert answer == data
    assert got_a == {"type": "task.pong", "data": data}
    assert b_quiet is True


def test_tenant_ping_reaches_a_socket_on_the_real_server(
    asgi_server, celery_worker, committed_tenant, committed_db
):
    # given: worker, web server and test are three processes sharing only PostgreSQL and Redis
    world_a = committed_tenant("task-live-a")
    world_b = committed_tenant("task-live-b")
    cookie_a = session_cookie(world_a, Role.DRIVER)
    cookie_b = session_cookie(world_b, Role.DRIVER)
    with (
        real_socket(asgi_server, world_a.host, cookie=cookie_a) as a,
        real_socket(asgi_server, world_b.host, cookie=cookie_b) as b,
    ):
        for socket in (a, b):  # answered after connect() finished: both are in their groups
            socket.send(json.dumps({"type": "ping"}))
            assert json.loads(socket.recv(timeout=10))["type"] == "pong"

        # when
        answer = ping_from(world_b, "to B")

        # then
        got_b = json.loads(b.recv(timeout=10))
        a_quiet = real_quiet(a)

    data = {"schema": "t_task_live_b", "tenant": "task-live-b", "users": 4, "message": "to B"}
    assert answer == data
    assert got_b == {"type": "task.pong", "data": data}
    assert a_quiet is True


# --- tenants_fan_out --------------------------------------------------------------------------


def idempotency_keys(world) -> list[str]:
    with world.use():
        return sorted(IdempotencyRecord.objects.values_list("key", flat=True))


def test_fan_out_purges_old_idempotency_records_in_every_business(
    celery_worker, committed_tenant, committed_db
):
    # given: in each of two businesses a record past the 24 h TTL, one just inside it, a fresh
    # one; and a deactivated business that must be left alone
    worlds = [committed_tenant("fan-a"), committed_tenant("fan-b")]
    inactive = committed_tenant("fan-off")
    Tenant.objects.filter(pk=inactive.tenant.pk).update(is_active=False)
    now = timezone.now()
    ages = {
        "old": timedelta(hours=25),
        "edge": timedelta(hours=24) - timedelta(minutes=5),
        "fresh": timedelta(hours=1),
    }
    for world in [*worlds, inactive]:
        with world.use():
            for key, age in ages.items():
                IdempotencyRecord.objects.create(
                    principal="key:test",
                    key=key,
                    request_fingerprint="f" * 64,
                    response_status=201,
                    response_body=b"{}",
                    response_content_type="application/json",
                    created_at=now - age,
                    locked_until=now - age + timedelta(seconds=60),
                )
    businesses = sorted(business_tenants().values_list("slug", flat=True))

    # when: beat's entry is sent from the public schema, as beat sends it
    assert connection.schema_name == "public"
    entry = celery_app.conf.beat_schedule["purge-idempotency-records"]
    count = celery_app.send_task(entry["task"], args=entry["args"]).get(timeout=RESULT_SECONDS)

    # then
    assert businesses == ["alpha", "bravo", "fan-a", "fan-b"]
    assert count == 4
    assert wait_until(lambda: all("old" not in idempotency_keys(w) for w in worlds))
    assert idempotency_keys(worlds[0]) == ["edge", "fresh"]
    assert idempotency_keys(worlds[1]) == ["edge", "fresh"]
    assert idempotency_keys(inactive) == ["edge", "fresh", "old"]
