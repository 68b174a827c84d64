"""The fault-injection system (tests/faults/system.py), started once per module."""

import pytest

from notifications.tests.conftest import receiver  # noqa: F401 (a fixture: a webhook receiver)
from tests.faults.system import FaultRedis, System


@pytest.fixture(scope="module")
def system(django_db_setup, tmp_path_factory):
    root = tmp_path_factory.mktemp("faults")
    (root / "redis").mkdir()
    faulty = System(root=root, redis=FaultRedis(directory=root / "redis"))
    faulty.redis.start()
    try:
        faulty.start_web()
        faulty.start_worker()
        faulty.start_beat()
        yield faulty
    finally:
        faulty.stop()
