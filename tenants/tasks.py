"""Platform tasks: the tenant-aware ping and the fan-out that runs a task in every business."""

from celery import current_app, shared_task
from django.db import connection
from django_tenants.utils import tenant_context

from tenants.accounts.models import User
from tenants.realtime import tenant_broadcast
from tenants.selectors import business_tenants
from tenants.services import tenants_closed_drop


@shared_task
def tenant_ping(message: str) -> dict:
    """Answers from inside the tenant it was sent from, and tells that tenant's sockets."""
    tenant = connection.tenant
    data = {
        "schema": connection.schema_name,
        "tenant": tenant.slug,
        "users": User.objects.count(),
        "message": message,
    }
    tenant_broadcast(tenant_id=tenant.pk, name="ping", message={"type": "task.pong", "data": data})
    return data


@shared_task
def tenants_fan_out(task_name: str) -> int:
    """Beat schedules this in the public schema; it enqueues `task_name` once per business."""
    count = 0
    for tenant in business_tenants():
        with tenant_context(tenant):
            current_app.send_task(task_name, ignore_result=True)
        count += 1
    return count


@shared_task
def tenants_closed_drop_task() -> list[str]:
    """Beat, daily: drop the schemas of businesses closed longer than the grace period ago."""
    return tenants_closed_drop()
