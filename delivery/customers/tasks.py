"""Celery tasks of customers and standing orders: thin, safe to run twice."""

from celery import shared_task

from delivery.customers.standing import standing_orders_generate


@shared_task
def standing_orders_generate_task() -> int:
    """Beat runs this for every business (tenants_fan_out): the coming occurrences' orders."""
    return standing_orders_generate().created
