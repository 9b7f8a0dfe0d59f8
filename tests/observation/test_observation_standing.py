"""`ego.standing_s`: how long the ego has stood still, reset as soon as it moves."""

from __future__ import annotations

import carla
import pytest
from observation_helpers import smoke_world

from leaderboard_adapter.observation import ObservationBuilder


def test_standing_time_counts_up_while_still_and_resets_when_moving() -> None:
    world = smoke_world(0)
    builder = ObservationBuilder(world)
    brake = carla.VehicleControl(brake=1.0)
    seen = []
    for _ in range(40):
        seen.append(builder.build(world)["ego"]["standing_s"])
        world.tick(brake)
    assert seen[0] == 0.0
    assert seen[-1] == pytest.approx(39 * world.config.dt_s, abs=1e-3)
    assert all(b > a for a, b in zip(seen, seen[1:], strict=False))
    for _ in range(20):
        world.tick(carla.VehicleControl(throttle=0.6))
    assert builder.build(world)["ego"]["standing_s"] == 0.0
