"""Every write of the routing app: optimisation jobs, the routes they produce, dispatch."""

import logging
from dataclasses import dataclass
from datetime import date, timedelta
from uuid import UUID

from django.db import transaction
from django.utils import timezone

from delivery.models import Driver, Order, OrderStatus
from delivery.services import orders_out_for_delivery, orders_plan_apply
from notifications.events import optimization_event_record, route_event_record
from routing import matrices, vroom
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
    from routing.tasks import optimization_run_task

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
        budget = time_budget_s or MAX_BUDGET_S
        # The hard limit is the backstop: VROOM holds the GIL, so a soft limit cannot stop it.
        transaction.on_commit(
            lambda: optimization_run_task.apply_async(
                args=[str(job.pk)],
                time_limit=budget + 180,
                soft_time_limit=budget + 120,
            )
        )
    return job


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
        job.status, job.started_at, job.progress = (
            OptimizationJob.Status.RUNNING,
            timezone.now(),
            5,
        )
        job.save(update_fields=["status", "started_at", "progress"])
        _notify_after_commit(job)
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
            if current.status != OptimizationJob.Status.RUNNING:
                # The reaper gave up on this run meanwhile: its verdict stands.
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
            job.save()
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
    """Mark a running job failed; False when it is no longer running (it finished meanwhile,
    or was failed already)."""
    with transaction.atomic():
        failed = OptimizationJob.objects.filter(
            pk=job.pk, status=OptimizationJob.Status.RUNNING
        ).update(
            status=OptimizationJob.Status.FAILED, error=message[:2000], finished_at=timezone.now()
        )
        job.refresh_from_db()
        if failed:
            _notify_after_commit(job)
            optimization_event_record(snapshot=optimization_data(job))
    return bool(failed)


def optimizations_reap(*, now=None) -> int:
    """Fail jobs whose worker died (hard time limit, crash): they would say "running" forever."""
    now = now or timezone.now()
    stuck = OptimizationJob.objects.filter(
        status=OptimizationJob.Status.RUNNING,
        started_at__lt=now - timedelta(seconds=MAX_BUDGET_S + 300),
    )
    count = 0
    for job in stuck:
        count += _fail(job, "Planning did not finish in time; the routes were left as they were.")
    return count


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
