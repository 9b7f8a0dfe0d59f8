"""Test agent written for leaderboard 1.0: overrides __init__(path_to_conf_file) and calls super."""

from leaderboard.autoagents import autonomous_agent


def get_entry_point():
    return "LegacyAgent"


class LegacyAgent(autonomous_agent.AutonomousAgent):
    def __init__(self, path_to_conf_file):
        self.init_argument = path_to_conf_file
        self.calls = ["__init__"]
        super().__init__(path_to_conf_file)

    def setup(self, path_to_conf_file):
        self.calls.append("setup")
        self.setup_argument = path_to_conf_file
        self.track = autonomous_agent.Track.SENSORS

    def set_global_plan(self, global_plan_gps, global_plan_world_coord):
        self.calls.append("set_global_plan")
        super().set_global_plan(global_plan_gps, global_plan_world_coord)

    def sensors(self):
        return [{"type": "sensor.speedometer", "reading_frequency": 20, "id": "speed"}]
