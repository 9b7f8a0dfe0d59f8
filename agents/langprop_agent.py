"""The LangProp agent (MAP track): a policy checkpoint's best candidate drives on the privileged observation.

Loads as it is under the CARLA leaderboard evaluator (1.0 and 2.x conventions) and in the embedded
world. Agent config (`--agent-config`): empty (the hand-written baseline policy), a policy
checkpoint folder, a `.py` policy file, or a `.toml`/`.json` file with the keys of
`langprop_driver.agent_runtime.AgentConfig` (policy, candidate, step_timeout_s, load_timeout_s,
max_consecutive_failures, memory_limit_mib, extends). A policy failing the trainer's static checks is
refused in setup (and by the embedded evaluator before any route runs); a run of
max_consecutive_failures failed policy calls ends the route as "Agent crashed".
"""

from langprop_driver.agent_runtime.agents import LangPropAgent

__all__ = ["LangPropAgent", "get_entry_point"]


def get_entry_point() -> str:
    return "LangPropAgent"
