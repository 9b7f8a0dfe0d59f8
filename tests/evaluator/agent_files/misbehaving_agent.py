"""Test double: a leaderboard agent file that misbehaves on purpose, to show each infraction is caught.

It drives as the example route follower (agents/route_follower_agent.py) and then, as its
JSON config's "mode" says, ignores lights and signs at speed ("reckless"), never moves
("stand_still"), crawls ("crawl"), swerves off the road and away ("swerve"), raises in run_step
("crash", at "frame") or raises KeyboardInterrupt as Ctrl-C would ("interrupt", at "frame" of
the agent built after "after_constructions" others, counted in the file "counter").
"""

import importlib.util
import json
import pathlib
import sys

import carla

_FOLLOWER = pathlib.Path(__file__).resolve().parents[3] / "agents" / "route_follower_agent.py"
_spec = importlib.util.spec_from_file_location("misbehaving_route_follower", _FOLLOWER)
_follower = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = _follower  # dataclasses in the follower look their module up here
_spec.loader.exec_module(_follower)

MODES = ("reckless", "stand_still", "crawl", "swerve", "crash", "interrupt")


def get_entry_point():
    return "MisbehavingAgent"


class MisbehavingAgent(_follower.RouteFollowerAgent):
    def setup(self, path_to_conf_file):
        with open(path_to_conf_file) as f:
            self.misbehaviour = json.load(f)
        if self.misbehaviour["mode"] not in MODES:
            raise ValueError(f"unknown mode {self.misbehaviour['mode']!r}; one of {MODES}")
        self._ticks = 0
        self._armed = True
        if "counter" in self.misbehaviour:
            counter = pathlib.Path(self.misbehaviour["counter"])
            built = int(counter.read_text()) if counter.exists() else 0
            counter.write_text(str(built + 1))
            self._armed = built >= self.misbehaviour.get("after_constructions", 0)
        super().setup("")

    def run_step(self, input_data, timestamp):
        self._ticks += 1
        mode = self.misbehaviour["mode"]
        at_frame = self.misbehaviour.get("frame", 1)
        if mode == "crash" and self._ticks >= at_frame:
            raise RuntimeError("misbehaving agent crashed on purpose")
        if mode == "interrupt" and self._armed and self._ticks >= at_frame:
            raise KeyboardInterrupt
        if mode == "stand_still":
            return carla.VehicleControl(throttle=0.0, brake=1.0)
        control = super().run_step(input_data, timestamp)
        speed = self._speed(input_data)
        if mode == "crawl":
            control.throttle, control.brake = (0.3, 0.0) if speed < 0.4 else (0.0, 0.3 if speed > 0.8 else 0.0)
        elif mode == "reckless":
            control.throttle, control.brake = (0.8, 0.0) if speed < 9.0 else (0.0, 0.0)
        elif mode == "swerve" and self._ticks > 40:
            steer = 0.5 if self._ticks <= 60 else 0.0  # turn off the road, then drive away from the route
            control.steer, control.throttle, control.brake = steer, 0.6, 0.0
        return control
