"""scripts/lib/lp_tools.py: results and checkpoint status, seeds, free ports, waiting for a port, agent configs."""

from __future__ import annotations

import json
import random
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from scripts_helpers import SCRIPTS, load_lp_tools

lp_tools = load_lp_tools()


def _results(path: Path, done: int, total: int, entry_status: str, global_record: dict | None = None) -> Path:
    path.write_text(
        json.dumps(
            {
                "_checkpoint": {
                    "global_record": global_record or {},
                    "progress": [done, total],
                    "records": [],
                },
                "entry_status": entry_status,
                "eligible": entry_status == "Finished",
                "sensors": [],
                "values": [],
                "labels": [],
            }
        )
    )
    return path


SCORES = {"scores_mean": {"score_composed": 42.5, "score_route": 85.0, "score_penalty": 0.5}}


@pytest.mark.parametrize(
    ("done", "total", "entry_status", "global_record", "code", "text"),
    [
        (3, 3, "Finished", SCORES, 0, "complete 3/3, driving score 42.500, route completion 85.000, infraction penalty 0.500"),
        (3, 3, "Finished", {"status": "Completed"}, 0, "complete 3/3"),
        (2, 3, "Started", None, 2, "partial 2/3"),
        (3, 3, "Started", None, 2, "partial 3/3"),  # progress at its end but no global record yet
        (1, 3, "Crashed", None, 2, "crashed 1/3"),
        (1, 3, "Rejected", None, 3, "rejected 1/3"),
        (3, 3, "Invalid", SCORES, 3, "invalid 3/3"),
    ],
)  # fmt: skip
def test_results_status(tmp_path, done, total, entry_status, global_record, code, text) -> None:
    path = _results(tmp_path / "r.json", done, total, entry_status, global_record)
    got_code, got_text = lp_tools.results_status(path)
    assert got_code == code
    assert got_text.startswith(text)


def test_results_status_missing_and_unreadable(tmp_path: Path) -> None:
    assert lp_tools.results_status(tmp_path / "none.json") == (1, "missing")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    code, text = lp_tools.results_status(bad)
    assert code == 3 and text.startswith("unreadable")


def test_results_status_reads_the_embedded_evaluators_files(tmp_path: Path) -> None:
    """The package's own results writer and the helper agree on 'complete'."""
    from leaderboard_adapter.scoring import ResultsFile

    results = ResultsFile.create(tmp_path / "r.json", 1)
    assert lp_tools.results_status(results.path) == (2, "partial 0/1")


def _checkpoint(folder: Path, step: int, run: dict | None) -> Path:
    folder.mkdir()
    (folder / "state.json").write_text(json.dumps({"format_version": 1, "step": step}))
    if run is not None:
        (folder / "train_run.json").write_text(json.dumps(run))
    return folder


def test_train_status(tmp_path: Path) -> None:
    assert lp_tools.train_status(tmp_path / "none", None) == (1, "missing")
    run = {"policy": "baseline", "base_step": 2, "updates": 3}
    assert lp_tools.train_status(_checkpoint(tmp_path / "a", 5, run), None) == (0, "done step 5 of 5")
    assert lp_tools.train_status(_checkpoint(tmp_path / "b", 4, run), None) == (2, "partial step 4 of 5")
    # asking for more updates than were run makes it partial again (train goes on from there)
    assert lp_tools.train_status(tmp_path / "a", 4) == (2, "partial step 5 of 6")
    code, text = lp_tools.train_status(_checkpoint(tmp_path / "c", 1, None), None)
    assert code == 2 and "target unknown" in text


@pytest.mark.parametrize(
    ("spec", "seeds"), [("0", [0]), ("0-2", [0, 1, 2]), ("1,5", [1, 5]), ("3, 0-1", [3, 0, 1])]
)
def test_parse_seeds(spec: str, seeds: list[int]) -> None:
    assert lp_tools.parse_seeds(spec) == seeds


@pytest.mark.parametrize("spec", ["", "a", "2-1", "1,1", "-1"])
def test_parse_seeds_refuses(spec: str) -> None:
    with pytest.raises(ValueError, match="seeds"):
        lp_tools.parse_seeds(spec)


def test_free_ports_are_free_and_do_not_overlap() -> None:
    bases = lp_tools.free_ports(3, 3, random.Random(0))
    assert len(bases) == 3
    ports = [base + offset for base in bases for offset in range(3)]
    assert len(set(ports)) == 9
    for port in ports:
        with socket.socket() as sock:
            sock.bind(("", port))


def test_free_ports_skip_a_taken_port(monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as taken:
        taken.bind(("", 0))
        port = taken.getsockname()[1]
        assert not lp_tools.port_is_free(port)
        monkeypatch.setattr(lp_tools, "PORT_RANGE", (port, port + 2))
        with pytest.raises(RuntimeError, match="found only 0 of 1"):
            lp_tools.free_ports(1, 1, attempts=20)


def test_wait_port_outcomes() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        assert lp_tools.wait_port("127.0.0.1", listener.getsockname()[1], 1.0) == 0
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    assert lp_tools.wait_port("127.0.0.1", port, 0.3, poll_s=0.05) == 3
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    assert lp_tools.wait_port("127.0.0.1", port, 30.0, pid=dead.pid) == 4


def test_agent_config_paths_are_absolute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "cfg" / "agent.json"
    code = lp_tools.main(
        ["agent-config", str(out), "--policy", "ckpt", "--beta", "0.5", "--buffer-dir", "buf", "--seed", "2"]
    )
    assert code == 0
    assert json.loads(out.read_text()) == {
        "policy": str(tmp_path / "ckpt"),
        "beta": 0.5,
        "buffer_dir": str(tmp_path / "buf"),
        "seed": 2,
    }
    lp_tools.main(["agent-config", str(out), "--policy", "baseline"])
    assert json.loads(out.read_text()) == {"policy": "baseline"}


def test_agent_config_is_read_by_the_agents(tmp_path: Path) -> None:
    """What the scripts write is what `AgentConfig` (the DAgger and LangProp agents' settings) reads."""
    from langprop_driver.agent_runtime.config import AgentConfig

    out = tmp_path / "agent.json"
    lp_tools.main(
        ["agent-config", str(out), "--policy", "baseline", "--beta", "0.3", "--buffer-dir", str(tmp_path)]
    )
    config = AgentConfig.load(out)
    assert (config.policy, config.beta, config.buffer_dir) == ("baseline", 0.3, str(tmp_path))


def test_command_line_exit_codes(tmp_path: Path) -> None:
    tool = [sys.executable, str(SCRIPTS / "lib" / "lp_tools.py")]
    missing = subprocess.run(
        [*tool, "results-status", str(tmp_path / "x.json")], capture_output=True, text=True
    )
    assert (missing.returncode, missing.stdout) == (1, "missing\n")
    seeds = subprocess.run([*tool, "seeds", "0-2"], capture_output=True, text=True)
    assert (seeds.returncode, seeds.stdout) == (0, "0 1 2\n")
    bad = subprocess.run([*tool, "seeds", "2-1"], capture_output=True, text=True)
    assert bad.returncode == 2 and "ascending range" in bad.stderr
