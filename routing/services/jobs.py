"""Planning jobs: start one (scope checked, queued on its planning queue after commit), run it
on a worker (solve, then write the plan), fail it with its reason."""

import logging
from datetime import date, timedelta
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from delivery.models import Driver, Order, OrderStatus
from notifications.events import optimization_event_record
from routing import heartbeat, matrices, vroom
from routing.binding import unplanned_reason
from routing.locks import plan_date_lock
from routing.models import OptimizationJob
from routing.payloads import optimization_data
from routing.problem import problem_build, routes_read, unassigned_orders
from routing.realtime import dispatchers_notify
from routing.selectors import day_to_plan
from routing.services.plans import _day_unchanged, routes_replace
from routing.solvers import PlanResult, plan
from tenants.actors import Actor, system_actor
from tenants.errors import ApplicationError
from tenants.queueing import task_send_after_commit
from tenants.selectors import current_tenant, tenant_loading_lead, tenant_time_zone

logger = logging.getLogger(__name__)

MIN_BUDGET_S, MAX_BUDGET_S = 1, 300


def default_budget_s(order_count: int) -> int:
    """Seconds of solving: a few for a bakery's 60 stops, up to half a minute for 1,000+."""
    return int(min(30, max(5, order_count / 35)))


def _job_message(job: OptimizationJob) -> dict:
    return {
        "type": "optimization.updated",
        "data": {
            "id": str(job.pk),
            "delivery_date": job.delivery_date.isoformat(),
            "status": job.status,
            "progress": job.progress,
            "summary": job.summary,
            "unassigned": len(job.unassigned),
            "error": job.error,
        },
    }


def _notify_after_commit(job: OptimizationJob) -> None:
    message = _job_message(job)
    tenant_id = current_tenant().pk
    transaction.on_commit(lambda: dispatchers_notify(tenant_id=tenant_id, message=message))


def _scope_check(*, delivery_date: date, order_ids, driver_ids) -> None:
    """A plan limited to some orders or drivers names only this business's orders of that
    date and its drivers: anything else is refused before a job exists (nothing changes)."""
    errors = {}
    order_ids, driver_ids = list(dict.fromkeys(order_ids)), list(dict.fromkeys(driver_ids))
    if order_ids:
        found = set(
            Order.objects.filter(pk__in=order_ids, delivery_date=delivery_date).values_list(
                "pk", flat=True
            )
        )
        missing = [str(pk) for pk in order_ids if _uuid(pk) not in found]
        if missing:
            errors["orders"] = [
                _("No order of %(date)s with id %(ids)s.")
                % {"date": delivery_date.isoformat(), "ids": ", ".join(missing)}
            ]
    if driver_ids:
        found = set(Driver.objects.filter(pk__in=driver_ids).values_list("pk", flat=True))
        missing = [str(pk) for pk in driver_ids if _uuid(pk) not in found]
        if missing:
            errors["drivers"] = [_("No driver with id %(ids)s.") % {"ids": ", ".join(missing)}]
    if errors:
        raise ApplicationError(
            "validation_error",
            " ".join(message for messages in errors.values() for message in messages),
            fields=errors,
        )


def _uuid(value) -> UUID:
    return value if isinstance(value, UUID) else UUID(str(value))


def optimization_start(
    *,
    mode: str = "plan",
    delivery_date: date,
    actor: Actor,
    order_ids=(),
    driver_ids=(),
    time_budget_s: int | None = None,
) -> OptimizationJob:
    """Queue a planning job for a date; a Celery worker runs it (never the web request)."""
    if time_budget_s is not None and not MIN_BUDGET_S <= time_budget_s <= MAX_BUDGET_S:
        raise ApplicationError(
            "validation_error",
            _("time_budget_s must be %(minimum)s–%(maximum)s.")
            % {"minimum": MIN_BUDGET_S, "maximum": MAX_BUDGET_S},
            fields={
                "time_budget_s": [
                    _("Must be between %(minimum)s and %(maximum)s.")
                    % {"minimum": MIN_BUDGET_S, "maximum": MAX_BUDGET_S}
                ]
            },
        )
    today = timezone.now().astimezone(tenant_time_zone()).date()
    if delivery_date < today:
        raise ApplicationError(
            "validation_error",
            _("A past date cannot be planned."),
            fields={"date": [_("A past date cannot be planned.")]},
        )
    _scope_check(delivery_date=delivery_date, order_ids=order_ids, driver_ids=driver_ids)
    with transaction.atomic():
        job = OptimizationJob.objects.create(
            delivery_date=delivery_date,
            requested_by=actor.label[:254],
            params={
                "mode": mode,
                "orders": [str(i) for i in order_ids],
                "drivers": [str(i) for i in driver_ids],
                "time_budget_s": time_budget_s,
            },
        )
        _notify_after_commit(job)
        _run_send_after_commit(job)
    return job


def _run_send_after_commit(job: OptimizationJob) -> None:
    """Queue the job's run once it is committed, on its planning queue (by the day's size). A
    broker outage leaves it queued (never lost): `optimizations_reap` sends it again."""
    from routing.tasks import optimization_run_task

    budget = job.params.get("time_budget_s") or MAX_BUDGET_S
    job_id = job.pk
    queue = planning_queue(
        delivery_date=job.delivery_date, order_ids=job.params.get("orders") or ()
    )

    def sent() -> None:
        OptimizationJob.objects.filter(pk=job_id).update(sent_at=timezone.now())

    # The hard limit is the backstop: VROOM holds the GIL, so a soft limit cannot stop it.
    task_send_after_commit(
        optimization_run_task,
        args=[str(job_id)],
        on_sent=sent,
        queue=queue,
        time_limit=budget + 180,
        soft_time_limit=budget + 120,
    )
    return job


def planning_queue(*, delivery_date: date, order_ids=()) -> str:
    """Large days (more than PLANNING_LARGE_ORDERS orders) plan on their own queue, so one
    business's long plan never holds the short plans of others (README, "Scaling out")."""
    size = (
        len(order_ids)
        if order_ids
        else Order.objects.filter(delivery_date=delivery_date)
        .exclude(status__in=[OrderStatus.DELIVERED, OrderStatus.FAILED, OrderStatus.CANCELLED])
        .count()
    )
    if size > settings.PLANNING_LARGE_ORDERS:
        return settings.CELERY_PLANNING_LARGE_QUEUE
    return settings.CELERY_PLANNING_QUEUE


def _progress(job: OptimizationJob, percent: int) -> None:
    job.progress = percent
    OptimizationJob.objects.filter(pk=job.pk).update(progress=percent)
    dispatchers_notify(tenant_id=current_tenant().pk, message=_job_message(job))


def optimization_run(*, job_id) -> OptimizationJob:
    """Plan the job's date. Nothing is written unless the whole plan is: a failure or a time-out
    leaves the routes as they were and records why."""
    with transaction.atomic():
        job = OptimizationJob.objects.select_for_update().get(pk=job_id)
        if job.status != OptimizationJob.Status.QUEUED:
            return job  # a redelivered task: the first run owns the job
        now = timezone.now()
        job.status, job.started_at, job.progress = OptimizationJob.Status.RUNNING, now, 5
        job.attempts += 1
        job.worker = heartbeat.worker_name()
        job.heartbeat_at = now
        job.deadline_at = now + timedelta(seconds=heartbeat.HEARTBEAT_GRACE_SECONDS)
        job.save(
            update_fields=[
                "status",
                "started_at",
                "progress",
                "attempts",
                "worker",
                "heartbeat_at",
                "deadline_at",
            ]
        )
        _notify_after_commit(job)
    with heartbeat.job_heartbeat(job_id=job.pk, attempt=job.attempts):
        return _optimization_solve(job)


def _optimization_solve(job: OptimizationJob) -> OptimizationJob:
    actor = system_actor(f"planner (requested by {job.requested_by})")
    started = timezone.now()
    try:
        tz = tenant_time_zone()
        day = day_to_plan(
            delivery_date=job.delivery_date,
            tz=tz,
            order_ids=job.params.get("orders") or None,
            driver_ids=job.params.get("drivers") or None,
            replan=job.params.get("mode") == "replan",
            now=started,
            lead=tenant_loading_lead(),
        )
        _progress(job, 10)
        provider = matrices.matrix_provider()

        def matrix_for(points, profile):
            return matrices.travel_matrix(points, profile=profile, provider=provider)

        problem, mapping = problem_build(day, matrix_for=matrix_for)
        _progress(job, 30)
        budget = job.params.get("time_budget_s") or default_budget_s(
            len(problem.jobs) + len(problem.shipments)
        )
        # The solver may hold the GIL (no heartbeat) for its whole budget.
        heartbeat.deadline_extend(job_id=job.pk, attempt=job.attempts, seconds=budget)
        if problem.vehicles:
            result = plan(problem, time_budget=timedelta(seconds=budget))
        else:
            # VROOM refuses a problem without vehicles; with no driver on shift nothing can be
            # planned and every order is explained below.
            result = PlanResult(
                solution=vroom.Solution(routes=[], unassigned=sorted(mapping.order_ids)),
                path="none",
                reason="no driver on shift",
                pyvrp_supported=False,
                seconds=0.0,
            )
        _progress(job, 90)
        orders = {order.id: order for order in day.orders}
        planned = routes_read(day, result.solution, mapping, orders)
        left_out = unassigned_orders(result.solution, mapping)
        left_out += [order.id for order in day.orders if order.location is None]

        index = {point: number for number, point in enumerate(mapping.points)}

        def travel_s(origin, destination, profile):
            # The problem's own matrix: no second round of routing-server calls to explain.
            durations = problem.durations.get(profile)
            if durations is not None and origin in index and destination in index:
                return int(durations[index[origin]][index[destination]])
            return int(matrix_for([origin, destination], profile).durations[0][1])

        reasons = [
            {
                "order": str(order_id),
                "label": orders[order_id].label,
                "reason": unplanned_reason(orders[order_id], day, planned, travel_s=travel_s),
            }
            for order_id in left_out
        ]
        with transaction.atomic():
            plan_date_lock(delivery_date=job.delivery_date)
            current = OptimizationJob.objects.select_for_update().get(pk=job.pk)
            if current.status != OptimizationJob.Status.RUNNING or current.attempts != job.attempts:
                # The reaper gave up on this run meanwhile (failed it, or runs it again): its
                # verdict stands.
                return current
            _day_unchanged(day)
            routes_replace(
                day=day,
                planned=planned,
                unassigned_ids=left_out,
                job=job,
                actor=actor,
                driver_ids=job.params.get("drivers") or None,
                order_ids=job.params.get("orders") or None,
                heading={
                    driver_id: tuple(day.time_base + timedelta(seconds=s) for s in times)
                    for driver_id, times in mapping.heading.items()
                },
            )
            job.status = OptimizationJob.Status.SUCCEEDED
            job.progress = 100
            job.unassigned = reasons
            job.summary = {
                "routes": len(planned),
                "orders_planned": sum(
                    1 for route in planned for stop in route.stops if stop.kind == "delivery"
                ),
                "orders_unassigned": len(reasons),
                "distance_m": sum(route.distance_m for route in planned),
                "travel_s": sum(route.travel_s for route in planned),
                "starts_at": day.starts_at.isoformat() if day.starts_at else None,
                "routes_kept": day.kept_route_count,
                # Re-planning routes under way: which vans started from their driver's last
                # known position, and which from their current stop (no recent position).
                "from_positions": day.from_positions,
                "positions_stale": day.positions_stale,
                "solver": result.path,
                "solver_reason": result.reason,
                "solver_seconds": round(result.seconds, 2),
                # every engine run inside the budget: engine, level, seconds, what it found
                "solver_runs": [attempt.summary() for attempt in result.attempts],
                "seconds": round((timezone.now() - started).total_seconds(), 2),
            }
            job.finished_at = timezone.now()
            # Not the heartbeat fields: the heartbeat thread owns them.
            job.save(update_fields=["status", "progress", "unassigned", "summary", "finished_at"])
            optimization_event_record(snapshot=optimization_data(job))
            _notify_after_commit(job)
    except (ApplicationError, matrices.MatrixError) as error:
        _fail(job, str(error))
    except Exception as error:
        # The job must say it failed whatever went wrong; the error is logged with its trace.
        logger.exception("optimization %s failed", job.pk)
        _fail(job, f"Planning failed: {error.__class__.__name__}: {error}")
        raise
    return job


def _fail(job: OptimizationJob, message: str) -> bool:
    """Mark a running job failed; False when it is no longer running this attempt (it
    finished meanwhile, was failed already, or the reaper started it again)."""
    with transaction.atomic():
        failed = OptimizationJob.objects.filter(
            pk=job.pk, status=OptimizationJob.Status.RUNNING, attempts=job.attempts
        ).update(
            status=OptimizationJob.Status.FAILED, error=message[:2000], finished_at=timezone.now()
        )
        job.refresh_from_db()
        if failed:
            _notify_after_commit(job)
            optimization_event_record(snapshot=optimization_data(job))
    return bool(failed)
