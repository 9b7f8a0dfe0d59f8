"""Test agent file whose get_entry_point() names a class it does not define."""

from leaderboard.autoagents import autonomous_agent


def get_entry_point():
    return "MissingAgent"


class PresentAgent(autonomous_agent.AutonomousAgent):
    pass
