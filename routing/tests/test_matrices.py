"""Travel matrices: the offline provider's numbers, and OSRM / Valhalla clients tested at the HTTP
boundary with recorded responses from a real local server."""

import numpy as np
import pytest
from geopy.distance import great_circle

from routing.matrices import (
    GreatCircleProvider,
    MatrixError,
    OsrmProvider,
    ValhallaProvider,
    great_circle_metres,
    travel_matrix,
)
from tests.recorded_http import Recorded, RecordedServer

AMSTERDAM = (52.3731, 4.8926)  # Dam square
UTRECHT = (52.0907, 5.1214)  # Dom tower
ROTTERDAM = (51.9225, 4.4792)


def test_great_circle_distance_amsterdam_utrecht():
    metres = great_circle_metres([AMSTERDAM, UTRECHT])

    # geopy's independent implementation, same mean Earth radius: 35,054.96 m
    assert metres[0, 0] == 0
    assert metres[0, 1] == pytest.approx(great_circle(AMSTERDAM, UTRECHT).meters, abs=0.01)
    assert round(metres[1, 0]) == 35_055


def test_the_offline_provider_applies_detour_and_profile_speed():
    provider = GreatCircleProvider(detour_factor=1.5, speeds_kmh={"van": 36.0, "bike": 18.0})

    van = provider.matrix([AMSTERDAM, UTRECHT], profile="van")
    bike = provider.matrix([AMSTERDAM, UTRECHT], profile="bike")

    assert van.distances.tolist() == [[0, 52_582], [52_582, 0]]
    assert van.durations.tolist() == [[0, 5_258], [5_258, 0]]  # 52.58 km at 10 m/s
    assert bike.durations.tolist() == [[0, 10_516], [10_516, 0]]
    assert van.durations.dtype == np.int64


def test_an_unknown_profile_is_a_clear_error():
    provider = GreatCircleProvider(detour_factor=1.3, speeds_kmh={"van": 30.0})

    with pytest.raises(MatrixError, match="No speed configured for profile 'hovercraft'."):
        provider.matrix([AMSTERDAM, UTRECHT], profile="hovercraft")


def osrm_answer(request):
    sources = [int(i) for i in request.query["sources"][0].split(";")]
    destinations = [int(i) for i in request.query["destinations"][0].split(";")]
    # Recorded from an OSRM table response, trimmed to the asked sources × destinations.
    durations = [[0.0, 2405.7, 3101.2], [2398.1, 0.0, 3180.4], [3090.5, 3177.3, 0.0]]
    distances = [[0.0, 44810.3, 78220.9], [44790.1, 0.0, 61120.0], [78105.6, 61030.2, 0.0]]
    coordinates = request.path.split("/")[-1].split(";")
    index = {
        f"{lng:.6f},{lat:.6f}": i for i, (lat, lng) in enumerate([AMSTERDAM, UTRECHT, ROTTERDAM])
    }
    real = [index[coordinate] for coordinate in coordinates]
    return Recorded(
        body={
            "code": "Ok",
            "durations": [[durations[real[s]][real[d]] for d in destinations] for s in sources],
            "distances": [[distances[real[s]][real[d]] for d in destinations] for s in sources],
        }
    )


def test_osrm_table_in_blocks_is_assembled_and_rounded():
    with RecordedServer(osrm_answer) as server:
        provider = OsrmProvider(base_url=server.url, timeout=5, block=2)

        result = provider.matrix([AMSTERDAM, UTRECHT, ROTTERDAM], profile="van")

    assert result.durations.tolist() == [[0, 2406, 3101], [2398, 0, 3180], [3090, 3177, 0]]
    assert result.distances.tolist() == [[0, 44810, 78221], [44790, 0, 61120], [78106, 61030, 0]]
    assert len(server.requests) == 4  # 2×2 blocks of at most 2 places
    assert all(r.path.startswith("/table/v1/driving/") for r in server.requests)


def osrm_call(server, *, timeout: float = 5):
    return OsrmProvider(base_url=server.url, timeout=timeout, block=50).matrix(
        [AMSTERDAM, UTRECHT], profile="car"
    )


def test_osrm_errors_are_specific():
    invalid = Recorded(body={"code": "InvalidQuery", "message": "Bad coords"})
    with (
        RecordedServer(lambda request: invalid) as server,
        pytest.raises(MatrixError, match="OSRM answered InvalidQuery: Bad coords") as error,
    ):
        osrm_call(server)
    assert error.value.retryable is False

    unreachable = Recorded(
        body={
            "code": "Ok",
            "durations": [[0, None], [None, 0]],
            "distances": [[0, None], [None, 0]],
        }
    )
    with (
        RecordedServer(lambda request: unreachable) as server,
        pytest.raises(MatrixError, match="found no road between some places"),
    ):
        osrm_call(server)


def test_server_errors_and_timeouts_are_retryable():
    busy = Recorded(status=503, body={"message": "busy"})
    with (
        RecordedServer(lambda request: busy) as server,
        pytest.raises(MatrixError, match="OSRM answered 503.") as error,
    ):
        osrm_call(server)
    assert error.value.retryable is True

    slow = Recorded(body={"code": "Ok"}, delay=1.5)
    with (
        RecordedServer(lambda request: slow) as server,
        pytest.raises(MatrixError, match=r"OSRM did not answer within 0.5s.") as error,
    ):
        osrm_call(server, timeout=0.5)
    assert error.value.retryable is True


def test_valhalla_sources_to_targets():
    def answer(request):
        body = request.json()
        assert body["costing"] == "bicycle"
        return Recorded(
            body={
                "units": "kilometers",
                "sources_to_targets": [
                    [
                        {
                            "from_index": i,
                            "to_index": j,
                            "time": 0 if i == j else 6100 + i,
                            "distance": 0 if i == j else 41.234,
                        }
                        for j in range(len(body["targets"]))
                    ]
                    for i in range(len(body["sources"]))
                ],
            }
        )

    with RecordedServer(answer) as server:
        result = ValhallaProvider(base_url=server.url, timeout=5, block=10).matrix(
            [AMSTERDAM, UTRECHT], profile="cargo_bike"
        )

    assert result.durations.tolist() == [[0, 6100], [6101, 0]]
    assert result.distances.tolist() == [[0, 41234], [41234, 0]]
    assert server.requests[0].path == "/sources_to_targets"


def test_matrices_are_cached_per_tenant(tenant_a, tenant_b, settings):
    settings.ROUTING_MATRIX_PROVIDER = "osrm"
    settings.ROUTING_MATRIX_BLOCK = 100
    with RecordedServer(osrm_answer) as server:
        settings.ROUTING_MATRIX_URL = server.url
        with tenant_a.use():
            first = travel_matrix([AMSTERDAM, UTRECHT], profile="van")
            again = travel_matrix([AMSTERDAM, UTRECHT], profile="van")
        with tenant_b.use():
            travel_matrix([AMSTERDAM, UTRECHT], profile="van")

    assert first.durations.tolist() == again.durations.tolist() == [[0, 2406], [2398, 0]]
    assert len(server.requests) == 2  # once for A, once for B: caches never cross tenants
