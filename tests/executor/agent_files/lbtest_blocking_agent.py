"""Test agent: the DAgger agent that, on the routes listed in `<config>.block` (a JSON list of record ids such as
"RouteScenario_1_rep0"), marks its start and waits at its first step until `<config>.release` exists.

The mark is a file `<config>.started/<record id>_<pid>` holding the Ray node id of the process (empty outside
Ray), so a test learns which process and which node drive the blocked run, and synchronises on the file.
"""

import json
import os
import sys
import time
from pathlib import Path

from langprop_driver.agent_runtime.agents import DaggerAgent
from leaderboard_adapter.privileged import published_episode

POLL_S = 0.05


def get_entry_point() -> str:
    return "BlockingAgent"


def _node_id() -> str:
    ray = sys.modules.get("ray")
    return ray.get_runtime_context().get_node_id() if ray is not None and ray.is_initialized() else ""


class BlockingAgent(DaggerAgent):
    def setup(self, path_to_conf_file: str) -> None:
        super().setup(path_to_conf_file)
        self._config_file = Path(path_to_conf_file)
        self._checked = False

    def run_step(self, input_data, timestamp):
        if not self._checked:
            self._checked = True
            self._wait_if_blocked()
        return super().run_step(input_data, timestamp)

    def _wait_if_blocked(self) -> None:
        block = self._config_file.with_suffix(".block")
        route_id = published_episode().run.route_id
        if not block.exists() or route_id not in json.loads(block.read_text()):
            return
        started = self._config_file.with_suffix(".started")
        started.mkdir(exist_ok=True)
        (started / f"{route_id}_{os.getpid()}").write_text(_node_id())
        release = self._config_file.with_suffix(".release")
        while not release.exists():
            time.sleep(POLL_S)
