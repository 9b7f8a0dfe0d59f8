"""LangPropAgent (the policy drives) and DaggerAgent (the policy drives, the expert labels, frames are kept).

Import from agent files only (see privileged_agent.py). The agent config path is read by
`AgentConfig.load`.
"""

from __future__ import annotations

import logging

import carla

from data_collection import ShardHeader, ShardWriter
from expert import Expert
from langprop_driver.agent_runtime.config import AgentConfig
from langprop_driver.agent_runtime.dagger import DaggerRecorder
from langprop_driver.agent_runtime.guarded_policy import GuardedPolicy
from langprop_driver.agent_runtime.policy_source import checked_policy
from langprop_driver.agent_runtime.privileged_agent import PrivilegedAgent
from langprop_driver.driving import DRIVE_SPEC
from leaderboard_adapter.infraction_feed import InfractionFeed
from leaderboard_adapter.privileged import RunInfo, publish_decision, published_episode
from leaderboard_adapter.scoring.statuses import FAILURE_AGENT_CRASHED
from leaderboard_adapter.tick import TICK_S

logger = logging.getLogger(__name__)


class LangPropAgent(PrivilegedAgent):
    """Runs the configured policy on the observation every step, in a guarded worker: an exception, a
    timeout or an invalid answer brakes the car for that step and is logged.

    The policy is loaded in `setup` (within `load_timeout_s`, apart from the per-step `step_timeout_s`);
    one that cannot load brakes every step without another try. After `max_consecutive_failures`
    failed steps in a row, `run_step` raises `PolicyGaveUp`: the leaderboard ends the route as
    "Agent crashed" and goes on with the next one. `route_meta()` reports the policy's calls and
    failures to the embedded evaluator (its route record's `meta`).
    """

    policy: GuardedPolicy | None = None
    """None until `setup` built it (a failed setup leaves it None)."""

    @classmethod
    def check_config(cls, path_to_conf_file: str) -> None:
        """The embedded evaluator's check before any route runs: the config is valid, and its policy exists
        and passes the trainer's static checks (AgentConfigError, a LangPropDriveError, saying why)."""
        checked_policy(AgentConfig.load(path_to_conf_file))

    def setup(self, path_to_conf_file: str) -> None:
        self.setup_privileged()
        self.config = AgentConfig.load(path_to_conf_file)
        source = checked_policy(self.config)
        self.policy_source = source
        self.policy_version = source.version
        self.policy = GuardedPolicy.sandboxed(
            source.source,
            DRIVE_SPEC,
            source.version,
            step_timeout_s=self.config.step_timeout_s,
            load_timeout_s=self.config.load_timeout_s,
            memory_limit_mib=self.config.memory_limit_mib,
            max_consecutive_failures=self.config.max_consecutive_failures,
        )
        self.last_step = None
        if self.policy.load():
            logger.info("LangPropAgent drives with %s", source.version)

    def run_step(self, input_data: dict, timestamp: float) -> carla.VehicleControl:
        observation = self.observe()
        self.last_step = self.policy.act(observation)
        publish_decision("policy", self.last_step)
        return self.drive(self.last_step.action, observation)

    def route_meta(self) -> dict[str, int]:
        """What the embedded evaluator adds to the route record's `meta`: steps the policy was asked for
        (`policy_calls`) and those it failed (`policy_failures`)."""
        if self.policy is None:
            return {}
        return {"policy_calls": self.policy.calls, "policy_failures": self.policy.failures}

    def destroy(self) -> None:
        if self.policy is not None:
            self.policy.close()
        super().destroy()


class DaggerAgent(LangPropAgent):
    """The LangProp agent that also labels every step with the expert and writes a replay-buffer shard
    (frames at `frame_rate_hz`, infraction events) for the route run; `beta` mixes in the expert."""

    recorder: DaggerRecorder | None = None
    """The route run's shard recorder, from the first step on (None before, and after a failed setup)."""

    def setup(self, path_to_conf_file: str) -> None:
        super().setup(path_to_conf_file)
        self.expert = Expert()
        self._feed: InfractionFeed | None = None
        self._tick = 0

    def _start_recording(self) -> DaggerRecorder:
        episode = published_episode()
        run = episode.run if episode is not None else None
        world = "embedded" if episode is not None else "carla"
        town = run.town if run else self.view.map.name
        header = ShardHeader(
            route_id=run.route_id if run else "unknown",
            route_index=run.route_index if run else -1,
            repetition=run.repetition if run else 0,
            town=town,
            seed=run.seed if run else -1,
            world_seed=run.world_seed if run else -1,
            policy_version=self.policy_version,
            driver="mixed" if self.config.beta > 0 else "policy",
            beta=self.config.beta,
            world=world,
            leaderboard_version=run.leaderboard_version if run else "2.x",
            frame_rate_hz=self.config.frame_rate_hz,
            extra=self._replay_extra(run),
        )
        buffer_dir = run.output_dir if run and run.output_dir else self.config.buffer_dir
        writer = ShardWriter.create(buffer_dir, header, flush_every=self.config.flush_every)
        self._feed = InfractionFeed(self.view)
        return DaggerRecorder(writer, self.config.beta, self.config.frame_rate_hz, TICK_S, self.config.seed)

    def _replay_extra(self, run: RunInfo | None) -> dict:
        """What a replay of this shard needs beyond the header: the policy and DAgger settings, and, in the
        embedded world, the routes file and the NPC counts."""
        extra: dict = {
            "policy": self.config.policy,
            "candidate": self.policy_source.candidate,
            "agent_seed": self.config.seed,
            "step_timeout_s": self.config.step_timeout_s,
            "load_timeout_s": self.config.load_timeout_s,
            "max_consecutive_failures": self.config.max_consecutive_failures,
        }
        if run is not None:
            extra.update(routes_file=run.routes_file, vehicle_count=run.vehicle_count, walker_count=run.walker_count)
        return extra

    def run_step(self, input_data: dict, timestamp: float) -> carla.VehicleControl:
        if self.recorder is None:
            self.recorder = self._start_recording()
        observation = self.observe()
        self.recorder.infractions(self._feed.poll())
        self.last_step = self.policy.act(observation)
        label = self.expert.act(observation)
        publish_decision("policy", self.last_step)
        publish_decision("expert", label)
        action = self.recorder.step(self._tick, observation, self.last_step, label)
        self._tick += 1
        return self.drive(action, observation)

    def destroy(self) -> None:
        if self.recorder is not None:
            self.recorder.infractions(self._feed.poll())
            gave_up = self.policy is not None and self.policy.gave_up is not None
            self.recorder.writer.close(status=f"Failed - {FAILURE_AGENT_CRASHED}" if gave_up else "Completed")
        super().destroy()
