"""How far results files and training checkpoints have come (what the loop resumes from), free port ranges and
waiting for a port (what CARLA servers are started on)."""

from __future__ import annotations

import json
import random
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from langprop_driver.pipeline.run_folder import TrainStatus
from leaderboard_adapter.carla_mode import ResultsState, ResultsStatus
from leaderboard_adapter.carla_mode import ports as carla_ports


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
    ("done", "total", "entry_status", "global_record", "state", "text"),
    [
        (3, 3, "Finished", SCORES, "COMPLETE", "complete 3/3, driving score 42.500, route completion 85.000, infraction penalty 0.500"),
        (3, 3, "Finished", {"status": "Completed"}, "COMPLETE", "complete 3/3"),
        (2, 3, "Started", None, "PARTIAL", "partial 2/3"),
        (3, 3, "Started", None, "PARTIAL", "partial 3/3"),  # progress at its end but no global record yet
        (1, 3, "Crashed", None, "PARTIAL", "crashed 1/3"),  # the leaderboard stopped at a crash
        (3, 3, "Crashed", None, "PARTIAL", "crashed 3/3"),  # ... at the last route
        (3, 3, "Crashed", SCORES, "COMPLETE", "complete 3/3"),  # the embedded evaluator scored a crashed route
        (1, 3, "Rejected", None, "FATAL", "rejected 1/3"),
        (3, 3, "Invalid", SCORES, "FATAL", "invalid 3/3"),
    ],
)  # fmt: skip
def test_results_status(tmp_path, done, total, entry_status, global_record, state, text) -> None:
    status = ResultsStatus.of(_results(tmp_path / "r.json", done, total, entry_status, global_record))
    assert status.state is ResultsState[state]
    assert status.text.startswith(text)


def test_results_status_missing_and_unreadable(tmp_path: Path) -> None:
    assert ResultsStatus.of(tmp_path / "none.json") == ResultsStatus(ResultsState.MISSING, "missing")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    status = ResultsStatus.of(bad)
    assert status.state is ResultsState.FATAL and status.text.startswith("unreadable")


def test_results_status_reads_the_embedded_evaluators_files(tmp_path: Path) -> None:
    """The package's own results writer and the helper agree on 'complete'."""
    from leaderboard_adapter.scoring import ResultsFile

    results = ResultsFile.create(tmp_path / "r.json", 1)
    assert ResultsStatus.of(results.path) == ResultsStatus(ResultsState.PARTIAL, "partial 0/1")


def _checkpoint(folder: Path, step: int, run: dict | None) -> Path:
    folder.mkdir()
    (folder / "state.json").write_text(json.dumps({"format_version": 1, "step": step}))
    if run is not None:
        (folder / "train_run.json").write_text(json.dumps(run))
    return folder


def test_train_status(tmp_path: Path) -> None:
    assert TrainStatus.of(tmp_path / "none", None) == TrainStatus(False, "missing")
    run = {"policy": "baseline", "base_step": 2, "updates": 3}
    assert TrainStatus.of(_checkpoint(tmp_path / "a", 5, run), None) == TrainStatus(True, "done step 5 of 5")
    assert TrainStatus.of(_checkpoint(tmp_path / "b", 4, run), None) == TrainStatus(False, "partial step 4 of 5")
    # asking for more updates than were run makes it partial again (train goes on from there)
    assert TrainStatus.of(tmp_path / "a", 4) == TrainStatus(False, "partial step 5 of 6")
    status = TrainStatus.of(_checkpoint(tmp_path / "c", 1, None), None)
    assert not status.done and "target unknown" in status.text


def test_free_ports_are_free_and_do_not_overlap() -> None:
    bases = carla_ports.free_port_ranges(3, 3, random.Random(0))
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
        assert not carla_ports.port_is_free(port)
        monkeypatch.setattr(carla_ports, "PORT_RANGE", (port, port + 2))
        with pytest.raises(RuntimeError, match="found only 0 of 1"):
            carla_ports.free_port_ranges(1, 1, attempts=20)


def test_wait_port_outcomes() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        assert carla_ports.wait_for_port("127.0.0.1", listener.getsockname()[1], 1.0)
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    assert not carla_ports.wait_for_port("127.0.0.1", port, 0.3)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    assert not carla_ports.wait_for_port("127.0.0.1", port, 600.0, still_running=lambda: dead.poll() is None)

