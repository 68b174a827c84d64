"""Road geometry for the maps, tested at the HTTP boundary against fake OSRM and Valhalla servers
(real local HTTP servers answering like the real ones): the path, its cache, the fall-back to
straight lines when no server is configured or it fails, and the API that serves it."""

import uuid

import pytest

from delivery.tests.factories import make_driver, make_order
from routing.geometry import polyline_decode, road_path
from routing.models import Stop
from routing.tests.test_services import DAY, DEPOT, at, make_route
from tests.recorded_http import Recorded, RecordedServer


def places() -> list[tuple[float, float]]:
    """Three places no other test asks for (the cache is shared): depot, a stop, the depot."""
    offset = (uuid.uuid4().int % 10_000) / 10_000_000
    stop = (round(52.38 + offset, 6), round(4.90 + offset, 6))
    depot = (round(DEPOT[0] + offset, 6), round(DEPOT[1] + offset, 6))
    return [depot, stop, depot]


def osrm_route(points):
    """What OSRM's route service answers: [lng, lat] pairs, with a bend between each place."""
    coordinates = []
    for (lat1, lng1), (lat2, _) in zip(points, points[1:], strict=False):
        coordinates += [[lng1, lat1], [lng1, lat2]]
    coordinates.append([points[-1][1], points[-1][0]])
    return {
        "code": "Ok",
        "routes": [{"geometry": {"type": "LineString", "coordinates": coordinates}}],
    }


def configure(settings, kind: str, url: str, timeout: float = 2) -> None:
    settings.ROUTING_MATRIX_PROVIDER = kind
    settings.ROUTING_MATRIX_URL = url
    settings.ROUTING_GEOMETRY_TIMEOUT = timeout


def test_osrm_gives_the_road_path_once_then_from_the_cache(tenant_a, settings):
    points = places()
    with RecordedServer(lambda request: Recorded(body=osrm_route(points))) as server:
        configure(settings, "osrm", server.url + "/")
        with tenant_a.use():
            first = road_path(points, profile="van")
            second = road_path(points, profile="van")

    (depot, stop, _) = points
    assert first == [depot, (stop[0], depot[1]), stop, (depot[0], stop[1]), depot]
    assert second == first
    assert len(server.requests) == 1
    request = server.requests[0]
    coordinates = ";".join(f"{lng:.6f},{lat:.6f}" for lat, lng in points)
    assert request.path == f"/route/v1/driving/{coordinates}"
    assert request.query == {"overview": ["full"], "geometries": ["geojson"], "steps": ["false"]}


@pytest.mark.parametrize(
    "answer",
    [
        Recorded(status=500, body={"message": "boom"}),
        Recorded(body={"code": "NoRoute", "message": "Impossible route"}),
        Recorded(raw=b"<html>proxy error</html>"),
        Recorded(body={"code": "Ok", "routes": [{"geometry": {"coordinates": "nonsense"}}]}),
        Recorded(body=osrm_route([(52.0, 4.0), (52.1, 4.1)]), delay=1.5),  # too slow
    ],
    ids=["500", "no-route", "not-json", "bad-geometry", "timeout"],
)
def test_a_failing_server_gives_straight_lines_and_is_left_alone_a_minute(
    tenant_a, settings, answer
):
    points = places()
    with RecordedServer(lambda request: answer) as server:
        configure(settings, "osrm", server.url, timeout=0.5)
        with tenant_a.use():
            first = road_path(points, profile="van")
            again = road_path(points, profile="van")

    assert (first, again) == (None, None)
    assert len(server.requests) == 1


def test_without_a_routing_server_nothing_is_asked(tenant_a, settings):
    with RecordedServer(lambda request: Recorded(body=osrm_route(places()))) as server:
        configure(settings, "great_circle", server.url)
        with tenant_a.use():
            assert road_path(places(), profile="van") is None
        configure(settings, "osrm", "")
        with tenant_a.use():
            assert road_path(places(), profile="van") is None

    assert server.requests == []


def polyline_encode(points, precision: int = 6) -> str:
    """Google's polyline encoding (the test's own, to check the decoder)."""
    factor, text, last = 10**precision, [], (0, 0)
    for lat, lng in points:
        current = (round(lat * factor), round(lng * factor))
        for delta in (current[0] - last[0], current[1] - last[1]):
            value = ~(delta << 1) if delta < 0 else delta << 1
            while value >= 0x20:
                text.append(chr((0x20 | (value & 0x1F)) + 63))
                value >>= 5
            text.append(chr(value + 63))
        last = current
    return "".join(text)


def test_the_polyline_decoder_reads_googles_example():
    assert polyline_decode("_p~iF~ps|U_ulLnnqC_mqNvxq`@", precision=5) == [
        (38.5, -120.2),
        (40.7, -120.95),
        (43.252, -126.453),
    ]


def test_valhalla_legs_are_joined(tenant_a, settings):
    points = places()
    (depot, stop, _) = points
    middle = (round(depot[0] + 0.001, 6), round(stop[1], 6))
    legs = [
        {"shape": polyline_encode([depot, middle, stop])},
        {"shape": polyline_encode([stop, depot])},
    ]
    with RecordedServer(lambda request: Recorded(body={"trip": {"legs": legs}})) as server:
        configure(settings, "valhalla", server.url)
        with tenant_a.use():
            path = road_path(points, profile="bike")

    assert path == [depot, middle, stop, depot]
    body = server.requests[0].json()
    assert server.requests[0].path == "/route"
    assert body["costing"] == "bicycle"
    assert body["locations"] == [{"lat": lat, "lon": lng, "type": "break"} for lat, lng in points]


def test_the_api_serves_a_routes_path_road_or_straight(tenant_a, settings):
    with tenant_a.use():
        route = make_route(make_driver(), end_lat=DEPOT[0], end_lng=DEPOT[1])
        order = make_order(delivery_date=DAY, location=(52.3812, 4.9023))
        Stop.objects.create(
            route=route,
            order=order,
            sequence=1,
            planned_arrival=at("08:10"),
            planned_departure=at("08:15"),
        )
    points = [DEPOT, (52.3812, 4.9023), DEPOT]
    url = f"/api/v1/routes/{route.pk}/geometry"

    settings.ROUTING_MATRIX_PROVIDER = "great_circle"
    straight = tenant_a.api().get(url)
    with RecordedServer(lambda request: Recorded(body=osrm_route(points))) as server:
        configure(settings, "osrm", server.url)
        road = tenant_a.api().get(url)

    assert straight.status_code == 200
    assert straight.json() == {"road": False, "path": [list(point) for point in points]}
    assert road.status_code == 200
    assert road.json() == {
        "road": True,
        "path": [
            [lat, lng] for lng, lat in osrm_route(points)["routes"][0]["geometry"]["coordinates"]
        ],
    }
