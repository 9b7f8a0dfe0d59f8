"""Embedded-world fixtures: the grid test towns (lights and stop signs), their lane graphs, and helpers."""

from __future__ import annotations

from pathlib import Path

import carla
import numpy as np
import pytest

from leaderboard_adapter.embedded import EmbeddedWorld, WorldConfig
from leaderboard_adapter.embedded.network import DrivingNetwork
from leaderboard_adapter.embedded.route_builder import route_along_lanes
from leaderboard_adapter.embedded.walkers import WalkerParams
from leaderboard_adapter.roads.lane_graph import LaneGraph

TOWNS = Path(__file__).resolve().parents[1] / "fixtures" / "towns"


def _load(name: str) -> tuple[carla.Map, LaneGraph]:
    town_map = carla.Map(name, (TOWNS / f"{name}.xodr").read_text())
    return town_map, LaneGraph(town_map)


@pytest.fixture(scope="session")
def lights_town() -> tuple[carla.Map, LaneGraph]:
    return _load("grid4x4_lights")


@pytest.fixture(scope="session")
def stops_town() -> tuple[carla.Map, LaneGraph]:
    return _load("grid4x4_stops")


def quiet_config(**kwargs) -> WorldConfig:
    """No random traffic and no walkers unless asked."""
    base = {"vehicle_count": 0, "walker_count": 0, "walkers": WalkerParams(ego_crossing_spacing_m=0.0)}
    base.update(kwargs)
    return WorldConfig(**base)


def far_route(
    graph: LaneGraph, away_from_xy: np.ndarray, min_distance_m: float = 150.0, length_m: float = 200.0
):
    """A straight-ish route on an ordinary lane starting at least `min_distance_m` from a point."""
    net = DrivingNetwork(graph)
    for seg in np.flatnonzero(net.is_canonical & ~net.is_junction):
        if np.hypot(*(net.entry_xy[seg] - away_from_xy)) >= min_distance_m:
            return route_along_lanes(net, int(seg), length_m, start_s_m=20.0)
    raise AssertionError("no far segment")


def approach_with_light(world: EmbeddedWorld) -> tuple[int, int, int]:
    """(incoming lane segment, junction lane after it, light id governing that junction lane)."""
    net = world.network
    for seg in np.flatnonzero(net.is_canonical & ~net.is_junction):
        for j in net.successors[seg, : net.successor_count[seg]]:
            light = world.lights.light_of_segment(int(j))
            if light is not None:
                return int(seg), int(j), light
    raise AssertionError("no lit approach")


def build(town: tuple[carla.Map, LaneGraph], route, config: WorldConfig, seed: int = 0) -> EmbeddedWorld:
    return EmbeddedWorld(town[0], town[1], route, config, seed)
