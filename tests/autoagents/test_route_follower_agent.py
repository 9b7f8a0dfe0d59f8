"""The example route follower drives a route with a right turn to its end in a kinematic bicycle world."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from leaderboard_adapter.autoagents.agent_loader import load_agent
from leaderboard_adapter.routes.road_option import RoadOption as RO

AGENT = Path(__file__).parents[2] / "agents" / "route_follower_agent.py"
WHEELBASE_M = 2.85
MAX_STEER_RAD = math.radians(70.0)
DT = 0.05


def _distance_to_polyline(x: float, y: float, points: list[tuple[float, float]]) -> float:
    best = math.inf
    for (ax, ay), (bx, by) in zip(points[:-1], points[1:], strict=True):
        dx, dy = bx - ax, by - ay
        t = max(0.0, min(1.0, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy)))
        best = min(best, math.hypot(x - ax - t * dx, y - ay - t * dy))
    return best


@pytest.mark.parametrize(("convention", "seed"), [("2.x", None), ("1.0", None), ("2.x", 7)])
def test_follows_route_slows_in_turn_and_stops_at_the_end(convention, seed, route_along, plan_for, make_hero, xodr):
    """seed: with the leaderboard's GNSS/IMU noise (GNSS about 0.5 m)."""
    corners = [(0, 0), (60, 0), (70.6, 4.4), (75, 15), (75, 80)]
    route = route_along(corners, [RO.LANEFOLLOW, RO.RIGHT, RO.RIGHT, RO.LANEFOLLOW])
    gps_plan, world_plan = plan_for(route)
    loaded = load_agent(AGENT, convention=convention, track="MAP", global_plan_gps=gps_plan,
                        global_plan_world_coord=world_plan, opendrive=xodr,
                        rng=None if seed is None else np.random.default_rng(seed))
    assert [s["type"] for s in loaded.sensor_specs] == ["sensor.other.gnss", "sensor.other.imu", "sensor.speedometer"]
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
