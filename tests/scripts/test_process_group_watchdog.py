"""A group started for an owner that dies at any moment of the start is still killed by the owner's watchdog."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from scripts_helpers import wait_until

from leaderboard_adapter.carla_mode.process_group import group_alive

OWNER_DYING_AS_THE_CHILD_STARTS = """\
import os, signal, subprocess, sys
from pathlib import Path
from leaderboard_adapter.carla_mode.process_group import GroupWatchdog, ProcessGroup

class PopenThenOwnerDies(subprocess.Popen):
    # TEST DOUBLE: the owner is SIGKILLed the moment its child exists, before the start returns
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        print(self.pid, flush=True)
        os.kill(os.getpid(), signal.SIGKILL)

watchdog = GroupWatchdog(kill_grace_s=1.0)
subprocess.Popen = PopenThenOwnerDies
ProcessGroup([sys.executable, "-c", "import time; time.sleep(600)"], Path(sys.argv[1]), watchdog=watchdog)
"""


def test_an_owner_killed_while_starting_a_group_leaves_nothing_running(tmp_path: Path) -> None:
    env = {**os.environ, "HOME": os.environ.get("HOME") or "/root"}
    owner = subprocess.run([sys.executable, "-c", OWNER_DYING_AS_THE_CHILD_STARTS, str(tmp_path / "group.log")],
                           capture_output=True, text=True, env=env)  # fmt: skip
    assert owner.returncode == -9, owner.stderr
    group = int(owner.stdout.split()[0])
    wait_until(lambda: not group_alive(group))
