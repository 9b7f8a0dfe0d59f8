"""Test double: the route follower, which waits longer before driving each time it is built.

The number of builds is kept in the file named by the config's "counter"; build n (from 0)
holds the brakes for n * "delay_ticks" ticks. Two runs of it differ, as two runs of an agent
that is not deterministic would.
"""

import importlib.util
import json
import pathlib
import sys

import carla

_FOLLOWER = pathlib.Path(__file__).resolve().parents[3] / "agents" / "route_follower_agent.py"
_spec = importlib.util.spec_from_file_location("late_starter_route_follower", _FOLLOWER)
_follower = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = _follower  # dataclasses in the follower look their module up here
_spec.loader.exec_module(_follower)


def get_entry_point():
    return "LateStarterAgent"


class LateStarterAgent(_follower.RouteFollowerAgent):
    def setup(self, path_to_conf_file):
        with open(path_to_conf_file) as f:
            config = json.load(f)
        counter = pathlib.Path(config["counter"])
        built = int(counter.read_text()) if counter.exists() else 0
        counter.write_text(str(built + 1))
        self._wait_ticks = built * config["delay_ticks"]
        super().setup("")

    def run_step(self, input_data, timestamp):
        control = super().run_step(input_data, timestamp)  # reads the sensors (the map comes once) every tick
        if self._wait_ticks > 0:
            self._wait_ticks -= 1
            return carla.VehicleControl(throttle=0.0, brake=1.0)
        return control
