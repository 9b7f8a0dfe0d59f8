"""Agent-file tests: the agent files, a smoke route planned as the evaluator plans it, and test policies."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from langprop_driver.engine import SandboxedPolicy
from leaderboard_adapter.embedded import WorldConfig
from leaderboard_adapter.evaluator.planned_run import PlannedRun, plan_runs
from leaderboard_adapter.evaluator.route_sets import resolve_routes

AGENTS = Path(__file__).resolve().parents[2] / "agents"
EMPTY = WorldConfig().with_counts(0, 0)
LIGHTS_ROUTE = 0
"""Smoke route 0: a signalised junction, then a left turn; with world seed 3 the ego meets a red light."""

STEER_TO_ROUTE = '''
import math

def drive(observation):
    """Test policy: follows the route at a fixed speed and ignores everything else."""
    target = observation["route"]["points"][min(2, len(observation["route"]["points"]) - 1)]
    return {"target_speed_mps": SPEED, "steer_deg": math.degrees(math.atan2(target["y_m"], target["x_m"]))}
'''


def route_runner_policy(speed_mps: float) -> str:
    """Source of a test policy that follows the route at `speed_mps`, through red lights and all."""
    return f"SPEED = {speed_mps}\n" + STEER_TO_ROUTE


@cache
def smoke_run(route_id: int) -> PlannedRun:
    (run,) = plan_runs(resolve_routes("embedded_smoke"), str(route_id), 1, None, None)
    return run


# Deliberately failing test policies (all pass the static checks).
GO = '{"target_speed_mps": 1.0, "steer_deg": 0.0}'
BROKEN_AT_IMPORT = f"RATIO = 1 / 0\n\n\ndef drive(observation):\n    return {GO}\n"
LOOPS_EVERY_CALL = "def drive(observation):\n    while True:\n        pass\n"
FAILS_TWO_IN_THREE = f'''
calls = 0


def drive(observation):
    global calls
    calls += 1
    if calls % 3 != 0:
        raise RuntimeError("two in three")
    return {GO}
'''


class CountingPolicy(SandboxedPolicy):
    """A real SandboxedPolicy that records each load() and call made on it, in order."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.events: list[str] = []

    def load(self) -> None:
        self.events.append("load")
        super().load()

    def __call__(self, *args: Any) -> Any:
        self.events.append("call")
        return super().__call__(*args)
