"""Helpers of the script tests: run scripts/*.sh, and TEST DOUBLES of a CARLA install and of the leaderboard.

- ``FakeCarla``: a temporary CARLA_ROOT whose ``CarlaUE4.sh`` is a test double: a bash wrapper (like the
  real one, it does not exec) starting ``fake_carla_server.py``, which listens on ``-carla-rpc-port=``,
  answers the fake evaluator's ``route N`` lines with ``ok`` and, following ``FAKE_CARLA_CRASH_PLAN``
  (e.g. "2,1": the first server start dies at its 3rd route request, the second at its 2nd, later ones
  never), exits abruptly as a crashing server would. ``FAKE_CARLA_NO_LISTEN=1`` makes it never listen.
  Each start records its pids, port and argv in ``FAKE_STATE/server_start<n>.json``. It also holds a
  ``PythonAPI/carla/agents/navigation`` package, the double of CARLA's agents package.
- ``FakeLeaderboard``: a temporary LEADERBOARD_ROOT whose ``leaderboard/leaderboard_evaluator.py`` is a
  test double with the flags (names and types) of the real 2.x or 1.0 evaluator: it records its argv,
  pid and the agent config's content in ``FAKE_STATE/evaluator_calls.jsonl``, connects to the server,
  runs one ``route N`` request per route and writes the results checkpoint in the leaderboard format
  after every route (progress [done, total]; global_record and entry_status 'Finished' at the end; a
  record 'Failed - Simulation crashed', entry_status 'Crashed' and exit 255 when the server goes away,
  or, with ``FAKE_LB_HANG_ON_CRASH=1``, hanging instead). ``--resume`` continues the file as the
  leaderboard does (repeating a crashed route).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SCRIPTS = REPO / "scripts"
TESTS = REPO / "tests"
if str(TESTS / "engine") not in sys.path:  # the OpenAI-compatible test server lives with the engine tests
    sys.path.insert(0, str(TESTS / "engine"))

from openai_test_server import OpenAITestServer, fenced, scripted  # noqa: E402

__all__ = ["OpenAITestServer", "fenced", "scripted"]  # re-exported for the script tests

SCRIPT_NAMES = ("collect.sh", "train.sh", "evaluate.sh", "replay.sh")

SAFETY_S = 120.0
"""Bound [s] on waits for the test doubles (a server listening, processes reaped): generous on a loaded
machine, a guard against hanging for ever, not a measurement."""

FAKE_SERVER_SOURCE = '''\
"""TEST DOUBLE of a CARLA server (started by the fake CarlaUE4.sh): see tests/scripts/scripts_helpers.py."""
import json, os, socket, sys, threading


state = os.environ["FAKE_STATE"]
port = next(int(a.split("=", 1)[1]) for a in sys.argv[1:] if a.startswith("-carla-rpc-port="))
n = 1
while True:
    try:
        fd = os.open(os.path.join(state, f"server_start{n}.json"), os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        break
    except FileExistsError:
        n += 1
with os.fdopen(fd, "w") as handle:
    json.dump({"start": n, "pid": os.getpid(), "wrapper_pid": os.getppid(), "port": port, "argv": sys.argv[1:]}, handle)
plan = [p for p in os.environ.get("FAKE_CARLA_CRASH_PLAN", "").split(",") if p]
crash_after = int(plan[n - 1]) if n <= len(plan) and plan[n - 1] != "-" else None
if os.environ.get("FAKE_CARLA_NO_LISTEN") == "1":
    threading.Event().wait()
served = 0
lock = threading.Lock()

def serve(conn):
    global served
    with conn, conn.makefile("rw") as stream:
        for line in stream:
            with lock:
                if crash_after is not None and served >= crash_after:
                    os._exit(1)
                served += 1
            stream.write("ok\\n")
            stream.flush()

listener = socket.socket()
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(("127.0.0.1", port))
listener.listen()
while True:
    connection, _ = listener.accept()
    threading.Thread(target=serve, args=(connection,), daemon=True).start()
'''

FAKE_EVALUATOR_SOURCE = '''\
"""TEST DOUBLE of leaderboard/leaderboard_evaluator.py ({version} flags): see tests/scripts/scripts_helpers.py."""
import argparse, json, os, socket, sys, time
import xml.etree.ElementTree as ET

VERSION = "{version}"
parser = argparse.ArgumentParser()
parser.add_argument("--host", default="localhost")
if VERSION == "1.0":
    parser.add_argument("--port", default="2000")
    parser.add_argument("--trafficManagerPort", default="8000")
    parser.add_argument("--trafficManagerSeed", default="0")
    parser.add_argument("--timeout", default="60.0")
else:
    parser.add_argument("--port", default=2000, type=int)
    parser.add_argument("--traffic-manager-port", default=8000, type=int)
    parser.add_argument("--traffic-manager-seed", default=0, type=int)
    parser.add_argument("--timeout", default=300.0, type=float)
parser.add_argument("--debug", type=int, default=0)
parser.add_argument("--record", type=str, default="")
parser.add_argument("--routes", required=True)
if VERSION == "1.0":
    parser.add_argument("--scenarios", required=True)
parser.add_argument("--routes-subset", default="", type=str)
parser.add_argument("--repetitions", type=int, default=1)
parser.add_argument("-a", "--agent", type=str, required=True)
parser.add_argument("--agent-config", type=str, default="")
parser.add_argument("--track", type=str, default="SENSORS")
parser.add_argument("--resume", type=bool, default=False)
parser.add_argument("--checkpoint", type=str, default="./simulation_results.json")
if VERSION != "1.0":
    parser.add_argument("--debug-checkpoint", type=str, default="./live_results.txt")
args = parser.parse_args()

import agents.navigation  # CARLA's agents package must be on PYTHONPATH, as for the real evaluator

state = os.environ["FAKE_STATE"]
try:
    agent_config = json.loads(open(args.agent_config).read()) if args.agent_config else None
except (OSError, ValueError):
    agent_config = "unreadable"
with open(os.path.join(state, "evaluator_calls.jsonl"), "a") as log:
    log.write(json.dumps({{"argv": sys.argv[1:], "pid": os.getpid(), "agent_config": agent_config,
                          "resume": args.resume}}) + "\\n")
if not os.path.isfile(args.agent):
    sys.exit(f"no agent file {{args.agent}}")

ids = [route.attrib["id"] for route in ET.parse(args.routes).getroot().iter("route")]
if args.routes_subset:
    wanted = set()
    for part in args.routes_subset.split(","):
        low, _, high = part.partition("-")
        wanted.update(str(i) for i in range(int(low), int(high or low) + 1))
    ids = [i for i in ids if i in wanted]
route_ids = [f"RouteScenario_{{i}}_rep{{r}}" for i in ids for r in range(args.repetitions)]
total = len(route_ids)

def save(data):
    tmp = args.checkpoint + ".tmp"
    with open(tmp, "w") as handle:
        json.dump(data, handle, indent=4)
    os.replace(tmp, args.checkpoint)

data = {{"_checkpoint": {{"global_record": {{}}, "progress": [0, total], "records": []}}, "entry_status": "Started",
        "eligible": False, "sensors": [], "values": [], "labels": []}}
start = 0
if args.resume and os.path.isfile(args.checkpoint):
    data = json.load(open(args.checkpoint))
    start = data["_checkpoint"]["progress"][0]
    if data["entry_status"] == "Crashed":
        start = max(0, start - 1)
data["_checkpoint"]["records"] = data["_checkpoint"]["records"][:start]
data["_checkpoint"]["progress"] = [start, total]
data["sensors"] = ["carla_opendrive_map", "carla_speedometer"]
save(data)

def record(index, status):
    return {{"index": index, "route_id": route_ids[index], "status": status, "num_infractions": 0,
            "infractions": {{}}, "scores": {{"score_route": 100.0, "score_penalty": 1.0, "score_composed": 100.0}},
            "meta": {{"route_length": 100.0, "duration_game": 10.0, "duration_system": 1.0}}}}

connection = socket.create_connection((args.host, int(args.port)), timeout=120)  # bounds a hung server only
stream = connection.makefile("rw")
for index in range(start, total):
    time.sleep(float(os.environ.get("FAKE_LB_ROUTE_S", "0.05")))
    try:
        stream.write(f"route {{index}}\\n")
        stream.flush()
        answer = stream.readline()
    except OSError:
        answer = ""
    if answer.strip() != "ok":
        if os.environ.get("FAKE_LB_HANG_ON_CRASH") == "1":
            time.sleep(3600)
        data["_checkpoint"]["records"].append(record(index, "Failed - Simulation crashed"))
        data["_checkpoint"]["progress"] = [index + 1, total]
        data["entry_status"] = "Crashed"
        save(data)
        sys.exit(-1)
    data["_checkpoint"]["records"].append(record(index, "Completed"))
    data["_checkpoint"]["progress"] = [index + 1, total]
    data["entry_status"] = "Started"
    save(data)
data["_checkpoint"]["global_record"] = {{"index": -1, "route_id": -1, "status": "Completed",
    "scores_mean": {{"score_route": 100.0, "score_penalty": 1.0, "score_composed": 100.0}}}}
data["entry_status"] = "Finished"
data["eligible"] = True
save(data)
'''

ROUTES_XML = """<?xml version="1.0" encoding="UTF-8"?>
<routes>
{routes}
</routes>
"""


@dataclass
class CarlaDoubles:
    """A fake CARLA install, leaderboard and scenario_runner, a route file, and the shared state folder."""

    carla_root: Path
    leaderboard_root: Path
    scenario_runner_root: Path
    routes: Path
    state: Path

    def env(self, **extra: str) -> dict[str, str]:
        """An environment for the scripts in CARLA mode with these doubles and fast timings."""
        env = base_env()
        env.update(
            CARLA_ROOT=str(self.carla_root),
            LEADERBOARD_ROOT=str(self.leaderboard_root),
            SCENARIO_RUNNER_ROOT=str(self.scenario_runner_root),
            FAKE_STATE=str(self.state),
            CARLA_START_TIMEOUT_S="10",
            CARLA_SETTLE_S="0",
            CARLA_DEAD_GRACE_S="1",
            CARLA_POLL_S="0.1",
            CARLA_KILL_GRACE_S="2",
        )
        env.update(extra)
        return env

    def server_starts(self) -> list[dict]:
        starts = [json.loads(p.read_text()) for p in self.state.glob("server_start*.json")]
        return sorted(starts, key=lambda s: s["start"])

    def evaluator_calls(self) -> list[dict]:
        path = self.state / "evaluator_calls.jsonl"
        return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []

    def recorded_pids(self) -> list[int]:
        pids = [pid for s in self.server_starts() for pid in (s["pid"], s["wrapper_pid"])]
        return pids + [call["pid"] for call in self.evaluator_calls()]


def make_carla_doubles(tmp: Path, routes: int = 3, leaderboard_version: str = "2.1") -> CarlaDoubles:
    """Create the test doubles under `tmp` (see the module docstring)."""
    carla_root = tmp / "CARLA"
    (carla_root / "PythonAPI" / "carla" / "agents" / "navigation").mkdir(parents=True)
    for package in ("agents", "agents/navigation"):
        (carla_root / "PythonAPI" / "carla" / package / "__init__.py").write_text("")
    (carla_root / "fake_carla_server.py").write_text(FAKE_SERVER_SOURCE)
    launcher = carla_root / "CarlaUE4.sh"
    launcher.write_text(
        "#!/usr/bin/env bash\n# TEST DOUBLE of CARLA's CarlaUE4.sh: starts the fake server as a child (no exec).\n"
        f'"{sys.executable}" "$(dirname "$0")/fake_carla_server.py" "$@"\n'
    )
    launcher.chmod(0o755)
    leaderboard_root = tmp / "leaderboard"
    (leaderboard_root / "leaderboard").mkdir(parents=True)
    (leaderboard_root / "leaderboard" / "leaderboard_evaluator.py").write_text(
        FAKE_EVALUATOR_SOURCE.format(version=leaderboard_version)
    )
    scenario_runner_root = tmp / "scenario_runner"
    (scenario_runner_root / "srunner").mkdir(parents=True)
    routes_file = tmp / "routes.xml"
    routes_file.write_text(
        ROUTES_XML.format(routes="\n".join(f'  <route id="{i}" town="Town01"/>' for i in range(routes)))
    )
    state = tmp / "fake_state"
    state.mkdir()
    return CarlaDoubles(carla_root, leaderboard_root, scenario_runner_root, routes_file, state)


def base_env() -> dict[str, str]:
    """The test process's environment without CARLA-mode or LLM settings."""
    env = dict(os.environ)
    for name in (
        "CARLA_ROOT", "CARLA_HOST", "CARLA_PORT", "CARLA_PYTHONAPI", "LEADERBOARD_ROOT", "SCENARIO_RUNNER_ROOT",
        "LEADERBOARD_VERSION", "LEADERBOARD_SCENARIOS", "CARLA_MAX_RESTARTS", "CARLA_GPUS", "CARLA_SERVER_ARGS",
        "OPENAI_BASE_URL", "OPENAI_API_KEY", "OPENAI_MODEL", "PYTHONPATH", "LP_PYTHON",
    ):  # fmt: skip
        env.pop(name, None)
    return env


def run_script(
    name: str,
    *args: str | Path,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    timeout: float = 600.0,
) -> subprocess.CompletedProcess[str]:
    """Run scripts/<name> with `args`; stdout and stderr captured as text (`timeout` [s]: a bound on a hung
    script, generous on a loaded machine, not a measurement)."""
    return subprocess.run(
        [str(SCRIPTS / name), *map(str, args)],
        env=env if env is not None else base_env(),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def results_json(path: Path) -> dict:
    return json.loads(path.read_text())


def describe(result: subprocess.CompletedProcess[str]) -> str:
    """The exit code and output of a script run, for assertion messages."""
    return textwrap.dedent(
        f"exit {result.returncode}\n--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"
    )


def unused_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_fake_server(doubles: CarlaDoubles, port: int, env: dict[str, str]) -> subprocess.Popen:
    """The fake CARLA server on `port`, in a session of its own (an 'external' server); waits until it listens."""
    server = subprocess.Popen(
        [sys.executable, str(doubles.carla_root / "fake_carla_server.py"), f"-carla-rpc-port={port}"],
        env=env,
        start_new_session=True,
    )
    deadline = time.monotonic() + SAFETY_S
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return server
        except OSError:
            time.sleep(0.05)
    server.kill()
    raise AssertionError(f"the fake CARLA server did not listen on {port}")


def pid_alive(pid: int) -> bool:
    """Whether `pid` runs (a zombie counts as dead)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def wait_until(condition: Callable[[], bool], timeout_s: float = SAFETY_S) -> None:
    """Poll `condition` until it holds; AssertionError after `timeout_s` (a generous bound, not a measurement)."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{condition} did not hold within {timeout_s} s")
        time.sleep(0.05)


def assert_no_process_left(doubles: CarlaDoubles) -> None:
    """Every server, launcher and evaluator process the doubles recorded has ended (waits up to SAFETY_S
    for processes already killed to be reaped)."""
    pids = doubles.recorded_pids()
    assert pids, "the doubles recorded no process"
    deadline = time.monotonic() + SAFETY_S
    while time.monotonic() < deadline and any(pid_alive(pid) for pid in pids):
        time.sleep(0.05)
    left = {pid: _command_line(pid) for pid in pids if pid_alive(pid)}
    assert left == {}, f"still running: {left}"


def _command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return "?"
