"""The example route follower: config, lane densification on an HD map, and a drive in a kinematic bicycle world."""

from __future__ import annotations

import json
import math
from pathlib import Path

import carla
import numpy as np
import pytest

from leaderboard_adapter.autoagents.agent_loader import import_agent_module, load_agent
from leaderboard_adapter.autoagents.gps import GeoReference, build_global_plan
from leaderboard_adapter.roads.towns import BUNDLED_TOWNS_DIR
from leaderboard_adapter.routes.road_option import RoadOption as RO

AGENT = Path(__file__).parents[2] / "agents" / "route_follower_agent.py"
WHEELBASE_M = 2.85
MAX_STEER_RAD = math.radians(30.0)  # the embedded ego's front-wheel angle at steer = 1
DT = 0.05
SENSOR_TYPES = ["sensor.other.gnss", "sensor.other.imu", "sensor.speedometer", "sensor.opendrive_map"]


def _distance_to_polyline(x: float, y: float, points: list[tuple[float, float]]) -> float:
    best = math.inf
    for (ax, ay), (bx, by) in zip(points[:-1], points[1:], strict=True):
        dx, dy = bx - ax, by - ay
        t = max(0.0, min(1.0, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy)))
        best = min(best, math.hypot(x - ax - t * dx, y - ay - t * dy))
    return best


@pytest.mark.parametrize(("convention", "seed"), [("2.x", None), ("1.0", None), ("2.x", 7)])
def test_follows_route_slows_in_turn_and_stops_at_the_end(convention, seed, route_along, plan_for, make_hero, xodr):
    """A map without roads: the agent follows the straight lines between plan points. seed: GNSS/IMU noise."""
    corners = [(0, 0), (60, 0), (70.6, 4.4), (75, 15), (75, 80)]
    route = route_along(corners, [RO.LANEFOLLOW, RO.RIGHT, RO.RIGHT, RO.LANEFOLLOW])
    gps_plan, world_plan = plan_for(route)
    loaded = load_agent(AGENT, convention=convention, track="MAP", global_plan_gps=gps_plan,
                        global_plan_world_coord=world_plan, opendrive=xodr,
                        rng=None if seed is None else np.random.default_rng(seed))
    assert [s["type"] for s in loaded.sensor_specs] == SENSOR_TYPES
    sparse = [(t.location.x, t.location.y) for t, _ in loaded.agent._global_plan_world_coord]

    x, y, yaw, v = 0.0, 0.0, 0.0, 0.0
    ax = ay = yaw_rate = 0.0
    max_error = max_speed = turn_speed = 0.0
    for frame in range(1, 1201):
        control = loaded.step(make_hero(x=x, y=y, yaw=math.degrees(yaw), speed=v, ax_mps2=ax, ay_mps2=ay,
                                        yaw_rate_dps=math.degrees(yaw_rate)), frame)
        assert -1.0 <= control.steer <= 1.0 and 0.0 <= control.throttle <= 1.0 and 0.0 <= control.brake <= 1.0
        accel = 5.0 * control.throttle - 8.0 * control.brake
        new_v = max(0.0, v + accel * DT)
        yaw_rate = new_v / WHEELBASE_M * math.tan(control.steer * MAX_STEER_RAD)
        yaw += yaw_rate * DT
        ax, ay = (new_v - v) / DT * math.cos(yaw), (new_v - v) / DT * math.sin(yaw)
        v = new_v
        x, y = x + v * math.cos(yaw) * DT, y + v * math.sin(yaw) * DT
        max_error = max(max_error, _distance_to_polyline(x, y, sparse))
        max_speed = max(max_speed, v)
        if 62.0 < x < 74.0 and 1.0 < y < 13.0:
            turn_speed = max(turn_speed, v)
        if frame > 100 and v < 0.01 and math.hypot(x - 75, y - 80) < 5.0:
            break
    loaded.destroy()

    assert math.hypot(x - 75.0, y - 80.0) < 3.0, f"stopped at ({x:.1f}, {y:.1f}), not at the route end"
    assert v < 0.01
    assert max_error < (1.0 if seed is None else 1.5), f"left the planned path by {max_error:.2f} m"
    assert 5.0 < max_speed < 6.5
    assert 0.0 < turn_speed < 4.5


@pytest.mark.parametrize("convention", ["2.x", "1.0"])
def test_densifies_the_sparse_plan_along_the_lanes_of_the_map(convention, make_hero):
    """On a town's map, the path from a 2-point plan (start and end of a curved lane) follows the lane centre."""
    town_xodr = (BUNDLED_TOWNS_DIR / "EmbeddedStops.xodr").read_text()
    town_map = carla.Map("EmbeddedStops", town_xodr)
    waypoint = town_map.get_waypoint(carla.Location(x=30.0, y=-1.68, z=0.0))  # westbound, then a sharp right corner
    dense = [waypoint]
    while len(dense) < 35:
        dense.append(dense[-1].next(1.0)[0])
    route = [(carla.Transform(w.transform.location, w.transform.rotation), RO.LANEFOLLOW) for w in dense]
    gps_plan, world_plan = build_global_plan(route, GeoReference.from_opendrive(town_xodr))
    loaded = load_agent(AGENT, convention=convention, track="MAP", global_plan_gps=gps_plan,
                        global_plan_world_coord=world_plan, opendrive=town_xodr)
    assert len(loaded.agent._global_plan) == 2
    start = dense[0].transform
    loaded.step(make_hero(x=start.location.x, y=start.location.y, yaw=start.rotation.yaw), 1)
    path = loaded.agent._points
    loaded.destroy()

    lane = [(w.transform.location.x, w.transform.location.y) for w in dense]
    assert len(path) >= 30
    assert max(math.dist(a, b) for a, b in zip(path[:-1], path[1:], strict=True)) < 1.5
    assert max(_distance_to_polyline(px, py, lane) for px, py in path) < 0.2
    assert math.dist(path[-1], lane[-1]) < 0.1


def test_config_defaults_overrides_and_errors(tmp_path):
    load_config = import_agent_module(AGENT).load_config
    assert load_config("") == {"target_speed_mps": 6.0, "turn_speed_mps": 3.5, "min_lookahead_m": 2.5,
                               "max_lookahead_m": 10.0}
    path = tmp_path / "agent.json"
    path.write_text(json.dumps({"target_speed_mps": 8, "turn_speed_mps": 3.0}))
    config = load_config(str(path))
    assert config["target_speed_mps"] == 8.0 and config["turn_speed_mps"] == 3.0 and config["min_lookahead_m"] == 2.5

    with pytest.raises(ValueError, match="cannot read the config file"):
        load_config(str(tmp_path / "missing.json"))
    for text, message in [("{not json", "cannot read the config file"), ("[1, 2]", "must hold a JSON object"),
                          ('{"target_speed": 5}', "unknown config key 'target_speed'"),
                          ('{"turn_speed_mps": -1}', "must be a positive number"),
                          ('{"target_speed_mps": true}', "must be a positive number"),
                          ('{"min_lookahead_m": 12}', "must not exceed")]:
        path.write_text(text)
        with pytest.raises(ValueError, match=message):
            load_config(str(path))


def test_setup_rejects_an_invalid_config_file(tmp_path, route_along, plan_for, xodr):
    path = tmp_path / "agent.json"
    path.write_text('{"target_speed_mps": "fast"}')
    gps_plan, world_plan = plan_for(route_along([(0, 0), (50, 0)]))
    with pytest.raises(Exception, match="target_speed_mps"):
        load_agent(AGENT, convention="2.x", track="MAP", global_plan_gps=gps_plan, global_plan_world_coord=world_plan,
                   opendrive=xodr, config_path=str(path))
