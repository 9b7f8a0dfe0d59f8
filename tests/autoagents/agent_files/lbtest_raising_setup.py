"""Test agent whose setup raises."""

from leaderboard.autoagents import autonomous_agent


def get_entry_point():
    return "RaisingSetupAgent"


class RaisingSetupAgent(autonomous_agent.AutonomousAgent):
    def setup(self, path_to_conf_file):
        raise KeyError("missing_model_weights")
