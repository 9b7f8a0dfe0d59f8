"""Test agent: the LangProp agent whose process is killed (SIGKILL) at its 10th step, as a native crash would.

It dies once (leaving `<config>.died` beside its agent config, so a retried run drives normally), or on
every run when its agent config file's name starts with "always".
"""

import os
import signal
from pathlib import Path

from langprop_driver.agent_runtime.agents import LangPropAgent


def get_entry_point() -> str:
    return "DyingAgent"


class DyingAgent(LangPropAgent):
    def setup(self, path_to_conf_file: str) -> None:
        super().setup(path_to_conf_file)
        self._config_file = Path(path_to_conf_file)
        self._steps = 0

    def run_step(self, input_data, timestamp):
        self._steps += 1
        marker = self._config_file.with_suffix(".died")
        if self._steps == 10 and (self._config_file.name.startswith("always") or not marker.exists()):
            marker.touch()
            os.kill(os.getpid(), signal.SIGKILL)
        return super().run_step(input_data, timestamp)
