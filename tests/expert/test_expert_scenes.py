"""Closed-loop scenes in the embedded world: the expert (ObservationBuilder -> Expert -> VehicleController)
at a frozen red light, a stop sign, a pedestrian crossing and behind a braking leader, scored each tick by
the leaderboard 2.1 criteria.

Smoke route 0 (EmbeddedGrid): straight north, first light's stop line 67 m along the route. Smoke
route 1 (EmbeddedStops): west through a stop-controlled junction 81 m along. Empty worlds; each scene
adds only what it needs, and stops once its assertions are decided. Distances to stop lines and gaps
between cars are computed from the world's poses, not read from the observation.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely
from expert_helpers import (
    COLLISIONS,
    LIGHTS_ROUTE,
    STOPS_ROUTE,
    ExpertDriver,
    bumper_to_line_m,
    smoke_run,
    smoke_world,
    stop_line_on_route,
)

from leaderboard_adapter.criteria.criteria_set import RouteStatus
from leaderboard_adapter.embedded import WorldConfig
from leaderboard_adapter.embedded.walkers import CROSS, WalkerParams
from leaderboard_adapter.scoring import InfractionType
from leaderboard_adapter.world_view import LightState

STOPPED_MPS = 0.1
STOP_ZONE_M = 4.0


def first_crossing_line(driver: ExpertDriver, lights: bool):
    """(signal id, stop-line pose) of the first light (or stop sign) the route crosses."""
    ctx = driver.builder.route_context
    crossing = (ctx.light_crossings if lights else ctx.stop_crossings)[0]
    infos = driver.world.traffic_lights() if lights else driver.world.stop_signs()
    k = crossing.route_index
    return crossing.signal_id, stop_line_on_route(infos, crossing.signal_id, (ctx.x_m[k], ctx.y_m[k]))


def test_red_light_stop_before_the_line_hold_then_go_on_green() -> None:
    driver = ExpertDriver(smoke_world(LIGHTS_ROUTE))
    world = driver.world
    light_id, line = first_crossing_line(driver, lights=True)
    world.freeze_light(light_id, LightState.RED)

    assert driver.drive(lambda d: d.world.game_time_s > 1.0 and d.speed_mps < STOPPED_MPS, max_ticks=600)
    assert max(t.observation["ego"]["speed_mps"] for t in driver.ticks) > 10.0  # it did drive up to the light
    gap = bumper_to_line_m(world, line)
    assert 0.0 < gap < STOP_ZONE_M
    assert driver.ticks[-1].decision.reason == "red_light"

    # held for 3 s while red
    hero = world.hero()
    for _ in range(60):
        driver.step()
        assert driver.speed_mps < STOPPED_MPS
    assert math.hypot(world.hero().x_m - hero.x_m, world.hero().y_m - hero.y_m) < 0.05

    world.freeze_light(light_id, LightState.GREEN)
    assert driver.drive(lambda d: bumper_to_line_m(d.world, line) < -15.0, max_ticks=300)
    assert driver.events(InfractionType.TRAFFIC_LIGHT_INFRACTION) == []
    assert driver.events(*COLLISIONS) == []


def test_stop_sign_full_stop_in_the_zone_then_proceed_and_complete() -> None:
    driver = ExpertDriver(smoke_world(STOPS_ROUTE))
    stop_id, line = first_crossing_line(driver, lights=False)
    route_xy = np.array([(p.x_m, p.y_m) for p in smoke_run(STOPS_ROUTE).points])

    assert driver.drive(lambda d: d.world.game_time_s > 1.0 and d.speed_mps < STOPPED_MPS, max_ticks=600)
    assert 0.0 <= bumper_to_line_m(driver.world, line) <= STOP_ZONE_M
    assert driver.ticks[-1].decision.reason == "stop_sign"
    after, off_route = [], []
    while driver.status is RouteStatus.RUNNING and len(driver.ticks) < 1500:
        driver.step()
        hero = driver.world.hero()
        after.append(bumper_to_line_m(driver.world, line))
        off_route.append(float(np.hypot(route_xy[:, 0] - hero.x_m, route_xy[:, 1] - hero.y_m).min()))
    driver.criteria.finish(driver.world)

    assert driver.ticks[len(driver.ticks) - len(after)].observation["stop_sign"]["completed_stop"]
    assert min(after) < -20.0  # went on through the junction
    assert driver.status is RouteStatus.COMPLETED
    assert driver.criteria.route_completion_percent == pytest.approx(100.0)
    stop_events = driver.events(InfractionType.STOP_INFRACTION)
    assert [e for e in stop_events if e.actor_id == stop_id] == []
    # nor any other sign's: the route leaves the junction through the lane opposite sign 1's approach
    assert stop_events == []
    assert driver.events(InfractionType.COLLISION_VEHICLE, InfractionType.COLLISION_PEDESTRIAN) == []
    # Layout: the 2.1 criteria's layout probe can flag a corner lying on the line between the two one-way
    # roads of the route's last, tight bend (a false positive, see the report), so the ego staying on the
    # road is checked directly instead: its centre never strays far from the route, the final bend included.
    assert max(off_route) < 1.0


def test_pedestrian_crossing_in_front_slows_the_ego_and_is_not_hit() -> None:
    """One walker waits on the right sidewalk about 60 m along the route and starts across when the ego is
    at most max(25 m, 4 s) away (the world's ego-crossing mechanism). Lights frozen green."""
    walkers = WalkerParams(ego_crossing_spacing_m=1000.0, ego_crossing_first_m=60.0)
    world = smoke_world(LIGHTS_ROUTE, WorldConfig(vehicle_count=0, walker_count=0, walkers=walkers))
    for info in world.traffic_lights():
        world.freeze_light(info.id, LightState.GREEN)
    assert len(world.crowd) == 1
    trigger_m = float(world.crowd.trigger_progress_m[0])
    walker_id = int(world.walker_ids()[0])
    driver = ExpertDriver(world)

    assert driver.drive(lambda d: d.world.crowd.mode[0] == CROSS, max_ticks=400)
    speed_at_start = driver.speed_mps
    assert speed_at_start > 8.0
    clearances, speeds, in_path_ahead = [], [], False
    while world.route_progress_m < trigger_m + 10.0 and len(driver.ticks) < 800:
        tick = driver.step()
        speeds.append(driver.speed_mps)
        hero = shapely.Polygon(world.hero_corners())
        walker = shapely.Polygon(world.actor_corners()[-1])  # the only walker: last in actors()
        clearances.append(hero.distance(walker))
        for p in tick.observation["pedestrians"]:
            in_path_ahead |= p["id"] == walker_id and p["x_m"] > 0.0 and abs(p["y_m"]) < 1.0
    assert world.route_progress_m >= trigger_m + 10.0  # drove on past the crossing point
    assert in_path_ahead  # the walker really crossed the ego's lane in front of it
    assert min(speeds) < 0.3 * speed_at_start
    assert min(clearances) > 1.0
    assert driver.events(*COLLISIONS) == []
    assert {"pedestrian", "hazard"} & {t.decision.reason for t in driver.ticks}


@pytest.mark.parametrize(
    ("route_index", "speed_mps", "speed_factor"),
    [(20, 10.0, 1.0), (50, 0.0, 0.0)],
    ids=["braking-at-red-light", "standing"],
)
def test_following_a_leader_that_stops_keeps_a_gap(
    route_index: int, speed_mps: float, speed_factor: float
) -> None:
    """A leader spawned in the ego's lane 15 m (moving at 10 m/s towards the frozen-red first light, where it
    brakes to a stop) or 45 m (standing) ahead of the ego's front bumper. Both lanes run straight north,
    so the bumper-to-bumper gap is the distance between centres along the ego's heading less half lengths."""
    world = smoke_world(LIGHTS_ROUTE)
    driver = ExpertDriver(world)
    light_id, _ = first_crossing_line(driver, lights=True)
    world.freeze_light(light_id, LightState.RED)
    run = smoke_run(LIGHTS_ROUTE)
    at = run.points[route_index]
    segment, s = run.town.lane_graph.nearest_segment(at.x_m, at.y_m, at.yaw_deg)
    leader_id = world.spawn_vehicle(segment, s, speed_mps=speed_mps, speed_factor=speed_factor)
    row = world.vehicle_index(leader_id)
    fleet = world.fleet

    def gap_m() -> float:
        hero = world.hero()
        yaw = math.radians(hero.yaw_deg)
        along = (fleet.x_m[row] - hero.x_m) * math.cos(yaw) + (fleet.y_m[row] - hero.y_m) * math.sin(yaw)
        return along - 0.5 * hero.length_m - 0.5 * float(fleet.length_m[row])

    gaps, leader_speeds, ego_speeds = [gap_m()], [], []
    still = 0
    while still < 20 and len(driver.ticks) < 900:
        driver.step()
        gaps.append(gap_m())
        leader_speeds.append(float(fleet.speed_mps[row]))
        ego_speeds.append(driver.speed_mps)
        still = still + 1 if ego_speeds[-1] < STOPPED_MPS and leader_speeds[-1] < 0.2 else 0
    assert still == 20  # both came to rest
    assert max(ego_speeds) > 6.0  # the ego did close in at speed
    if speed_mps > 0.0:
        assert max(leader_speeds) > 8.0  # the leader braked from speed to a stop
    assert min(gaps) > 2.0
    assert gaps[-1] < 10.0  # and the ego stopped close behind it, not far back
    assert driver.ticks[-1].decision.reason == "vehicle" and driver.ticks[-1].decision.actor_id == leader_id
    assert driver.events(*COLLISIONS) == []
