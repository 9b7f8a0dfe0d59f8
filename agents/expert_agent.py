"""The expert autopilot as a leaderboard agent (MAP track): privileged observation, PDM-Lite-style rules,
the shared controllers.

It runs as it is under the CARLA leaderboard evaluator (1.0 and 2.x conventions) and in the
embedded world. Its ground truth comes from `leaderboard_adapter.privileged`: the embedded
world that the embedded evaluator publishes, or, under the real leaderboard, a `CarlaWorldView`
over scenario_runner's `CarlaDataProvider` on the dense route handed to `set_global_plan`.
The speedometer is its only sensor (the leaderboard needs at least one).

Config: none (an empty path); the expert's settings are `expert.ExpertParams`' defaults.
"""

from __future__ import annotations

import logging

import carla

from expert import Expert
from langprop_driver.agent_runtime.privileged_agent import PrivilegedAgent

logger = logging.getLogger(__name__)


def get_entry_point() -> str:
    return "ExpertAgent"


class ExpertAgent(PrivilegedAgent):
    """Drives the route with the expert; `last_decision` tells what set the last target speed."""

    def setup(self, path_to_conf_file: str) -> None:
        self.setup_privileged()
        if path_to_conf_file:
            logger.info("ExpertAgent takes no config; ignoring %s", path_to_conf_file)
        self._expert = Expert()
        self.last_decision = None

    def run_step(self, input_data: dict, timestamp: float) -> carla.VehicleControl:
        observation = self.observe()
        self.last_decision = self._expert.act(observation)
        return self.drive(self.last_decision.action, observation)
