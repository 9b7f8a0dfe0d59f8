"""NPC traffic on CARLA towns with dead-end lanes (highway merge lanes): no crash, constant fleet (issue 15.2)."""

from __future__ import annotations

import carla
import numpy as np
import pytest
from carla_maps import carla_town
from embedded_helpers import quiet_config

from leaderboard_adapter.embedded import EmbeddedWorld
from leaderboard_adapter.embedded.network import DrivingNetwork
from leaderboard_adapter.embedded.route_builder import route_along_lanes

VEHICLES = 100


def _world(town: str, seed: int) -> EmbeddedWorld:
    town_map, graph = carla_town(town)
    net = DrivingNetwork(graph)
    start = int(np.flatnonzero(net.is_canonical & ~net.is_junction & (net.length_m > 60.0))[0])
    route = route_along_lanes(net, start, 50.0, start_s_m=5.0)
    return EmbeddedWorld(town_map, graph, route, quiet_config(vehicle_count=VEHICLES), seed=seed)


@pytest.mark.parametrize(("town", "seed"), [("Town03", 0), ("Town06", 4)])
def test_traffic_on_dead_end_lanes_runs_and_keeps_its_size(town: str, seed: int) -> None:
    """Seeds whose spawn planned into a dead end (`ValueError: segment N is a dead end` before the fix)."""
    world = _world(town, seed)
    fleet = world.fleet
    net = world.network
    assert (net.successor_count[net.is_canonical] == 0).any(), "the town should have dead-end lanes"
    assert len(fleet) == VEHICLES
    dead_end_plans = int((net.successor_count[fleet.plan] == 0).any(axis=1).sum())
    assert dead_end_plans > 0
    for _ in range(1200):
        world.tick(carla.VehicleControl())
        assert len(fleet) == VEHICLES
        assert (fleet.s_m <= net.length_m[fleet.plan[:, 0]] + 1e-9).all()
    assert fleet.respawns > 0  # some reached a lane's end and came back elsewhere
    assert np.isfinite(fleet.x_m).all() and np.isfinite(fleet.z_m).all()


def test_dead_end_traffic_is_deterministic() -> None:
    a, b = _world("Town03", 0), _world("Town03", 0)
    for _ in range(300):
        a.tick(carla.VehicleControl())
        b.tick(carla.VehicleControl())
    assert a.snapshot() == b.snapshot()


def test_vehicle_added_on_a_dead_end_lane_drives_to_its_end_then_respawns() -> None:
    world = _world("Town03", 1)
    net = world.network
    dead = int(np.flatnonzero(net.is_canonical & (net.successor_count == 0))[0])
    row = world.vehicle_index(world.spawn_vehicle(dead, float(net.length_m[dead]) - 8.0, speed_mps=8.0))
    fleet = world.fleet
    assert (fleet.plan[row] == dead).all()  # planned as far as the lane goes
    before = fleet.respawns
    for _ in range(60):
        world.tick(carla.VehicleControl())
        if fleet.respawns > before:
            break
    assert fleet.respawns > before
    assert fleet.plan[row, 0] != dead and net.successor_count[fleet.plan[row, 0]] > 0
