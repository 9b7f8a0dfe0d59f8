"""The DAgger collection agent (MAP track): the policy drives, the expert labels every step, and frames
(default 2 Hz) with both actions and the infraction events go to a replay-buffer shard per route run.

Loads as it is under the CARLA leaderboard evaluator (1.0 and 2.x conventions) and in the embedded
world. Agent config: as the LangProp agent's, plus beta (expert mixing, default 0), buffer_dir,
frame_rate_hz, flush_every and seed (see `langprop_driver.agent_runtime.AgentConfig`).
"""

from langprop_driver.agent_runtime.agents import DaggerAgent

__all__ = ["DaggerAgent", "get_entry_point"]


def get_entry_point() -> str:
    return "DaggerAgent"
