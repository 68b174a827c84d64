"""What routing hands over when routes change or a planning job ends: the snapshots its events
carry (README "Notifications and webhooks" documents the shapes)."""


def _iso(moment) -> str | None:
    return moment.isoformat() if moment is not None else None


def route_data(route) -> dict:
    return {
        "id": str(route.pk),
        "status": route.status,
        "delivery_date": route.delivery_date.isoformat(),
        "driver": str(route.driver_id),
        "vehicle": str(route.vehicle_id) if route.vehicle_id else None,
        "dispatched_at": _iso(route.dispatched_at),
        "started_at": _iso(route.started_at),
        "completed_at": _iso(route.completed_at),
    }


def optimization_data(job) -> dict:
    return {
        "id": str(job.pk),
        "status": job.status,
        "delivery_date": job.delivery_date.isoformat(),
        "summary": job.summary,
        "unassigned": job.unassigned,
        "error": job.error,
        "finished_at": _iso(job.finished_at),
    }
