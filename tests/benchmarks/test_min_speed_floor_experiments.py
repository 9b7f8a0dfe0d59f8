"""The experiments of benchmarks/min_speed_floor.py: ego priority at lights, and a local traffic reference."""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path

import numpy as np

from expert import Expert
from leaderboard_adapter.control import Action, VehicleController
from leaderboard_adapter.observation import ObservationBuilder
from leaderboard_adapter.world_view import LightState

_PATH = Path(__file__).resolve().parents[2] / "benchmarks" / "min_speed_floor.py"
_SPEC = importlib.util.spec_from_file_location("min_speed_floor", _PATH)
assert _SPEC is not None and _SPEC.loader is not None
floor = importlib.util.module_from_spec(_SPEC)
sys.modules[_SPEC.name] = floor  # its dataclasses look their module up
_SPEC.loader.exec_module(floor)

#: an EmbeddedGrid route: signalised junctions from its first 100 m
GRID_ROUTE = "8"


def _grid_world():
    return floor.make_world(floor._planned("embedded_training", GRID_ROUTE)[0], 1)


def test_ego_priority_holds_the_egos_light_green_and_the_junctions_others_red_until_it_has_left() -> None:
    world = _grid_world()
    junction_of = {s.signal_id: s.junction_id for s in world.lights.sites}
    priority = floor.EgoPriority(world)
    builder, expert, controller = ObservationBuilder(world), Expert(), VehicleController()
    held: int | None = None
    was_inside = released_at = None
    states_after: set[LightState] = set()
    for _ in range(2400):  # 120 s
        obs = builder.build(world)
        priority.update(obs)
        light = obs["traffic_light"]
        if held is None and light is not None and light["distance_m"] <= floor.PRIORITY_TRIGGER_M:
            held = light["id"]
        if held is not None and released_at is None:
            inside = obs["route"]["in_junction"]
            if was_inside and not inside:
                released_at = world.game_time_s
            else:
                states = {i.id: i.state for i in world.traffic_lights() if junction_of[i.id] == junction_of[held]}
                assert states.pop(held) is LightState.GREEN
                assert states and set(states.values()) == {LightState.RED}
                was_inside = was_inside or inside
        elif released_at is not None:
            states_after |= {i.state for i in world.traffic_lights() if i.id == held}
        world.tick(controller.control(expert.act(obs).action, obs["ego"]["speed_mps"]))
    assert held is not None and released_at is not None, "the ego never passed a light"
    # released: the light cycles again (a frozen one would stay green)
    assert LightState.RED in states_after


def test_local_traffic_shows_the_criteria_only_the_actors_within_the_radius() -> None:
    world = _grid_world()
    standing = VehicleController().control(Action(target_speed_mps=0.0, steer_deg=0.0), 0.0)
    for _ in range(40):
        world.tick(standing)
    local = floor.LocalTraffic(world, 60.0)
    every, hero = world.actors(), world.hero()
    dist = np.hypot(every.x_m - hero.x_m, every.y_m - hero.y_m)
    near = local.actors()
    assert 0 < len(near) < len(every)
    assert sorted(near.ids.tolist()) == sorted(every.ids[dist <= 60.0].tolist())
    assert np.all(np.hypot(near.x_m - hero.x_m, near.y_m - hero.y_m) <= 60.0)
    assert math.isclose(local.hero().x_m, hero.x_m) and local.game_time_s == world.game_time_s

