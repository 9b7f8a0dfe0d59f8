"""Checkpoints are data, not paths: a state.json whose ids or files point anywhere but the run folder's
own candidates is refused with the file, field and value named, before anything is read or written."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from engine_helpers import SAMPLES, TASK, fast_sandbox, llm_for
from openai_test_server import OpenAITestServer, fenced, scripted

from langprop_driver.engine import (
    Candidate,
    Standing,
    TrackerConfig,
    Trainer,
    TrainerConfig,
    TrainState,
    load_state,
)
from langprop_driver.engine.checkpoint import (
    BatchRecord,
    CheckpointError,
    candidate_path,
    save_state,
    write_candidate,
    write_prompt,
)

GIVEN = "def double(x):\n    return x + 1\n"
CHILD = "def double(x):\n    return 2 * x\n"
SECRET = "def double(x):\n    return 'the secret'\n"

_OPENED: list[list[str]] = []


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if event == "open" and _OPENED and isinstance(args[0], str | bytes | Path):
        _OPENED[-1].append(
            str(Path(args[0] if not isinstance(args[0], bytes) else args[0].decode()).absolute())
        )


sys.addaudithook(_audit)  # audit hooks cannot be removed; this one records only inside `opened`


@contextmanager
def opened() -> Iterator[list[str]]:
    """Every path this process opens (read or write) within the block."""
    _OPENED.append([])
    try:
        yield _OPENED[-1]
    finally:
        _OPENED.pop()


def honest_state() -> TrainState:
    given = Candidate("c0001", GIVEN, "given")
    child = Candidate("c0002", CHILD, "update", parent_id="c0001", prompt_id="p0001_c0001", step=1)
    return TrainState(
        step=1,
        pool=("c0002", "c0001"),
        candidates={"c0001": given, "c0002": child},
        standings={"c0002": Standing(1.0, 8.0, 1), "c0001": Standing(0.125, 15.2, 2)},
        history={"c0001": (BatchRecord(1, 0.125, 0.125),), "c0002": (BatchRecord(1, 1.0, 1.0),)},
        next_index=3,
    )


@pytest.fixture
def run(tmp_path: Path) -> Path:
    """An honest checkpoint two folders below ``tmp_path``, so that ``../..`` stays in the test's folder;
    ``tmp_path/outside`` holds a file the checkpoint must never read."""
    folder = tmp_path / "runs" / "run"
    save_state(folder, honest_state(), {"seed": 0})
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "c0001.py").write_text(SECRET)
    (tmp_path / "outside" / "c0002.py").write_text(SECRET)
    return folder


def _edit(run: Path, change: Callable[[dict[str, Any]], None]) -> None:
    document = json.loads((run / "state.json").read_text())
    change(document)
    (run / "state.json").write_text(json.dumps(document))


def _rename(document: dict[str, Any], old: str, new: str) -> None:
    document["candidates"][new] = document["candidates"].pop(old)


def _rename_everywhere(document: dict[str, Any], old: str, new: str) -> None:
    """``old`` renamed as key, in the pool, as best and as parent: a consistent checkpoint but for the id."""
    _rename(document, old, new)
    document["pool"] = [new if member == old else member for member in document["pool"]]
    document["best"] = document["pool"][0]
    for record in document["candidates"].values():
        if record["parent_id"] == old:
            record["parent_id"] = new


def test_an_honest_checkpoint_round_trips_field_by_field(run: Path) -> None:
    loaded = load_state(run)
    expected = honest_state()
    assert loaded.step == expected.step and loaded.pool == expected.pool
    assert loaded.next_index == expected.next_index
    assert loaded.candidates == expected.candidates and loaded.standings == expected.standings
    assert loaded.history == expected.history
    save_state(run, loaded, {"seed": 0})  # committing it again changes nothing
    assert load_state(run) == loaded


OUTSIDE = "outside/c0001.py"
"""Stands for the test's ``tmp_path/outside/c0001.py`` (made absolute in the test)."""

HOSTILE: dict[str, tuple[Callable[[dict[str, Any], str], None], str]] = {
    "id climbing out": (
        lambda d, o: _rename(d, "c0001", "../../.."),
        r"a key of 'candidates': '\.\./\.\./\.\.' is not a candidate id",
    ),
    "id with a newline": (
        lambda d, o: _rename(d, "c0001", "c0001\n"),
        r"a key of 'candidates': 'c0001\\n' is not a candidate id",
    ),
    "pool member climbing out": (
        lambda d, o: d.update(pool=["../../evil", "c0001"], best="../../evil"),
        r"pool: '\.\./\.\./evil' is no candidate of this checkpoint",
    ),
    "best not the pool's first": (
        lambda d, o: d.update(best="c0001"),
        r"best: 'c0001' is not the first of the pool \['c0002', 'c0001'\]",
    ),
    "absolute file": (
        lambda d, o: d["candidates"]["c0001"].update(file=o),
        r"candidates\['c0001'\]\.file: '/.*/outside/c0001\.py' is not its own file 'candidates/c0001\.py'",
    ),
    "etc passwd": (
        lambda d, o: d["candidates"]["c0001"].update(file="/etc/passwd"),
        r"candidates\['c0001'\]\.file: '/etc/passwd' is not its own file 'candidates/c0001\.py'",
    ),
    "file climbing out": (
        lambda d, o: d["candidates"]["c0001"].update(file="candidates/../../../outside/c0001.py"),
        r"candidates\['c0001'\]\.file: 'candidates/\.\./\.\./\.\./outside/c0001\.py' is not its own file",
    ),
    "file of another candidate": (
        lambda d, o: d["candidates"]["c0001"].update(file="candidates/c0002.py"),
        r"candidates\['c0001'\]\.file: 'candidates/c0002\.py' is not its own file 'candidates/c0001\.py'",
    ),
    "parent climbing out": (
        lambda d, o: d["candidates"]["c0002"].update(parent_id="../../evil"),
        r"candidates\['c0002'\]\.parent_id: '\.\./\.\./evil' is no candidate of this checkpoint",
    ),
    "unknown parent": (
        lambda d, o: d["candidates"]["c0002"].update(parent_id="c0009"),
        r"candidates\['c0002'\]\.parent_id: 'c0009' is no candidate of this checkpoint",
    ),
    "prompt id climbing out": (
        lambda d, o: d["candidates"]["c0002"].update(prompt_id="p0001_../../../evil"),
        r"candidates\['c0002'\]\.prompt_id: 'p0001_\.\./\.\./\.\./evil' is not a prompt id",
    ),
    "next index reusing ids": (
        lambda d, o: d.update(next_index=2),
        r"next_index: 2 must be an integer above the largest candidate number \(2\)",
    ),
    "record id not its key": (
        lambda d, o: d["candidates"]["c0001"].update(id="../../evil"),
        r"candidates\['c0001'\]\.id: '\.\./\.\./evil' is not its key 'c0001'",
    ),
    "missing field": (
        lambda d, o: d["candidates"]["c0001"].pop("origin"),
        r"state\.json: missing field 'origin'",
    ),
}


@pytest.mark.parametrize("change, message", HOSTILE.values(), ids=HOSTILE.keys())
def test_a_hostile_state_json_is_refused_and_nothing_outside_is_read(
    run: Path, tmp_path: Path, change: Callable[[dict[str, Any], str], None], message: str
) -> None:
    _edit(run, lambda document: change(document, str(tmp_path / OUTSIDE)))
    with opened() as paths, pytest.raises(CheckpointError, match=message) as raised:
        load_state(run)
    assert str(run / "state.json") in str(raised.value)
    assert isinstance(raised.value, ValueError)
    assert [p for p in paths if not Path(p).is_relative_to(run)] == []
    assert not any(p.endswith("/evil") or p.endswith("/evil.py") for p in paths)


def test_an_honest_load_opens_only_the_run_folders_files(run: Path) -> None:
    with opened() as paths:
        load_state(run)
    assert sorted(paths) == sorted(
        str(run / f) for f in ("state.json", "candidates/c0001.py", "candidates/c0002.py")
    )


def test_a_candidates_folder_symlinked_outside_is_refused_unread(run: Path, tmp_path: Path) -> None:
    for name in ("c0001.py", "c0002.py"):
        (run / "candidates" / name).unlink()
    (run / "candidates").rmdir()
    (run / "candidates").symlink_to(tmp_path / "outside", target_is_directory=True)
    with opened() as paths, pytest.raises(CheckpointError) as raised:
        load_state(run)
    message = str(raised.value)
    assert "candidates['c0001'].file: 'candidates/c0001.py' resolves to" in message
    assert f"{tmp_path / OUTSIDE}, not a file of the run folder" in message
    assert [p for p in paths if "outside" in p] == []


def test_a_candidate_file_symlinked_outside_is_refused_unread(run: Path, tmp_path: Path) -> None:
    (run / "candidates" / "c0002.py").unlink()
    (run / "candidates" / "c0002.py").symlink_to(tmp_path / "outside" / "c0002.py")
    with (
        opened() as paths,
        pytest.raises(CheckpointError, match=r"candidates\['c0002'\]\.file: .* resolves to"),
    ):
        load_state(run)
    assert [p for p in paths if "outside" in p] == []


@pytest.mark.parametrize("bad", ["../../evil", "/tmp/evil", "c1", "c0001/../../evil", "", "C0001"])
def test_candidate_files_are_never_named_by_a_bad_id(run: Path, tmp_path: Path, bad: str) -> None:
    with pytest.raises(CheckpointError, match="is not a candidate id"):
        candidate_path(run, bad)
    with opened() as paths, pytest.raises(CheckpointError, match=f"{bad!r} is not a candidate id"):
        write_candidate(run, Candidate(bad, SECRET, "given"))
    assert paths == [] and not (tmp_path / "evil.py").exists() and not (run.parent / "evil.py").exists()


@pytest.mark.parametrize("bad", ["../../evil", "p0001_../../evil", "p0001_c0001/../x", "p1_setup", "setup"])
def test_prompt_files_are_never_named_by_a_bad_id(run: Path, tmp_path: Path, bad: str) -> None:
    with opened() as paths, pytest.raises(CheckpointError, match=f"{bad!r} is not a prompt id"):
        write_prompt(run, bad, {"messages": []})
    assert paths == [] and not list(tmp_path.rglob("*evil*"))


def test_good_prompt_ids_are_written_in_the_prompts_folder(run: Path) -> None:
    for prompt_id in ("p0000_setup", "p0003_c0007", "p12345_c12345"):
        write_prompt(run, prompt_id, {"messages": []})
    assert sorted(p.name for p in (run / "prompts").iterdir()) == [
        "p0000_setup.json", "p0003_c0007.json", "p12345_c12345.json"
    ]  # fmt: skip


def test_nothing_is_written_through_symlinked_folders_or_files(run: Path, tmp_path: Path) -> None:
    target = tmp_path / "elsewhere"
    target.mkdir()
    (run / "prompts").symlink_to(target, target_is_directory=True)
    with pytest.raises(CheckpointError, match="prompts is a symlink"):
        write_prompt(run, "p0002_c0002", {"messages": []})
    (run / "candidates" / "c0003.py").symlink_to(target / "c0003.py")
    with pytest.raises(CheckpointError, match="c0003.py is a symlink"):
        write_candidate(run, Candidate("c0003", SECRET, "given"))
    assert list(target.iterdir()) == []


def test_the_trainer_refuses_to_resume_a_hostile_checkpoint_and_writes_nothing_outside(
    run: Path, tmp_path: Path
) -> None:
    """Without the checks the resumed run would commit ``candidates/../../evil.py``, i.e. ``runs/evil.py``."""
    _edit(run, lambda document: _rename_everywhere(document, "c0001", "../../evil"))
    before = sorted(p for p in tmp_path.rglob("*") if not p.is_relative_to(run))
    config = TrainerConfig(TrackerConfig(n_top=1, n_responses=1, max_keep=3), n_steps=2, progress_bar=False)
    with OpenAITestServer(scripted([fenced(CHILD)])) as server:
        trainer = Trainer(TASK, run, config, llm_for(server.base_url, max_retries=0), fast_sandbox())
        with (
            opened() as paths,
            pytest.raises(CheckpointError, match=r"'\.\./\.\./evil' is not a candidate id"),
        ):
            trainer.fit(SAMPLES)
    assert server.requests == []
    assert sorted(p for p in tmp_path.rglob("*") if not p.is_relative_to(run)) == before
    assert [p for p in paths if not Path(p).is_relative_to(run)] == []
