"""`vehicles` and `pedestrians`: within 50 m of the ego's centre, nearest first, split by kind, full extents."""

from __future__ import annotations

import carla
import numpy as np
from observation_helpers import WorldViewTestDouble, actor, smoke_world, straight_route

from leaderboard_adapter.observation import ACTOR_RANGE_M, ObservationBuilder
from leaderboard_adapter.observation.actors import nearby_actors
from leaderboard_adapter.observation.frames import EgoFrame
from leaderboard_adapter.world_view import ActorArrays, ActorKind, ActorState

HERO = ActorState(0, ActorKind.VEHICLE, 100.0, 50.0, 0.0, 90.0, 0.0, 0.0, 4.9, 2.12)


def _build(others: list[ActorState]) -> dict:
    view = WorldViewTestDouble(HERO, straight_route(), others)
    return ObservationBuilder(view).build(view)


def test_range_is_inclusive_at_50_m_and_excludes_beyond() -> None:
    others = [
        actor(1, 100.0 + 49.9, 50.0),
        actor(2, 100.0, 50.0 - 50.1),
        actor(3, 100.0 - 30.0, 50.0 + 40.0),  # exactly 50 m
        actor(4, 100.0 + 300.0, 50.0),
        actor(5, 100.0, 50.0 + 50.2, kind=ActorKind.WALKER),
    ]
    obs = _build(others)
    assert [v["id"] for v in obs["vehicles"]] == [1, 3]
    assert obs["pedestrians"] == []
    assert all(v["distance_m"] <= ACTOR_RANGE_M for v in obs["vehicles"])


def test_sorted_nearest_first_and_split_by_kind() -> None:
    rng = np.random.default_rng(0)
    others = []
    for k in range(60):
        r, a = rng.uniform(1.0, 70.0), rng.uniform(-np.pi, np.pi)
        kind = ActorKind.WALKER if k % 3 == 0 else ActorKind.VEHICLE
        others.append(actor(k + 10, 100.0 + r * np.cos(a), 50.0 + r * np.sin(a), kind=kind, length_m=0.5 + k))
    obs = _build(others)
    by_id = {o.id: o for o in others}
    for key, kind in (("vehicles", ActorKind.VEHICLE), ("pedestrians", ActorKind.WALKER)):
        listed = obs[key]
        expected = sorted(
            (o for o in others if o.kind == kind and np.hypot(o.x_m - 100.0, o.y_m - 50.0) <= 50.0),
            key=lambda o: np.hypot(o.x_m - 100.0, o.y_m - 50.0),
        )
        assert [a["id"] for a in listed] == [o.id for o in expected]
        distances = [a["distance_m"] for a in listed]
        assert distances == sorted(distances)
        for a in listed:
            assert a["length_m"] == round(by_id[a["id"]].length_m, 3)
            assert abs(np.hypot(a["x_m"], a["y_m"]) - a["distance_m"]) < 2e-3


def test_actors_on_another_level_are_left_out() -> None:
    """A car on a bridge 11 m above the ego (Town04's overpasses), or on the road below it, is no obstacle;
    one on a ramp 2 m up beside it is."""
    bridge = ActorState(1, ActorKind.VEHICLE, 105.0, 50.0, 11.0, 90.0, 0.0, 0.0, 4.9, 2.12)
    below = ActorState(2, ActorKind.VEHICLE, 100.0, 56.0, -8.0, 0.0, 0.0, 0.0, 4.9, 2.12)
    ramp = ActorState(3, ActorKind.VEHICLE, 100.0, 60.0, 2.0, 90.0, 0.0, 0.0, 4.9, 2.12)
    walker = ActorState(4, ActorKind.WALKER, 98.0, 50.0, 11.0, 0.0, 0.0, 0.0, 0.5, 0.5)
    obs = _build([bridge, below, ramp, walker])
    assert [v["id"] for v in obs["vehicles"]] == [3]
    assert obs["pedestrians"] == []


def test_equal_distances_are_ordered_by_id() -> None:
    others = [actor(9, 110.0, 50.0), actor(4, 90.0, 50.0), actor(6, 100.0, 60.0)]
    assert [v["id"] for v in _build(others)["vehicles"]] == [4, 6, 9]


def test_no_actors_gives_empty_lists() -> None:
    frame = EgoFrame(0.0, 0.0, 0.0)
    assert nearby_actors(frame, ActorArrays.empty(), 0.0) == ([], [])
    obs = _build([])
    assert obs["vehicles"] == [] and obs["pedestrians"] == []


def test_embedded_world_actors_match_the_world_view() -> None:
    world = smoke_world(0, vehicles=40, walkers=30, seed=1)
    builder = ObservationBuilder(world)
    for _ in range(40):
        world.tick(carla.VehicleControl())
    obs = builder.build(world)
    hero, a = world.hero(), world.actors()
    d = np.hypot(a.x_m - hero.x_m, a.y_m - hero.y_m)
    near_vehicles = set(a.ids[(d <= 50.0) & (a.kinds == int(ActorKind.VEHICLE))].tolist())
    near_walkers = set(a.ids[(d <= 50.0) & (a.kinds == int(ActorKind.WALKER))].tolist())
    assert {v["id"] for v in obs["vehicles"]} == near_vehicles
    assert {p["id"] for p in obs["pedestrians"]} == near_walkers
    assert near_vehicles or near_walkers  # the scene is not empty
