"""Helpers of the driving tests: replay-buffer frames, observations built in the embedded world, a policy
driving the expert tests' closed loop, and the expert and engine test helpers they reuse.

Frames: observation dicts are in the ego frame of docs/observation.md (x forward, y LEFT, angles
counter-clockwise); the hand-built ones come from tests/expert/expert_helpers.py (a test double of the
observation builder's output).
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

TESTS = Path(__file__).resolve().parents[1]
for _folder in ("expert", "engine"):  # reuse their helpers (test folders are not packages)
    if str(TESTS / _folder) not in sys.path:
        sys.path.insert(0, str(TESTS / _folder))

from engine_helpers import fast_sandbox, llm_for  # noqa: E402
from expert_helpers import (  # noqa: E402
    EMPTY,
    LIGHTS_ROUTE,
    STOPS_ROUTE,
    ExpertDriver,
    actor_record,
    arc,
    observation_double,
    pedestrian_record,
    route_points,
    smoke_run,
    smoke_world,
)
from openai_test_server import OpenAITestServer, by_content, fenced, last_user_message  # noqa: E402

from expert import ExpertDecision  # noqa: E402
from leaderboard_adapter.control import Action  # noqa: E402
from leaderboard_adapter.embedded import WorldConfig  # noqa: E402

__all__ = [
    "EMPTY",
    "LIGHTS_ROUTE",
    "ExpertDriver",
    "OpenAITestServer",
    "PolicyAsExpert",
    "action",
    "actor_record",
    "arc",
    "buffer_frame",
    "built_observations",
    "by_content",
    "fast_sandbox",
    "fenced",
    "last_user_message",
    "llm_for",
    "observation_double",
    "pedestrian_record",
    "route_points",
    "smoke_run",
    "smoke_world",
]


def action(target_speed_mps: float, steer_deg: float) -> dict[str, float]:
    """An action dict [m/s], [deg, positive left]."""
    return {"target_speed_mps": target_speed_mps, "steer_deg": steer_deg}


def buffer_frame(
    observation: dict | None = None,
    expert: tuple[float, float] = (8.0, 0.0),
    reason: str = "cruise",
    policy: tuple[float, float] | None = (8.0, 0.0),
    driver: str = "policy",
    infraction: list[str] | None = None,
    number: int = 0,
) -> dict[str, Any]:
    """A replay-buffer frame in the collector's format; `expert` and `policy` are (speed [m/s], steer [deg]),
    `infraction` the kinds of an infraction 1 s after the frame (None: no infraction)."""
    return {
        "frame": number,
        "game_time_s": 0.05 * number,
        "observation": observation if observation is not None else observation_double(speed_mps=8.0),
        "policy_action": action(*policy) if policy is not None else None,
        "expert_action": action(*expert),
        "expert_reason": reason,
        "driver": driver,
        "infraction": {"kinds": list(infraction), "seconds_before": 1.0} if infraction else None,
        "route_id": "r0",
        "shard": "s0",
    }


class PolicyAsExpert:
    """Adapts a policy callable (observation -> action dict) to the `act` that ExpertDriver calls, so the
    expert tests' closed loop (builder, controller, criteria) drives with the policy instead."""

    def __init__(self, policy: Callable[[dict], Any]) -> None:
        self.policy = policy

    def act(self, observation: dict) -> ExpertDecision:
        return ExpertDecision(Action.from_dict(self.policy(observation)), "policy")


@functools.lru_cache(maxsize=1)
def built_observations() -> tuple[dict, ...]:
    """Observations from the real ObservationBuilder: the expert driving both smoke routes for 15 s in
    traffic (every 10th tick). Among them: lights, a stop sign, vehicles and pedestrians."""
    seen = []
    for route in (LIGHTS_ROUTE, STOPS_ROUTE):
        driver = ExpertDriver(smoke_world(route, WorldConfig(), seed=1))
        driver.drive(lambda d: False, max_ticks=300)
        seen += [tick.observation for tick in driver.ticks[::10]]
    return tuple(seen)


CONSTANT = 'def drive(observation):\n    return {"target_speed_mps": 8.0, "steer_deg": 0.0}\n'
"""A candidate that ignores the world: 8 m/s, straight on."""
RED = {"id": 3, "state": "Red", "distance_m": 10.0}


def ran_red_light_frame(number: int = 0) -> dict:
    """A frame where the policy drove on at 8 m/s where the expert stopped, and ran the red light."""
    return buffer_frame(
        observation_double(speed_mps=8.0, traffic_light=RED),
        expert=(0.0, 0.0),
        reason="red_light",
        policy=(8.0, 0.0),
        infraction=["red_light"],
        number=number,
    )
