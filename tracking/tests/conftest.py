"""The websocket writer keeps its own database connection; close it after each test so the test
database can be dropped at the end of the run."""

import pytest

from tracking.ingest import writer_connection_close


@pytest.fixture(autouse=True)
def _writer_connection_closed():
    yield
    writer_connection_close()
