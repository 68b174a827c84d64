"""Every write of the routing app: optimisation jobs, the routes they produce, dispatch."""

import logging
from dataclasses import dataclass
from datetime import date, timedelta
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from delivery.models import Driver, Order, OrderStatus
from delivery.services import orders_out_for_delivery, orders_plan_apply
from notifications.events import optimization_event_record, route_event_record
from routing import heartbeat, matrices, vroom
from routing.binding import unplanned_reason
from routing.locks import plan_date_lock
from routing.models import OptimizationJob, Route, Stop
from routing.payloads import optimization_data, route_data
from routing.planning import Day
from routing.problem import PlannedRoute, problem_build, routes_read, unassigned_orders
from routing.realtime import dispatchers_notify, routes_changed
from routing.selectors import BUSY_ROUTE_STATUSES, day_to_plan, planned_routes_split
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
                f"No order of {delivery_date.isoformat()} with id {', '.join(missing)}."
            ]
    if driver_ids:
        found = set(Driver.objects.filter(pk__in=driver_ids).values_list("pk", flat=True))
        missing = [str(pk) for pk in driver_ids if _uuid(pk) not in found]
        if missing:
            errors["drivers"] = [f"No driver with id {', '.join(missing)}."]
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
            f"time_budget_s must be {MIN_BUDGET_S}–{MAX_BUDGET_S}.",
            fields={"time_budget_s": [f"Must be between {MIN_BUDGET_S} and {MAX_BUDGET_S}."]},
        )
    today = timezone.now().astimezone(tenant_time_zone()).date()
    if delivery_date < today:
        raise ApplicationError(
            "validation_error",
            "A past date cannot be planned.",
            fields={"date": ["A past date cannot be planned."]},
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


def _day_unchanged(day: Day) -> None:
    """The plan was made from `day` as read before the date lock: refuse to write it when a
    route it touches was dispatched, or one of its orders changed state or date, meanwhile."""
    busy = Route.objects.filter(
        delivery_date=day.delivery_date, status__in=BUSY_ROUTE_STATUSES
    ).exclude(pk__in=[underway.route_id for underway in day.underway.values()])
    order_ids = [order.id for order in day.orders]
    movable = (OrderStatus.UNASSIGNED, OrderStatus.ASSIGNED)
    if day.underway:
        movable += (OrderStatus.OUT_FOR_DELIVERY,)
    still_movable = Order.objects.filter(
        pk__in=order_ids, delivery_date=day.delivery_date, status__in=movable
    ).count()
    if (
        busy.filter(driver_id__in=[driver.id for driver in day.drivers]).exists()
        or Stop.objects.filter(route__in=busy, order_id__in=order_ids).exists()
        or still_movable != len(order_ids)
    ):
        raise ApplicationError(
            "conflict",
            f"The routes or orders of {day.delivery_date.isoformat()} changed while planning "
            "(a route was dispatched or an order changed); the routes were left as they were. "
            "Plan again.",
        )


@dataclass
class _Continued:
    assignments: list[tuple]
    on_their_way: list  # orders added to a started route: out for delivery at once


def _route_measure(route: Route) -> None:
    """Distance and driving time of the whole route as it now stands (done stops included)."""
    from routing.edits import route_schedule  # edits builds on this module

    stops = list(Stop.objects.select_related("order").filter(route=route).order_by("sequence"))
    schedule = route_schedule(route, stops)
    route.distance_m, route.travel_s = schedule.distance_m, schedule.travel_s
    route.duration_s = int((route.planned_end - route.planned_start).total_seconds())


def _routes_continue(*, day: Day, planned: list[PlannedRoute]) -> _Continued:
    """Routes under way keep their done and current stops first, as they were; the planned
    stops follow them. A remaining stop the solver could not fit stays in its van, last, with
    its old times: the goods are on board."""
    by_driver = {route.driver_id: route for route in planned}
    assignments, on_their_way = [], []
    for driver_id, underway in day.underway.items():
        route = Route.objects.select_for_update().get(pk=underway.route_id)
        kept = list(underway.kept_stop_ids)
        Stop.objects.filter(pk__in=kept).update(locked=True)
        plan_route = by_driver.get(driver_id)
        planned_stops = plan_route.stops if plan_route else []
        planned_ids = {stop.order_id for stop in planned_stops}
        leftovers = list(
            Stop.objects.filter(route=route)
            .exclude(pk__in=kept)
            .exclude(order_id__in=planned_ids)
            .order_by("sequence")
        )
        Stop.objects.filter(route=route).exclude(pk__in=kept).delete()
        new_stops = [
            Stop(
                route=route,
                order_id=stop.order_id,
                kind=stop.kind,
                sequence=len(kept) + stop.sequence,
                planned_arrival=stop.arrival,
                planned_departure=stop.departure,
                waiting_s=stop.waiting_s,
                load_after=stop.load_after,
            )
            for stop in planned_stops
        ]
        new_stops += [
            Stop(
                route=route,
                order_id=old.order_id,
                kind=old.kind,
                sequence=len(kept) + len(planned_stops) + number,
                planned_arrival=old.planned_arrival,
                planned_departure=old.planned_departure,
                waiting_s=old.waiting_s,
                load_after=old.load_after,
            )
            for number, old in enumerate(leftovers, start=1)
        ]
        Stop.objects.bulk_create(new_stops)
        for stop in new_stops:
            if stop.kind != Stop.Kind.DELIVERY:
                continue
            assignments.append(
                (stop.order_id, driver_id, route.id, stop.sequence, stop.planned_arrival)
            )
            if route.status == Route.Status.STARTED:
                on_their_way.append(stop.order_id)
        if plan_route is not None:
            route.planned_end = max(plan_route.end, route.planned_end)
        _route_measure(route)
        route.save(
            update_fields=["planned_end", "distance_m", "travel_s", "duration_s", "updated_at"]
        )
    return _Continued(assignments=assignments, on_their_way=on_their_way)


def routes_replace(
    *,
    day: Day,
    planned: list[PlannedRoute],
    unassigned_ids: list,
    job: OptimizationJob | None,
    actor: Actor,
    driver_ids=None,
    order_ids=None,
) -> list[Route]:
    """Replace the date's planned (not yet dispatched) routes that a plan of `order_ids` /
    `driver_ids` (empty: all) covers with `planned`; the others stay exactly as they are. Call
    inside a transaction holding the date lock: the split is read again here, so a plan
    written meanwhile by another job is replaced, or, when it now lies outside this plan's
    scope and shares a driver or an order with it, this plan is refused."""
    drivers = {driver.id: driver for driver in day.drivers}
    kept, replaced = planned_routes_split(
        delivery_date=day.delivery_date, order_ids=order_ids, driver_ids=driver_ids
    )
    stale = Route.objects.filter(pk__in=replaced)
    planned_orders = [stop.order_id for route in planned for stop in route.stops]
    kept_drivers = set(Route.objects.filter(pk__in=kept).values_list("driver_id", flat=True))
    kept_orders = set(Stop.objects.filter(route_id__in=kept).values_list("order_id", flat=True))
    if kept_drivers & {route.driver_id for route in planned} or kept_orders & {
        *planned_orders,
        *unassigned_ids,
    }:
        raise ApplicationError(
            "conflict",
            f"The routes of {day.delivery_date.isoformat()} changed while planning (another "
            "plan was written); the routes were left as they were. Plan again.",
        )
    # Orders on a replaced route that this plan did not cover (planning was limited to some
    # orders) lose their stop with it: they must not keep pointing at a deleted route.
    on_stale = Stop.objects.filter(route__in=stale).values_list("order_id", flat=True)
    left_behind = set(on_stale) - {*planned_orders, *unassigned_ids}
    stale.delete()
    # An order rescheduled from another day may still sit on that day's finished route.
    # (Not the stops routes under way keep: a pickup done this morning stays where it was.)
    kept = [stop_id for underway in day.underway.values() for stop_id in underway.kept_stop_ids]
    Stop.objects.filter(order_id__in=planned_orders).exclude(pk__in=kept).delete()
    routes, stops, assignments = [], [], []
    continued = _routes_continue(day=day, planned=planned)
    for plan_route in planned:
        driver = drivers[plan_route.driver_id]
        if driver.id in day.underway:
            continue  # written by _routes_continue
        route = Route(
            delivery_date=day.delivery_date,
            driver_id=driver.id,
            vehicle_id=driver.vehicle.id if driver.vehicle else None,
            optimization=job,
            start_lat=driver.start[0],
            start_lng=driver.start[1],
            end_lat=driver.end[0] if driver.end else None,
            end_lng=driver.end[1] if driver.end else None,
            planned_start=plan_route.start,
            planned_end=plan_route.end,
            distance_m=plan_route.distance_m,
            travel_s=plan_route.travel_s,
            duration_s=int((plan_route.end - plan_route.start).total_seconds()),
        )
        routes.append(route)
        for stop in plan_route.stops:
            stops.append(
                Stop(
                    route=route,
                    order_id=stop.order_id,
                    kind=stop.kind,
                    sequence=stop.sequence,
                    planned_arrival=stop.arrival,
                    planned_departure=stop.departure,
                    waiting_s=stop.waiting_s,
                    load_after=stop.load_after,
                )
            )
            if stop.kind == Stop.Kind.DELIVERY:  # the order's route, sequence and ETA
                assignments.append(
                    (stop.order_id, driver.id, route.id, stop.sequence, stop.arrival)
                )
    Route.objects.bulk_create(routes)
    Stop.objects.bulk_create(stops)
    orders_plan_apply(
        assignments=[*assignments, *continued.assignments],
        unassigned=[*unassigned_ids, *left_behind],
        actor=actor,
    )
    if continued.on_their_way:
        orders_out_for_delivery(order_ids=continued.on_their_way, actor=actor)
    routes_changed(
        route_ids=[
            *(route.pk for route in routes),
            *(underway.route_id for underway in day.underway.values()),
        ]
    )
    return routes


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
                "solver": result.path,
                "solver_reason": result.reason,
                "solver_seconds": round(result.seconds, 2),
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


WORKER_STOPPED = (
    "The planning worker stopped (it was killed or crashed) and the job was already run again "
    "once; the routes were left as they were. Plan again."
)
# Runs of one job at most: a job whose worker stopped is run once more, then failed.
MAX_ATTEMPTS = 2


def optimizations_reap(*, now=None) -> int:
    """Jobs that would otherwise wait forever (beat, every OPTIMIZATION_REAP_SECONDS):
    - running past their deadline (no heartbeat: the worker was killed, crashed, or hit its hard
      time limit): run once more (the routes are untouched until a run succeeds), or failed
      with "the planning worker stopped";
    - queued, with a task that never reached the broker (Redis was down when it was requested)
      or was lost with it: sent again. A second copy of a task is harmless: only the run that
      moves the job from queued to running plans it.
    Returns how many jobs it acted on."""
    now = now or timezone.now()
    count = 0
    for job in OptimizationJob.objects.filter(
        status=OptimizationJob.Status.RUNNING, deadline_at__lt=now
    ):
        count += _worker_stopped(job=job, now=now)
    # A job started without a deadline (before jobs had heartbeats): the old backstop.
    for job in OptimizationJob.objects.filter(
        status=OptimizationJob.Status.RUNNING,
        deadline_at__isnull=True,
        started_at__lt=now - timedelta(seconds=MAX_BUDGET_S + 300),
    ):
        count += _fail(job, "Planning did not finish in time; the routes were left as they were.")
    unsent = OptimizationJob.objects.filter(status=OptimizationJob.Status.QUEUED).filter(
        Q(
            sent_at__isnull=True,
            created_at__lt=now - timedelta(seconds=settings.OPTIMIZATION_UNSENT_GRACE_SECONDS),
        )
        | Q(sent_at__lt=now - timedelta(seconds=settings.OPTIMIZATION_RESEND_SECONDS))
    )
    for job in unsent:
        with transaction.atomic():
            _run_send_after_commit(job)
        count += 1
    return count


def _worker_stopped(*, job: OptimizationJob, now) -> int:
    with transaction.atomic():
        job = OptimizationJob.objects.select_for_update().get(pk=job.pk)
        if job.status != OptimizationJob.Status.RUNNING or job.deadline_at >= now:
            return 0  # it finished, or beat, meanwhile
        if job.attempts >= MAX_ATTEMPTS:
            logger.warning("planning job %s: worker %s stopped; failing it", job.pk, job.worker)
            return int(_fail(job, WORKER_STOPPED))
        logger.warning("planning job %s: worker %s stopped; running it again", job.pk, job.worker)
        job.status, job.progress = OptimizationJob.Status.QUEUED, 0
        job.started_at = job.heartbeat_at = job.deadline_at = job.sent_at = None
        job.save(
            update_fields=[
                "status",
                "progress",
                "started_at",
                "heartbeat_at",
                "deadline_at",
                "sent_at",
            ]
        )
        _notify_after_commit(job)
        _run_send_after_commit(job)
    return 1


def route_status_set(*, route: Route, to: str, actor: Actor) -> Route:
    """dispatch (planned → dispatched), start (dispatched → started), complete (started →
    completed)."""
    allowed = {
        Route.Status.DISPATCHED: Route.Status.PLANNED,
        Route.Status.STARTED: Route.Status.DISPATCHED,
        Route.Status.COMPLETED: Route.Status.STARTED,
    }
    stamp = {
        Route.Status.DISPATCHED: "dispatched_at",
        Route.Status.STARTED: "started_at",
        Route.Status.COMPLETED: "completed_at",
    }
    with transaction.atomic():
        plan_date_lock(delivery_date=route.delivery_date)
        route = Route.objects.select_for_update().get(pk=route.pk)
        if route.status != allowed[to]:
            raise ApplicationError(
                "invalid_transition",
                f"A route that is {route.status} cannot become {to}.",
            )
        route.status = to
        setattr(route, stamp[to], timezone.now())
        route.save(update_fields=["status", stamp[to], "updated_at"])
        route_event_record(snapshot=route_data(route))
        if to == Route.Status.STARTED:
            from routing.edits import route_etas_from  # edits builds on this module

            # Before the orders go out (and their messages name a window): ETAs from now.
            route_etas_from(route=route, moment=route.started_at)
            orders_out_for_delivery(
                order_ids=route.stops.values_list("order_id", flat=True), actor=actor
            )
        routes_changed(route_ids=[route.pk])  # route.updated after commit
    return route
