"""DaggerRecorder: who drives each step (policy, or the expert with probability beta) and what goes to the buffer."""

from __future__ import annotations

import random

from data_collection import ShardWriter
from expert import ExpertDecision
from langprop_driver.agent_runtime.guarded_policy import PolicyStep
from leaderboard_adapter.control import Action
from leaderboard_adapter.infraction_feed import MARKING_KINDS
from leaderboard_adapter.scoring.infractions import InfractionEvent


class DaggerRecorder:
    """Per step: the action that drives, and, every `1 / frame_rate_hz` s of simulation, a frame with
    the observation, the policy's action (the safe action when the policy failed), the expert's label
    and who drove. Infraction events of the kinds in `MARKING_KINDS` go to the shard as they come."""

    def __init__(self, writer: ShardWriter, beta: float, frame_rate_hz: float, dt_s: float, seed: int):
        self.writer = writer
        self.beta = beta
        self._every = max(1, round(1.0 / (frame_rate_hz * dt_s)))
        self._rng = random.Random(seed)

    def step(self, tick: int, observation: dict, policy: PolicyStep, expert: ExpertDecision) -> Action:
        expert_drives = self.beta > 0.0 and self._rng.random() < self.beta
        if tick % self._every == 0:
            self.writer.add_frame(
                frame=tick,
                game_time_s=float(observation["time_s"]),
                observation=observation,
                policy_action=policy.action.to_dict(),
                expert_action=expert.action.to_dict(),
                expert_reason=expert.reason,
                driver="expert" if expert_drives else "policy",
            )
        return expert.action if expert_drives else policy.action

    def infractions(self, events: list[InfractionEvent]) -> None:
        for event in events:
            if event.type in MARKING_KINDS:
                self.writer.add_event(
                    frame=event.frame,
                    game_time_s=event.game_time_s,
                    kind=event.type.results_key,
                    message=event.message,
                    details={"x_m": event.x_m, "y_m": event.y_m, "actor_id": event.actor_id, **event.details},
                )
