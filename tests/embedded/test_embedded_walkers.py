"""Walkers: on sidewalks except while crossing; crossings in front of the ego triggered at a safe distance."""

from __future__ import annotations

import carla
import numpy as np
from embedded_helpers import build, quiet_config

from leaderboard_adapter.embedded.network import DrivingNetwork
from leaderboard_adapter.embedded.route_builder import route_along_lanes
from leaderboard_adapter.embedded.walkers import CROSS, WAIT, WALK, WalkerParams


def test_walkers_stay_on_sidewalks_except_while_crossing(lights_town) -> None:
    town_map = lights_town[0]
    net = DrivingNetwork(lights_town[1])
    route = route_along_lanes(net, 0, 300.0, start_s_m=20.0)
    params = WalkerParams(crossing_rate_per_s=0.1, ego_crossing_spacing_m=0.0)
    world = build(lights_town, route, quiet_config(walker_count=20, walkers=params), seed=4)
    crowd = world.crowd
    assert len(crowd) == 20
    speeds = np.hypot(crowd.vx_mps, crowd.vy_mps)
    assert ((speeds >= 1.0) & (speeds <= 1.6)).all()
    crossed_road = False
    for t in range(1200):
        world.tick(carla.VehicleControl())
        if t % 25:
            continue
        for x, y, mode in zip(crowd.x_m, crowd.y_m, crowd.mode, strict=True):
            loc = carla.Location(x=float(x), y=float(y))
            on_sidewalk = town_map.get_waypoint(loc, project_to_road=False, lane_type=carla.LaneType.Sidewalk)
            if mode == WALK:
                assert on_sidewalk is not None, f"walker off the sidewalk at ({x:.1f}, {y:.1f})"
            elif mode == CROSS and on_sidewalk is None:
                on_road = town_map.get_waypoint(loc, project_to_road=False, lane_type=carla.LaneType.Driving)
                crossed_road |= on_road is not None
    assert crowd.crossings_started >= 3
    assert crossed_road


def test_walker_crosses_in_front_of_ego_at_a_safe_distance(lights_town) -> None:
    net = DrivingNetwork(lights_town[1])
    route = route_along_lanes(net, 0, 300.0, start_s_m=0.0)
    params = WalkerParams(ego_crossing_spacing_m=150.0, ego_crossing_first_m=50.0)
    world = build(lights_town, route, quiet_config(walkers=params), seed=2)
    crowd = world.crowd
    waiting = np.flatnonzero(crowd.mode == WAIT)
    assert waiting.size >= 1
    # never under the bumper: the first waits well ahead of the ego along the route
    assert crowd.trigger_progress_m[waiting].min() >= 50.0
    start = np.array([route[0].x_m, route[0].y_m])
    assert np.hypot(crowd.x_m[waiting] - start[0], crowd.y_m[waiting] - start[1]).min() > 40.0
    first = waiting[np.argmin(crowd.trigger_progress_m[waiting])]
    trigger_at = crowd.trigger_progress_m[first]
    for _ in range(400):
        before = world.route_progress_m
        world.tick(carla.VehicleControl(throttle=0.6))
        if crowd.mode[first] == CROSS:
            distance = trigger_at - before
            assert distance >= 25.0 - 1.0
            assert distance >= 4.0 * world.ego.speed_mps - 1.0
            break
    else:
        raise AssertionError("the walker never started crossing")
    # it walks across the ego's lane: perpendicular to the route heading
    heading = np.radians(route[int(np.searchsorted(world.tracker.cum_s, trigger_at))].yaw_deg)
    step = np.array([crowd.vx_mps[first], crowd.vy_mps[first]])
    assert abs(step @ np.array([np.cos(heading), np.sin(heading)])) < 0.3
