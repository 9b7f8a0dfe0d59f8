"""NPCs wait behind the swing of junction turns tighter than a car can follow (`stop_setback.py`)."""

from __future__ import annotations

import math

import carla
import numpy as np
import pytest
import shapely
from embedded_helpers import far_route, quiet_config

from leaderboard_adapter.embedded import EmbeddedWorld
from leaderboard_adapter.embedded.ego import EgoParams
from leaderboard_adapter.embedded.network import DrivingNetwork
from leaderboard_adapter.embedded.stop_setback import WAITING_CAR_M, stop_setbacks_m, swept_ground
from leaderboard_adapter.roads.towns import load_town
from leaderboard_adapter.world_view import LightState

IDLE = carla.VehicleControl()
DEFAULT_GAP_M = 2.5
#: EmbeddedArterial's right turn from the arterial (eastbound) into the side street at x = 770 m:
#: a 1.3 m corner, and the side street's lane towards the arterial, whose cars wait beside its exit
TIGHT_TURN_ENTRY = (762.3, -144.0)
SIDE_STREET_ENTRY = (771.7, -140.8)


def _corner(radius_m: float) -> np.ndarray:
    """A 20 m straight east, a right turn of `radius_m` (y is south), then 10 m south; 0.25 m spacing."""
    straight = np.stack([np.arange(-20.0, 0.0, 0.25), np.zeros(80)], axis=1)
    angles = np.linspace(0.0, math.pi / 2, max(8, int(radius_m * math.pi / 2 / 0.25)))
    arc = np.stack([radius_m * np.sin(angles), radius_m * (1.0 - np.cos(angles))], axis=1)
    down = np.stack([np.full(40, radius_m), radius_m + np.arange(0.25, 10.01, 0.25)], axis=1)
    return np.vstack([straight, arc, down])


def _outside_lane_m2(points: np.ndarray, ego: EgoParams) -> float:
    """Area [m²] of the swept ground outside the path (run on 20 m at both ends, as the roads go on)
    buffered by half the car's width plus 0.3 m."""
    ends = np.array([[-20.0, 0.0], [0.0, 20.0]])
    road = np.vstack([points[:1] + ends[0], points, points[-1:] + ends[1]])
    lane = shapely.LineString(road).buffer(0.5 * ego.width_m + 0.3)
    return float(swept_ground(points, ego).difference(lane).area)


def test_a_corner_tighter_than_the_turning_circle_is_swept_wide_and_a_wide_one_is_not() -> None:
    ego = EgoParams()
    turning_radius = ego.wheelbase_m / math.tan(math.radians(ego.max_steer_deg))
    assert _outside_lane_m2(_corner(12.0), ego) < 0.5
    assert _outside_lane_m2(_corner(0.6 * turning_radius), ego) > 2.0


def test_repeated_points_do_not_change_the_swept_ground() -> None:
    ego = EgoParams()
    corner = _corner(3.0)
    doubled = np.repeat(corner, 2, axis=0)
    assert swept_ground(doubled, ego).symmetric_difference(swept_ground(corner, ego)).area < 1e-6
    assert swept_ground(np.repeat(corner[:1], 3, axis=0), ego).is_empty


@pytest.fixture(scope="module")
def arterial():
    town = load_town("EmbeddedArterial")
    return town, DrivingNetwork(town.lane_graph, town.speed_limits_mps)


def _junction_lanes_from(net: DrivingNetwork, xy: tuple[float, float]) -> list[int]:
    lanes = np.flatnonzero(net.is_junction & net.is_canonical)
    return [int(i) for i in lanes if np.hypot(*(net.entry_xy[i] - np.asarray(xy))) < 0.5]


def _waiting_car(net: DrivingNetwork, lane: int, gap_m: float) -> shapely.Polygon:
    yaw = math.radians(float(net.entry_yaw_deg[lane]))
    back = np.array([math.cos(yaw), math.sin(yaw)])
    cx, cy = net.entry_xy[lane] - back * (gap_m + 0.5 * WAITING_CAR_M[0])
    half_l, half_w = 0.5 * WAITING_CAR_M[0], 0.5 * WAITING_CAR_M[1]
    corners = [(half_l, half_w), (half_l, -half_w), (-half_l, -half_w), (-half_l, half_w)]
    c, s = math.cos(yaw), math.sin(yaw)
    return shapely.Polygon([(cx + a * c - b * s, cy + a * s + b * c) for a, b in corners])


def test_the_side_street_waits_behind_the_arterials_tight_right_turn(arterial) -> None:
    town, net = arterial
    ego = EgoParams()
    setbacks = stop_setbacks_m(town.lane_graph, DEFAULT_GAP_M, ego)
    tight = [t for t in _junction_lanes_from(net, TIGHT_TURN_ENTRY) if net.exit_xy[t][1] > -142.0]
    side = _junction_lanes_from(net, SIDE_STREET_ENTRY)
    assert len(tight) == 1 and side
    swing = swept_ground(net.graph.points(tight[0])[:, :2], ego)
    for lane in side:
        assert setbacks[lane] >= 2.0
        assert _waiting_car(net, lane, DEFAULT_GAP_M).intersects(swing)
        assert not _waiting_car(net, lane, DEFAULT_GAP_M + setbacks[lane]).intersects(swing)
    # the arterial itself keeps its stop position: nothing swings into it
    assert setbacks[tight[0]] == 0.0
    assert np.count_nonzero(setbacks) < 0.25 * np.count_nonzero(net.is_junction & net.is_canonical)


def test_an_npc_at_a_red_light_waits_at_the_set_back_line_and_goes_on_green(arterial) -> None:
    town, net = arterial
    lane = _junction_lanes_from(net, SIDE_STREET_ENTRY)[0]
    approach = next(int(p) for p in net.predecessors[lane] if not net.is_junction[p])
    route = far_route(town.lane_graph, net.entry_xy[lane], min_distance_m=200.0)
    world = EmbeddedWorld(town.map, town.lane_graph, route, quiet_config(), 0, town.speed_limits_mps)
    setback = world.fleet.stop_setback_m[lane]
    assert setback > 0.0
    light = world.lights.light_of_segment(lane)
    assert light is not None
    world.freeze_light(light, LightState.RED)
    i = world.vehicle_index(world.spawn_vehicle(approach, net.length_m[approach] - 40.0, 6.0, path=[approach, lane]))
    f = world.fleet
    for _ in range(400):
        world.tick(IDLE)
        assert f.plan[i, 0] == approach, "ran the red light"
    front_to_entry = net.length_m[approach] - f.s_m[i] - 0.5 * f.length_m[i]
    assert f.speed_mps[i] < 0.1
    assert setback < front_to_entry < setback + DEFAULT_GAP_M + 1.0
    world.freeze_light(light, LightState.GREEN)
    for _ in range(300):
        world.tick(IDLE)
    assert f.plan[i, 0] != approach, "never went on at green"
