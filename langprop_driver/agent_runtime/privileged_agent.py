"""PrivilegedAgent: the base of the MAP-track agents that drive on the privileged observation.

It imports `leaderboard.autoagents.autonomous_agent`: the real leaderboard's under the CARLA
evaluator, or the twin the embedded evaluator installs. Import it from agent files only (the
evaluators load those after the leaderboard is importable).
"""

from __future__ import annotations

import carla
from leaderboard.autoagents import autonomous_agent

from leaderboard_adapter.control import Action, VehicleController
from leaderboard_adapter.observation import ObservationBuilder
from leaderboard_adapter.privileged import privileged_world_view
from leaderboard_adapter.world_view import WorldView


class PrivilegedAgent(autonomous_agent.AutonomousAgent):
    """Keeps the dense route the leaderboard hands over, builds the observation each step from the
    episode's `WorldView`, and drives actions through the shared controllers. The speedometer is its
    only sensor (the leaderboard needs one). Subclasses call `setup_privileged()` in `setup`."""

    def setup_privileged(self) -> None:
        self.track = autonomous_agent.Track.MAP
        self._controller = VehicleController()
        self._builder: ObservationBuilder | None = None
        self._view: WorldView | None = None
        if not hasattr(self, "_dense_plan"):
            self._dense_plan: list = []

    def set_global_plan(self, global_plan_gps, global_plan_world_coord) -> None:
        """Keep the dense route (the leaderboard passes it whole, then the base class downsamples it)."""
        self._dense_plan = list(global_plan_world_coord)
        super().set_global_plan(global_plan_gps, global_plan_world_coord)

    def sensors(self) -> list[dict]:
        return [{"type": "sensor.speedometer", "reading_frequency": 20, "id": "speed"}]

    @property
    def view(self) -> WorldView:
        """The episode's world (built on the first step: the route is known by then)."""
        if self._view is None:
            self._view = privileged_world_view(self._dense_plan)
        return self._view

    def observe(self) -> dict:
        if self._builder is None:
            self._builder = ObservationBuilder(self.view)
        return self._builder.build(self.view)

    def drive(self, action: Action, observation: dict) -> carla.VehicleControl:
        return self._controller.control(action, observation["ego"]["speed_mps"])

    def destroy(self) -> None:
        self._builder = None
        self._view = None
