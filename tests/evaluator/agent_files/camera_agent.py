"""Test double: a MAP-track agent asking for an RGB camera, which the embedded world cannot render."""

import carla
from leaderboard.autoagents import autonomous_agent


def get_entry_point():
    return "CameraAgent"


class CameraAgent(autonomous_agent.AutonomousAgent):
    def setup(self, path_to_conf_file):
        self.track = autonomous_agent.Track.MAP

    def sensors(self):
        return [
            {"type": "sensor.camera.rgb", "x": 1.3, "y": 0.0, "z": 2.3, "roll": 0.0, "pitch": 0.0, "yaw": 0.0,
             "width": 800, "height": 600, "fov": 100, "id": "rgb"},
        ]

    def run_step(self, input_data, timestamp):
        return carla.VehicleControl()
