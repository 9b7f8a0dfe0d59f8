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
from leaderboard.autoagents import autonomous_agent

from expert import Expert
from langprop_driver.control import VehicleController
from langprop_driver.observation import ObservationBuilder
from leaderboard_adapter.privileged import privileged_world_view

logger = logging.getLogger(__name__)


def get_entry_point() -> str:
    return "ExpertAgent"


class ExpertAgent(autonomous_agent.AutonomousAgent):
    """Drives the route with the expert; `last_decision` tells what set the last target speed."""

    def setup(self, path_to_conf_file: str) -> None:
        self.track = autonomous_agent.Track.MAP
        if path_to_conf_file:
            logger.info("ExpertAgent takes no config; ignoring %s", path_to_conf_file)
        self._expert = Expert()
        self._controller = VehicleController()
        self._builder: ObservationBuilder | None = None
        self._view = None
        self.last_decision = None
        if not hasattr(self, "_dense_plan"):
            self._dense_plan: list = []

    def set_global_plan(self, global_plan_gps, global_plan_world_coord) -> None:
        """Keep the dense route (the leaderboard passes it whole, then the base class downsamples it)."""
        self._dense_plan = list(global_plan_world_coord)
        super().set_global_plan(global_plan_gps, global_plan_world_coord)

    def sensors(self) -> list[dict]:
        return [{"type": "sensor.speedometer", "reading_frequency": 20, "id": "speed"}]

    def run_step(self, input_data: dict, timestamp: float) -> carla.VehicleControl:
        if self._builder is None:
            self._view = privileged_world_view(self._dense_plan)
            self._builder = ObservationBuilder(self._view)
        observation = self._builder.build(self._view)
        decision = self._expert.act(observation)
        self.last_decision = decision
        return self._controller.control(decision.action, observation["ego"]["speed_mps"])

    def destroy(self) -> None:
        self._builder = None
        self._view = None
