"""NPC vehicles: red lights, car following, stop signs, junction right of way, spawning."""

from __future__ import annotations

import carla
import numpy as np
import pytest
import shapely
from embedded_helpers import approach_with_light, build, far_route, quiet_config

from leaderboard_adapter.embedded import WorldConfig
from leaderboard_adapter.embedded.network import DrivingNetwork
from leaderboard_adapter.embedded.route_builder import route_along_lanes
from leaderboard_adapter.embedded.traffic import EgoOnGraph
from leaderboard_adapter.world_view import LightState

IDLE = carla.VehicleControl()


def _quiet_world(town, near_segment: int):
    net = DrivingNetwork(town[1])
    route = far_route(town[1], net.entry_xy[near_segment])
    return build(town, route, quiet_config())


def test_npc_stops_before_red_line_and_goes_on_green(lights_town) -> None:
    probe = build(lights_town, route_along_lanes(DrivingNetwork(lights_town[1]), 0, 50.0), quiet_config())
    lane, junction_lane, light = approach_with_light(probe)
    world = _quiet_world(lights_town, lane)
    world.freeze_light(light, LightState.RED)
    vid = world.spawn_vehicle(lane, 20.0, speed_mps=8.0, path=[lane, junction_lane])
    i = world.vehicle_index(vid)
    f = world.fleet
    lane_len = world.network.length_m[lane]
    for _ in range(400):
        world.tick(IDLE)
        assert f.plan[i, 0] == lane, "ran the red light"
    front_to_line = lane_len - f.s_m[i] - f.length_m[i] / 2
    assert f.speed_mps[i] < 0.1
    assert 0.0 < front_to_line < 4.0
    world.freeze_light(light, LightState.GREEN)
    for _ in range(200):
        world.tick(IDLE)
    assert f.plan[i, 0] != lane


def test_npc_follows_slower_leader_without_overlap(lights_town) -> None:
    net = DrivingNetwork(lights_town[1])
    lane = int(np.flatnonzero(net.is_canonical & ~net.is_junction)[0])
    world = _quiet_world(lights_town, lane)
    f = world.fleet
    lead = world.vehicle_index(world.spawn_vehicle(lane, 30.0, speed_mps=2.5, speed_factor=0.3))
    follow = world.vehicle_index(world.spawn_vehicle(lane, 3.0, speed_mps=8.0, path=[lane]))
    min_gap = np.inf
    for _ in range(240):  # 12 s: the leader is still well before the light at the lane end
        world.tick(IDLE)
        assert f.plan[lead, 0] == lane and f.plan[follow, 0] == lane
        gap = f.s_m[lead] - f.s_m[follow] - 0.5 * (f.length_m[lead] + f.length_m[follow])
        min_gap = min(min_gap, gap)
    v_lead = 0.3 * net.speed_limit_mps[lane]
    assert min_gap > 1.0
    assert abs(f.speed_mps[follow] - v_lead) < 0.3
    # IDM equilibrium gap s0 + v·T = 2.5 + 2.5 m
    assert 3.5 < gap < 7.5


def test_npc_stops_fully_at_stop_sign_then_proceeds(stops_town) -> None:
    net = DrivingNetwork(stops_town[1])
    lane = int(np.flatnonzero(net.is_canonical & ~net.is_junction)[0])
    junction_lane = int(net.successors[lane, 0])
    world = _quiet_world(stops_town, lane)
    assert world.stops.segment_has_stop[junction_lane]
    i = world.vehicle_index(world.spawn_vehicle(lane, 40.0, speed_mps=8.0, path=[lane, junction_lane]))
    f = world.fleet
    lane_len = net.length_m[lane]
    slowest_near_line = np.inf
    for _ in range(600):
        world.tick(IDLE)
        if f.plan[i, 0] != lane:
            break
        if lane_len - f.s_m[i] - f.length_m[i] / 2 < 3.0:
            slowest_near_line = min(slowest_near_line, f.speed_mps[i])
    assert f.plan[i, 0] == junction_lane, "never went on after stopping"
    assert slowest_near_line < 0.1


def test_npc_yields_to_ego_inside_junction(lights_town) -> None:
    net = DrivingNetwork(lights_town[1])
    world0 = build(lights_town, route_along_lanes(net, 0, 50.0), quiet_config())
    conflicts = world0.conflicts
    # an ego parked on a junction lane, and an NPC approaching a conflicting one from another approach
    ego_lane, npc_junction = next(
        (int(a), int(b))
        for a, b in zip(*np.nonzero(conflicts), strict=True)
        if net.is_canonical[a] and net.is_canonical[b]
    )
    npc_lane = net.predecessors[npc_junction][0]
    route = route_along_lanes(net, ego_lane, 60.0, start_s_m=net.length_m[ego_lane] / 2)
    world = build(lights_town, route, quiet_config())
    light = world.lights.light_of_segment(npc_junction)
    if light is not None:
        world.freeze_light(light, LightState.GREEN)
    i = world.vehicle_index(
        world.spawn_vehicle(npc_lane, net.length_m[npc_lane] - 30.0, 6.0, path=[npc_lane, npc_junction])
    )
    for _ in range(300):
        world.tick(IDLE)
        assert world.fleet.plan[i, 0] == npc_lane, "entered a junction lane the ego occupies"
    assert world.fleet.speed_mps[i] < 0.1


def test_spawned_npcs_keep_clear_of_ego_start_and_each_other(lights_town) -> None:
    net = DrivingNetwork(lights_town[1])
    route = route_along_lanes(net, 0, 300.0, start_s_m=10.0)
    world = build(lights_town, route, WorldConfig(vehicle_count=40, walker_count=0), seed=5)
    f = world.fleet
    assert len(f) == 40
    start = np.array([route[0].x_m, route[0].y_m])
    assert np.hypot(f.x_m - start[0], f.y_m - start[1]).min() >= 20.0
    d = np.hypot(f.x_m[:, None] - f.x_m[None, :], f.y_m[:, None] - f.y_m[None, :]) + np.eye(len(f)) * 1e9
    assert d.min() >= 10.0


def test_npcs_never_overlap_in_busy_traffic(lights_town) -> None:
    net = DrivingNetwork(lights_town[1])
    route = route_along_lanes(net, 0, 300.0, start_s_m=40.0)
    world = build(lights_town, route, WorldConfig(vehicle_count=40, walker_count=10), seed=11)
    n = len(world.fleet)
    moved = np.zeros(n)
    for t in range(2400):
        world.tick(IDLE)
        moved += world.fleet.speed_mps * 0.05
        if t % 4 == 0:
            boxes = shapely.polygons(world.actor_corners()[:n])
            a, b = shapely.STRtree(boxes).query(boxes, predicate="intersects")
            assert not (a < b).any(), (
                f"NPC boxes overlap at tick {t}: {list(zip(a[a < b], b[a < b], strict=True))}"
            )
    assert np.median(moved) > 100.0, "traffic barely moves"


def _turn_deg(net: DrivingNetwork, seg: int) -> float:
    """Heading change [deg] from a lane's start to its end."""
    _, _, yaw = net.pose_at(np.array([seg, seg]), np.array([0.0, net.length_m[seg]]))
    return abs((yaw[1] - yaw[0] + 180.0) % 360.0 - 180.0)


def _turning_junction_lane(net: DrivingNetwork) -> int:
    """A canonical junction lane that turns by at least 60° within 12 m or more."""
    for seg in np.flatnonzero(net.is_canonical & net.is_junction):
        if _turn_deg(net, int(seg)) >= 60.0 and net.length_m[seg] >= 12.0:
            return int(seg)
    raise AssertionError("no turning junction lane")


def _step_with_standing_ego(world, ego_xy: tuple[float, float], ego_yaw_deg: float, ego_z_m: float = 0.0) -> None:
    world.fleet.step(
        0.05,
        EgoOnGraph(ego_xy[0], ego_xy[1], ego_yaw_deg, 0.0, 4.9, 2.1, z_m=ego_z_m),
        np.zeros((0, 2)),
        np.zeros((0, 2)),
        world.lights.segment_state,
        world.stops.segment_has_stop,
        np.random.default_rng(0),
    )


def test_turning_npc_passes_ego_standing_off_its_path_but_brakes_for_one_on_it(lights_town) -> None:
    # an ego standing where the NPC's heading points, but off its curved path, must not stop it
    # (that gridlocked junctions); an ego across the path still does
    net = DrivingNetwork(lights_town[1])
    turn = _turning_junction_lane(net)
    x0, y0, yaw0 = (float(a[0]) for a in net.pose_at(np.array([turn]), np.array([1.0])))
    heading = np.radians(yaw0)
    xp, yp, _ = (float(a[0]) for a in net.pose_at(np.array([turn]), np.array([9.0])))
    # oncoming, 12 m straight ahead: the lane has turned more than a car's width away by then
    straight = (x0 + 12.0 * np.cos(heading), y0 + 12.0 * np.sin(heading))
    far = (x0 + 500.0, y0 + 500.0)
    speeds = {}
    for name, ego_xy in (("far", far), ("straight", straight), ("on path", (xp, yp))):
        world = _quiet_world(lights_town, turn)
        i = world.vehicle_index(world.spawn_vehicle(turn, 1.0, speed_mps=5.0, path=[turn]))
        _step_with_standing_ego(world, ego_xy, yaw0 + 180.0)
        speeds[name] = float(world.fleet.speed_mps[i])
    assert speeds["straight"] == pytest.approx(speeds["far"], abs=1e-9), speeds
    assert speeds["on path"] < speeds["far"] - 0.1, speeds



def _stop_junction_meeting(net: DrivingNetwork, conflicts: np.ndarray) -> tuple[int, int, int]:
    """(ego lane, NPC lane, NPC junction lane): the ego lane's straightest junction lane (where
    `route_along_lanes` goes) conflicts with the NPC's, which comes from another approach."""
    for ego_lane in np.flatnonzero(net.is_canonical & ~net.is_junction):
        successors = [int(net.canonical[s]) for s in net.successors[ego_lane, : net.successor_count[ego_lane]]]
        if not successors:
            continue
        junction = min(successors, key=lambda s: _turn_deg(net, s))
        for other in np.flatnonzero(conflicts[junction] & net.is_canonical):
            npc_lane = int(net.predecessors[other][0])
            if npc_lane != ego_lane and net.length_m[npc_lane] > 35.0:
                return int(ego_lane), npc_lane, int(other)
    raise AssertionError("no conflicting approaches")


def test_npc_gives_way_to_ego_waiting_at_stop_line_but_not_to_one_further_back(stops_town) -> None:
    net = DrivingNetwork(stops_town[1])
    world0 = build(stops_town, route_along_lanes(net, 0, 50.0), quiet_config())
    ego_lane, npc_lane, npc_junction = _stop_junction_meeting(net, world0.conflicts)
    entered = {}
    for gap_m in (1.0, 20.0):  # front bumper to the line: waiting there, or standing well back
        start = net.length_m[ego_lane] - gap_m - 0.5 * world0.config.ego.length_m
        world = build(stops_town, route_along_lanes(net, ego_lane, 60.0, start_s_m=start), quiet_config())
        i = world.vehicle_index(
            world.spawn_vehicle(npc_lane, net.length_m[npc_lane] - 30.0, 6.0, path=[npc_lane, npc_junction])
        )
        entered[gap_m] = False
        for _ in range(600):  # 30 s
            world.tick(IDLE)
            if world.fleet.plan[i, 0] != npc_lane:
                entered[gap_m] = True
                break
    assert entered == {1.0: False, 20.0: True}


def _straight_lane(net: DrivingNetwork) -> int:
    """A canonical ordinary lane at least 40 m long."""
    return int(next(s for s in np.flatnonzero(net.is_canonical & ~net.is_junction) if net.length_m[s] >= 40.0))


def test_npc_touching_the_ego_drives_on_past_it(lights_town) -> None:
    """After a collision the two boxes overlap; an NPC that kept braking for the ego inside its box would
    stand there for good (Longest6 route 25 in Town05 ended "blocked"). Touching, it drives on; an ego a
    few metres ahead on its lane, not touching, still stops it."""
    net = DrivingNetwork(lights_town[1])
    lane = _straight_lane(net)
    speeds = {}
    for name, ahead_m in (("touching", 2.0), ("ahead", 7.0)):
        world = _quiet_world(lights_town, lane)
        i = world.vehicle_index(world.spawn_vehicle(lane, 10.0, speed_mps=3.0, path=[lane]))
        x, y, yaw = (float(a[0]) for a in net.pose_at(np.array([lane]), np.array([10.0 + ahead_m])))
        for _ in range(20):
            _step_with_standing_ego(world, (x, y), yaw + 90.0)
        speeds[name] = float(world.fleet.speed_mps[i])
    assert speeds["touching"] > 3.0, speeds
    assert speeds["ahead"] < 1.0, speeds


def test_npc_deadlocked_with_the_standing_ego_leaves_after_the_set_wait(lights_town) -> None:
    """An NPC standing nose to nose with the standing ego (each waits for the other) comes back elsewhere
    after `ego_deadlock_s`, not before."""
    net = DrivingNetwork(lights_town[1])
    lane = _straight_lane(net)
    world = _quiet_world(lights_town, lane)
    f = world.fleet
    i = world.vehicle_index(world.spawn_vehicle(lane, 10.0, speed_mps=0.0, path=[lane]))
    x, y, yaw = (float(a[0]) for a in net.pose_at(np.array([lane]), np.array([17.0])))
    wait_ticks = round(f.params.ego_deadlock_s / 0.05)
    for _ in range(wait_ticks - 1):
        _step_with_standing_ego(world, (x, y), yaw + 180.0)
    assert (f.respawns, f.plan[i, 0]) == (0, lane)
    assert f.s_m[i] == pytest.approx(10.0)
    _step_with_standing_ego(world, (x, y), yaw + 180.0)
    assert f.respawns == 1
    assert np.hypot(f.x_m[i] - x, f.y_m[i] - y) >= f.params.spawn_clearance_from_ego_m


def test_npc_ignores_the_ego_on_another_level(lights_town) -> None:
    """The ego standing across an NPC's lane 11 m below it (under a bridge) does not stop the NPC, nor does
    it count as a deadlock; at the lane's own height it stops it."""
    net = DrivingNetwork(lights_town[1])
    lane = _straight_lane(net)
    speeds = {}
    for name, dz in (("below", -11.0), ("same level", 0.0)):
        world = _quiet_world(lights_town, lane)
        i = world.vehicle_index(world.spawn_vehicle(lane, 10.0, speed_mps=3.0, path=[lane]))
        x, y, yaw = (float(a[0]) for a in net.pose_at(np.array([lane]), np.array([17.0])))
        for _ in range(20):
            _step_with_standing_ego(world, (x, y), yaw + 90.0, float(world.fleet.z_m[i]) + dz)
        speeds[name] = float(world.fleet.speed_mps[i])
    assert speeds["below"] > 3.0, speeds
    assert speeds["same level"] < 1.0, speeds
