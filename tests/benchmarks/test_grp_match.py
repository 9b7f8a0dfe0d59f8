"""benchmarks/grp_match.py: the route comparison on synthetic polylines, route de-duplication, the --grp-root check."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

_PATH = Path(__file__).resolve().parents[2] / "benchmarks" / "grp_match.py"
_SPEC = importlib.util.spec_from_file_location("grp_match", _PATH)
assert _SPEC is not None and _SPEC.loader is not None
grp_match = importlib.util.module_from_spec(_SPEC)
sys.modules[_SPEC.name] = grp_match  # its dataclasses look their module up
_SPEC.loader.exec_module(grp_match)

LANE_WIDTH_M = 3.5


def _line(length_m: float, y_m: float = 0.0, step_m: float = 1.0) -> np.ndarray:
    """A straight 1 m-spaced route along +x at lateral offset `y_m` [m]."""
    x = np.linspace(0.0, length_m, int(round(length_m / step_m)) + 1)
    return np.column_stack([x, np.full_like(x, y_m), np.zeros_like(x)])


def _l_route(leg_m: float, extra_m: float = 0.0) -> np.ndarray:
    """East `leg_m`, then south `leg_m` (a right turn in CARLA's frame), 1 m spacing, on the same lane
    prolonged by `extra_m / 2` at each end [m]."""
    half = extra_m / 2.0
    east_x = np.arange(-half, leg_m + 0.5, 1.0)
    east = np.column_stack([east_x, np.zeros_like(east_x), np.zeros_like(east_x)])
    south_y = np.arange(1.0, leg_m + half + 0.5, 1.0)
    south = np.column_stack([np.full_like(south_y, leg_m), south_y, np.zeros_like(south_y)])
    return np.vstack([east, south])


def test_identical_routes_match_with_no_deviation():
    c = grp_match.compare_polylines(_line(200.0), _line(200.0))
    assert c.deviation_m == pytest.approx(0.0)
    assert c.length_error == pytest.approx(0.0)
    assert c.matches()


def test_a_lane_to_the_side_fails_although_the_length_is_the_same():
    c = grp_match.compare_polylines(_line(200.0, y_m=LANE_WIDTH_M), _line(200.0))
    assert c.length_error == pytest.approx(0.0)
    assert c.deviation_m == pytest.approx(LANE_WIDTH_M)
    assert c.matches(max_deviation_m=3.0) is False
    # The bar's 5 m reads a whole lane as "different" only beyond 5 m: two lanes over fails it.
    assert grp_match.compare_polylines(_line(200.0, y_m=2 * LANE_WIDTH_M), _line(200.0)).matches() is False


def test_a_one_percent_longer_route_on_the_same_lanes_passes():
    c = grp_match.compare_polylines(_l_route(100.0, extra_m=2.0), _l_route(100.0))
    assert c.length_error == pytest.approx(0.01, abs=1e-9)
    assert c.deviation_m == pytest.approx(1.0)
    assert c.matches()


def test_a_three_percent_longer_route_fails_on_length():
    c = grp_match.compare_polylines(_l_route(100.0, extra_m=6.0), _l_route(100.0))
    assert c.length_error == pytest.approx(0.03, abs=1e-9)
    assert c.deviation_m <= grp_match.MAX_DEVIATION_M
    assert not c.matches()


def test_a_detour_names_the_farthest_point_on_its_route():
    reference = _line(100.0)
    ours = reference.copy()
    ours[40:61, 1] = 20.0  # a 20 m bulge between 40 and 60 m
    c = grp_match.compare_polylines(ours, reference)
    assert c.deviation_on == "ours"
    assert c.deviation_m == pytest.approx(20.0)
    assert 40 <= c.deviation_xyz[0] <= 60
    assert not c.matches()


def test_distances_to_polyline_measure_to_segments_not_vertices():
    polyline = np.array([[0.0, 0.0], [10.0, 0.0]])
    d = grp_match.distances_to_polyline(np.array([[5.0, 3.0], [-4.0, 3.0], [12.0, 0.0]]), polyline)
    np.testing.assert_allclose(d, [3.0, 5.0, 2.0])


def test_empty_routes_are_refused():
    with pytest.raises(ValueError, match="need points"):
        grp_match.compare_polylines(np.zeros((0, 3)), _line(10.0))


def _route_xml(route_id: str, town: str, points: list[tuple[float, float]]) -> str:
    waypoints = "".join(f'<waypoint x="{x}" y="{y}" z="0.0" pitch="0" roll="0" yaw="0"/>' for x, y in points)
    return f'<route id="{route_id}" town="{town}">{waypoints}</route>'


def _routes_file(path: Path, routes: list[str]) -> Path:
    path.write_text("<routes>" + "".join(routes) + "</routes>", encoding="utf-8")
    return path


def test_routes_shared_between_files_are_counted_once(tmp_path):
    a = _routes_file(
        tmp_path / "a.xml",
        [_route_xml("0", "Town01", [(0, 0), (100, 0)]), _route_xml("1", "Town01", [(0, 0), (0, 100)])],
    )
    b = _routes_file(
        tmp_path / "b.xml",
        [
            _route_xml("7", "Town01", [(0, 0), (100.0001, 0)]),  # route 0 of a.xml (keypoints to the cm)
            _route_xml("8", "Town02", [(0, 0), (100, 0)]),  # same keypoints, another town
            _route_xml("9", "Town01", [(100, 0), (0, 0)]),  # reversed: another route
        ],
    )
    routes = grp_match.distinct_routes([a, b])
    assert len(routes) == 4
    first = routes[0]
    assert [(Path(o.file).name, o.route_id) for o in first.occurrences] == [("a.xml", "0"), ("b.xml", "7")]
    assert [r.town for r in routes] == ["Town01", "Town01", "Town02", "Town01"]
    assert "a.xml, b.xml 7" in first.label


def test_summary_counts_each_file_and_the_distinct_routes(tmp_path):
    a = _routes_file(tmp_path / "a.xml", [_route_xml("0", "Town01", [(0, 0), (100, 0)])])
    b = _routes_file(
        tmp_path / "b.xml",
        [_route_xml("3", "Town01", [(0, 0), (100, 0)]), _route_xml("4", "TownX", [(0, 0), (9, 0)])],
    )
    shared, missing = grp_match.distinct_routes([a, b])
    result = grp_match.RouteResult(shared, grp_match.compare_polylines(_line(100.0), _line(100.0)))
    lines = grp_match.summary_lines([str(a), str(b)], [result], [missing])
    assert lines[0] == "a.xml: 1 routes compared, 1 match, 0 mismatch, 0 skipped (town missing)"
    assert lines[1] == "b.xml: 1 routes compared, 1 match, 0 mismatch, 1 skipped (town missing)"
    assert lines[2] == "distinct routes: 2, compared 1, match 1, mismatch 0, skipped 1"


def test_a_folder_without_carla_agents_is_refused_with_what_to_pass(tmp_path):
    with pytest.raises(grp_match.GrpRootError, match="--grp-root"):
        grp_match.check_grp_root(None)
    with pytest.raises(grp_match.GrpRootError, match="global_route_planner.py is missing"):
        grp_match.check_grp_root(tmp_path)


def test_the_command_line_stops_with_a_clear_error_without_a_reference(tmp_path, capsys):
    routes = _routes_file(tmp_path / "a.xml", [_route_xml("0", "Town01", [(0, 0), (100, 0)])])
    with pytest.raises(SystemExit) as stop:
        grp_match.main([str(routes), "--grp-root", str(tmp_path), "--town-dir", str(tmp_path)])
    assert stop.value.code == 2
    assert "holds no CARLA agents package" in capsys.readouterr().err
