"""Test agent file without get_entry_point()."""

from leaderboard.autoagents import autonomous_agent


class LonelyAgent(autonomous_agent.AutonomousAgent):
    pass
