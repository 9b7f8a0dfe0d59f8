"""Per-tick cost of RouteCriteria.update with 60 actors and 32 lights: measured and printed, not asserted."""

from __future__ import annotations

import time

import numpy as np
from scripted_world_view import ScriptedWorldView, drive, straight_route

from leaderboard_adapter.criteria import RouteCriteria
from leaderboard_adapter.world_view import ActorArrays, LightState, Pose2D, TrafficLightInfo, TriggerVolume


def moving_actors(n: int, ticks: int, seed: int = 3):
    rng = np.random.default_rng(seed)
    x0, y0 = rng.uniform(0, 300, n), rng.uniform(-300, 0, n)
    yaw = rng.uniform(-180, 180, n)
    speed = rng.uniform(0, 10, n)
    vx, vy = speed * np.cos(np.radians(yaw)), speed * np.sin(np.radians(yaw))
    kinds = (np.arange(n) % 5 == 0).astype(np.int8)  # every fifth a walker
    length = np.where(kinds == 1, 0.5, 4.6)
    width = np.where(kinds == 1, 0.5, 1.9)
    ids = np.arange(100, 100 + n, dtype=np.int64)
    frames = [
        ActorArrays(ids, kinds, x0 + vx * 0.05 * t, y0 + vy * 0.05 * t, yaw, vx, vy, length, width, np.zeros_like(x0))
        for t in range(ticks)
    ]
    return frames


def grid_lights() -> list[TrafficLightInfo]:
    lights = []
    for i, (jx, jy) in enumerate([(x, -y) for x in (0, 100, 200, 300) for y in (0, 100, 200, 300)]):
        for k, (dx, yaw) in enumerate([(-8.0, 0.0), (8.0, 180.0)]):
            lane_y = jy + (1.675 if yaw == 0.0 else -1.675)
            pose = Pose2D(jx + dx, lane_y, yaw)
            state = LightState.RED if (i + k) % 2 else LightState.GREEN
            lights.append(
                TrafficLightInfo(
                    2 * i + k, state, i, (pose,), ((0, -1),), TriggerVolume(pose, 4.0, 3.35), pose
                )
            )
    return lights


def test_update_cost_with_60_actors(town_map, capsys):
    route = straight_route(town_map, (10.0, 1.675), 280.0)
    ticks = 2000
    hero = drive(route, [8.0] * ticks)
    frames = moving_actors(60, ticks)
    view = ScriptedWorldView(town_map, route, hero, lambda t: frames[t], grid_lights())
    criteria = RouteCriteria(route, town_map, "2.x")
    samples = []
    for _ in range(ticks):
        start = time.perf_counter()
        result = criteria.update(view)
        samples.append(time.perf_counter() - start)
        if result.ended or not view.step():
            break
    criteria.finish(view)
    per_tick_us = 1e6 * np.asarray(samples)
    with capsys.disabled():
        print(
            f"\nRouteCriteria.update, 60 actors, 32 lights, {len(samples)} ticks: "
            f"mean {per_tick_us.mean():.1f} us, median {np.median(per_tick_us):.1f} us, "
            f"p99 {np.percentile(per_tick_us, 99):.1f} us; map lookups {criteria.lane.lookups}, "
            f"layout corner lookups {criteria.layout.corner_lookups if criteria.layout else 0}"
        )
    assert len(samples) > 100
