"""`/readyz` (readiness: PostgreSQL, Redis, broker, timed) next to `/healthz` (liveness)."""

from django.test import Client, override_settings


def test_ready_when_everything_answers(db):
    response = Client(HTTP_HOST="localhost").get("/readyz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ready"
    assert sorted(body["checks"]) == ["broker", "postgresql", "redis"]
    assert all(check["ok"] is True for check in body["checks"].values())
    assert all(0 <= check["ms"] < 1000 for check in body["checks"].values())
    assert response["Cache-Control"] == "no-store"


def test_not_ready_while_redis_is_unreachable_but_still_alive(db):
    # given Redis on a port where nothing listens
    with override_settings(REDIS_URL="redis://127.0.0.1:1/0"):
        ready = Client(HTTP_HOST="localhost").get("/readyz")
        alive = Client(HTTP_HOST="localhost").get("/healthz")

    # then readiness says what is missing, liveness stays ok
    assert ready.status_code == 503
    assert ready["Retry-After"] == "5"
    body = ready.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["postgresql"]["ok"] is True
    assert body["checks"]["redis"]["ok"] is False
    assert body["checks"]["redis"]["error"].startswith("ConnectionError: Error 111 connecting")
    assert (alive.status_code, alive.json()) == (200, {"status": "ok"})


def test_readiness_on_a_business_host(tenant_a):
    assert Client(HTTP_HOST=tenant_a.host).get("/readyz").status_code == 200
