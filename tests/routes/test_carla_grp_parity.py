"""Route planning on CARLA's real Town04 and Town06 matches CARLA's GlobalRoutePlanner (issue 15, defects 3, 4).

3. A lane change is allowed where ANY point of a segment permits it (CARLA's GRP walks the segment's
   waypoints): Town06 road 13 / road 50 lane -5 is broken for about 35 m, then solid; planning from its
   midpoint only sent Longest6 route 31 round a ~700 m loop (3279 m against CARLA's 1947 m).
4. A keypoint at the start of several connectors leaving one junction entry may leave by any of them
   (CARLA searches from the entry they share): Longest6 route 18 (= leaderboard 1.0 testing route 12)
   was 4578 m against CARLA's 2314 m; Longest6 19, 20, 23 (= testing 14, 13) gained 2.1 to 2.3 km.

A lane change keeps the road's height (Town05's ring road is 10 m up; the blend put its points at z = 0).

CARLA's lengths are those of its GlobalRoutePlanner at 1 m; the bar of issue 15 is within 2 %.
Needs CARLA's maps (`carla_maps_dir`); skipped, saying so, where they are absent.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import carla
import pytest
from longest6_keypoints import LONGEST6_ROUTE_18_TOWN04, LONGEST6_ROUTE_31_TOWN06

from leaderboard_adapter.roads.towns import load_town
from leaderboard_adapter.routes.interpolation import interpolate_trajectory, route_length_m
from leaderboard_adapter.routes.road_option import RoadOption

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "embedded"))  # its CARLA map lookup
from carla_maps import carla_town_file  # noqa: E402

# Keypoint pairs of autonomousvision/transfuser leaderboard/data/longest6/longest6.xml whose leg looped.
# Route 31 (Town06), keypoints 8-9 and 21-22: a change to the right onto road 50 lane -5's neighbour.
ROUTE_31_LANE_CHANGE_LEGS = [
    ((-73.3177490234375, 45.428924560546875, 0.0), (-36.329933166503906, 52.41398620605469, 0.0)),
    ((-90.49838256835938, 48.93586349487305, 0.0), (-50.05144500732422, 52.41952896118164, 0.0)),
]
# Route 18 / 19 keypoints 46-47 (Town04): keypoint 46 lies at the start of three connectors of one entry.
# Route 23 keypoints 7-8 (= testing 13): keypoint 7 lies 1 m into a 2.2 m connector; the route needs another.
JUNCTION_ENTRY_LEGS = [
    (
        (310.64276123046875, -130.41705322265625, 0.0043487548828125),
        (325.8652038574219, -117.73162078857422, 0.01959228515625),
    ),
    ((1.6602256298065186, -298.8845520019531, 0.0), (-15.938682556152344, -238.7736053466797, 0.0)),
]


def carla_town(name: str):
    """CARLA's town `name` as the embedded world loads it; skips when its map is absent."""
    return load_town(name, town_dir=carla_town_file(name).parent)


CARLA_GRP_LENGTH_M = {"18": 2314.0, "31": 1947.0}
"""Longest6 route lengths traced by CARLA's GlobalRoutePlanner at 1 m [m] (issue 15)."""


@pytest.mark.parametrize("origin, destination", ROUTE_31_LANE_CHANGE_LEGS)
def test_town06_lane_change_where_the_marking_is_broken_only_at_first(origin, destination):
    points = interpolate_trajectory(carla_town("Town06"), [origin, destination])
    assert route_length_m(points) < 1.3 * math.dist(origin[:2], destination[:2])  # not the ~700 m loop
    assert any(p.road_option == RoadOption.CHANGELANERIGHT for p in points)


@pytest.mark.parametrize("origin, destination", JUNCTION_ENTRY_LEGS)
def test_town04_keypoint_at_a_junction_entry_may_take_any_connector(origin, destination):
    points = interpolate_trajectory(carla_town("Town04"), [origin, destination])
    assert route_length_m(points) < 1.5 * math.dist(origin[:2], destination[:2])  # not a 2.2 km detour
    gaps = [math.hypot(b.x_m - a.x_m, b.y_m - a.y_m) for a, b in zip(points, points[1:], strict=False)]
    assert max(gaps) < 1.1
    assert math.hypot(points[0].x_m - origin[0], points[0].y_m - origin[1]) < 1.5


@pytest.mark.parametrize(
    "town, route_id, keypoints",
    [("Town04", "18", LONGEST6_ROUTE_18_TOWN04), ("Town06", "31", LONGEST6_ROUTE_31_TOWN06)],
)
def test_longest6_route_length_matches_carla(town, route_id, keypoints):
    points = interpolate_trajectory(carla_town(town), keypoints, route_id=route_id)
    assert route_length_m(points) == pytest.approx(CARLA_GRP_LENGTH_M[route_id], rel=0.02)


# leaderboard 1.0 testing route 19 (= Longest6 29), keypoints 6-7 (Town05): a lane change on a road 10 m up.
ELEVATED_LANE_CHANGE_LEG = (
    (-114.44439697265625, -200.60174560546875, 10.023234367370605),
    (-151.99717712402344, -203.43118286132812, 10.016468048095703),
)


def test_a_lane_change_keeps_the_height_of_the_road():
    """The blend between two lanes follows their height; it took the target segment's first height, which
    put 9 points of Town05's elevated ring road at z = 0 (10 m from CARLA's GlobalRoutePlanner's route)."""
    town = carla_town("Town05")
    points = interpolate_trajectory(town, list(ELEVATED_LANE_CHANGE_LEG))
    assert any(p.road_option == RoadOption.CHANGELANERIGHT for p in points)
    for p in points:
        road = town.map.get_waypoint(carla.Location(p.x_m, p.y_m, p.z_m)).transform.location
        assert p.z_m == pytest.approx(road.z, abs=0.5), (p, road)


# Lane changes where CARLA's GlobalRoutePlanner makes them: from where the route is, into the lane beside
# about five points on, several lanes in a row at no cost (its zero-weight links). Legs of leaderboard 1.0
# routes_training.xml; each pinned point is a point of CARLA's trace at 1 m (0.9.13) during the change.
# This planner changed lanes elsewhere (3.5 to 10.8 m from CARLA's route: 7 of 74 published routes differed).
# A lane section shorter than the step links from the one waypoint a step past its entry, as CARLA's.
CARLA_LANE_CHANGE_LEGS = {
    "Town06 route 43, keypoints 23-24 (four lanes to the left)": (
        "Town06",
        ((-303.0196838378906, 250.7950439453125, 0.0), (-86.20552825927734, 226.76046752929688, 0.0)),
        RoadOption.CHANGELANELEFT,
        ((-207.2, 250.62), (-201.2, 247.11), (-196.21, 243.6), (-191.22, 240.09), (-186.22, 236.58)),
    ),
    "Town06 route 40, keypoints 23-24 (right, from a lane section shorter than one step)": (
        "Town06",
        ((-105.10369873046875, -8.554022789001465, 0.0), (-37.18901443481445, 45.41433334350586, 0.0)),
        RoadOption.CHANGELANERIGHT,
        ((-147.83, 2.91), (-151.44, 13.38), (-151.54, 14.82), (-154.98, 21.93), (-154.69, 24.03)),
    ),
    "Town04 route 33, keypoints 29-30 (left at the start, right at the end)": (
        "Town04",
        ((346.86383056640625, 42.00389099121094, 0.32436490058898926), (412.2002258300781, -32.668495178222656, 0.0)),
        RoadOption.CHANGELANERIGHT,
        ((347.07, 41.99), (353.29, 37.74), (358.39, 33.07), (403.57, -13.6), (408.23, -20.07), (412.14, -26.12)),
    ),
}


@pytest.mark.parametrize("leg", sorted(CARLA_LANE_CHANGE_LEGS))
def test_lanes_change_where_carla_changes_them(leg):
    town_name, (origin, destination), option, carla_points = CARLA_LANE_CHANGE_LEGS[leg]
    points = interpolate_trajectory(carla_town(town_name), [origin, destination])
    assert any(p.road_option == option for p in points)
    for x, y in carla_points:
        assert min(math.hypot(p.x_m - x, p.y_m - y) for p in points) < 1.0, (x, y)


def test_no_lane_segment_runs_past_its_exit_and_back():
    """Town05 has lane sections shorter than the 1 m step (road 283 section 2): walking on from the entry
    ran 20 m along the next section, then jumped back to the exit (testing route 16: 1181 m against
    CARLA's 1146 m). Now no two consecutive points of any segment are more than two steps apart."""
    graph = carla_town("Town05").lane_graph
    for seg in graph.segments:
        xy = graph.points(seg.index)[:, :2]
        if len(xy) > 1:
            steps = [math.dist(a, b) for a, b in zip(xy, xy[1:], strict=False)]
            assert max(steps) < 2.5 * graph.resolution_m, seg.lane_key


# Longest6 route 33 (Town06), keypoints 4-6: the leg to keypoint 5 ends with a lane change that joins the
# new lane 5 points on, 3 m past the keypoint, where the next leg starts. CARLA's concatenated route steps
# back there; resampled, that step back held the route-progress windows, and the expert was "deviated
# from the route" 30 m further on (RC 12.9).
ROUTE_33_LANE_CHANGE_AT_A_KEYPOINT = [
    (-6.503499507904053, 227.21038818359375, 0.0),
    (23.862815856933594, 248.03375244140625, 0.0),
    (69.93260192871094, 248.04946899414062, 0.0),
]


def test_the_route_never_steps_back_where_a_lane_change_ends_a_leg():
    points = interpolate_trajectory(carla_town("Town06"), ROUTE_33_LANE_CHANGE_AT_A_KEYPOINT)
    assert any(p.road_option == RoadOption.CHANGELANERIGHT for p in points)
    for a, b in zip(points, points[1:], strict=False):
        yaw = math.radians(a.yaw_deg)
        # a lane change may join its new lane a little behind (CARLA caps the 5 points at the lane's end)
        assert (b.x_m - a.x_m) * math.cos(yaw) + (b.y_m - a.y_m) * math.sin(yaw) > -0.5, (a, b)
