"""Test agent (leaderboard style): records the order of calls; track and sensors come from a JSON config."""

import json

import carla
from leaderboard.autoagents import autonomous_agent

INSTANCES = []


def get_entry_point():
    return "RecordingAgent"


class RecordingAgent(autonomous_agent.AutonomousAgent):
    def setup(self, path_to_conf_file):
        self.calls = getattr(self, "calls", []) + ["setup"]
        INSTANCES.append(self)
        self.plan_seen_in_setup = self._global_plan is not None
        self.inputs = []
        config = {"track": "MAP", "sensors": []}
        if path_to_conf_file:
            with open(path_to_conf_file) as f:
                config = json.load(f)
        self.track = autonomous_agent.Track[config["track"]]
        self._sensor_specs = config["sensors"]

    def set_global_plan(self, global_plan_gps, global_plan_world_coord):
        self.calls = getattr(self, "calls", []) + ["set_global_plan"]
        super().set_global_plan(global_plan_gps, global_plan_world_coord)

    def sensors(self):
        self.calls.append("sensors")
        return self._sensor_specs

    def run_step(self, input_data, timestamp):
        self.inputs.append((input_data, timestamp))
        control = carla.VehicleControl(throttle=0.5)
        control.manual_gear_shift = True
        return control

    def destroy(self):
        self.calls.append("destroy")
