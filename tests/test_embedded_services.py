"""`make run` / `make test` on a machine with neither PostgreSQL nor Redis: the embedded ones."""

import os

import psycopg
import redis

from scripts.services import services_environment


def test_embedded_postgres_and_redis_start_answer_and_stop(tmp_path, monkeypatch):
    # given no service URLs and an empty data folder
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.setenv("DATA_DIR", str(tmp_path))

    # when the services are brought up
    with services_environment() as env:
        database_url, redis_url = env["DATABASE_URL"], env["REDIS_URL"]

        # then both answer, on private addresses, never the default ports
        with psycopg.connect(database_url, connect_timeout=10) as connection:
            assert connection.execute("SELECT current_database()").fetchone() == ("delivery",)
        assert "5432" not in database_url.split("@")[1].split("/")[0]
        client = redis.Redis.from_url(redis_url, socket_timeout=2)
        assert client.ping() is True
        assert not redis_url.endswith(":6379/0")
        assert (tmp_path / "postgres").is_dir()

    # and afterwards both are stopped
    try:
        client.ping()
        stopped = False
    except redis.ConnectionError:
        stopped = True
    assert stopped
    try:
        psycopg.connect(database_url, connect_timeout=2).close()
        database_stopped = False
    except psycopg.OperationalError:
        database_stopped = True
    assert database_stopped
    assert os.environ.get("DATABASE_URL") is None


def test_configured_urls_are_used_as_they_are(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", "postgresql://somewhere/db")
    monkeypatch.setenv("REDIS_URL", "redis://elsewhere:6380/3")
    monkeypatch.setenv("DATA_DIR", str(tmp_path))

    with services_environment() as env:
        assert env["DATABASE_URL"] == "postgresql://somewhere/db"
        assert env["REDIS_URL"] == "redis://elsewhere:6380/3"
    assert list(tmp_path.iterdir()) == []
