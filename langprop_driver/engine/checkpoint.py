"""The checkpoint folder: state.json (scores, lineage, pool), candidates as .py, prompts and answers.

Layout of a run folder::

    state.json          committed last, atomically: step, ranked pool, every candidate's lineage and scores
                        (closed loop: its fitness per split, the stage that decided it, the elite)
    candidates/c0001.py every candidate ever made, as written by the LLM
    prompts/p0001_c0003.json  the messages of one prompt, its answers and what became of each
    metrics.jsonl       one JSON line per step (see :mod:`.metrics`)
    token_ledger.json   tokens spent so far
    llm_cache/          cached answers (a rerun costs nothing)

state.json is data, not paths: candidate ids must look like ``c0001`` (:data:`CANDIDATE_ID`), prompt
ids like ``p0003_c0007`` or ``p0000_setup`` (:data:`PROMPT_ID`), and a candidate's file must be
``candidates/<id>.py`` in the run folder itself (no symlink out of it); anything else is a
:class:`CheckpointError`, raised before any file is read or written.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ConfigDict, ValidationError, model_validator
from pydantic.dataclasses import dataclass as checked_dataclass

from leaderboard_adapter.settings import one_line_errors, validation_message

from .candidate import Candidate
from .checks import CheckFailure
from .fitness import SPLITS, Fitness, Split
from .llm_cache import write_json_atomic
from .selection import STAGES
from .tracker import Standing

STATE_FILE = "state.json"
FORMAT_VERSION = 1
CANDIDATE_ID = re.compile(r"c\d{4,}")
"""Ids the engine gives candidates (``TrainState.new_id``), matched whole: ``c0001``, ``c12345``."""
PROMPT_ID = re.compile(r"p\d{4,}_(?:setup|c\d{4,})")
"""Ids the trainer gives prompts, matched whole: ``p0000_setup``, then ``p<step>_<parent id>``."""


class CheckpointError(ValueError):
    """A checkpoint folder holds what the engine never writes: an id that is not an id, a candidate file
    other than its own ``candidates/<id>.py``, a reference to an unknown candidate, a missing field.
    The message names the file, the field and the bad value."""


def check_candidate_id(candidate_id: object, where: str = "candidate id") -> str:
    """``candidate_id`` if it is an id the engine makes (``c0001``); else :class:`CheckpointError`."""
    if not isinstance(candidate_id, str) or not CANDIDATE_ID.fullmatch(candidate_id):
        raise CheckpointError(f"{where}: {candidate_id!r} is not a candidate id (c0001, c0002, ...)")
    return candidate_id


def check_prompt_id(prompt_id: object, where: str = "prompt id") -> str:
    """``prompt_id`` if it is an id the trainer makes (``p0000_setup``, ``p0003_c0007``); else
    :class:`CheckpointError`."""
    if not isinstance(prompt_id, str) or not PROMPT_ID.fullmatch(prompt_id):
        raise CheckpointError(f"{where}: {prompt_id!r} is not a prompt id (p0000_setup, p0003_c0007, ...)")
    return prompt_id


def _own_folder(run_dir: Path, name: str) -> Path:
    """``run_dir/name``, created if needed; :class:`CheckpointError` if it is a symlink (it could lead
    anywhere)."""
    folder = run_dir / name
    if folder.is_symlink():
        raise CheckpointError(f"{folder} is a symlink: the run folder's {name}/ must be a folder of its own")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@dataclass(frozen=True)
class BatchRecord:
    """A candidate's result on one batch."""

    step: int
    mean_score: float
    pass_ratio: float


@checked_dataclass(frozen=True, config=ConfigDict(extra="forbid"))
class TrainState:
    """Everything needed to go on training: a run resumes from the last committed one."""

    step: int
    """Update batches completed; 0 right after the setup prompt."""
    pool: tuple[str, ...]
    """Kept candidate ids, best first."""
    candidates: dict[str, Candidate]
    standings: dict[str, Standing]
    history: dict[str, tuple[BatchRecord, ...]] = field(default_factory=dict)
    next_index: int = 1
    fitness: dict[str, dict[Split, Fitness]] = field(default_factory=dict)
    """Closed loop: each candidate's expensive score per split (``train``, ``validation``)."""
    decided_by: dict[str, str] = field(default_factory=dict)
    """Closed loop: the stage that last decided each candidate's place (see :data:`.selection.STAGES`)."""
    elite: str | None = None
    """Closed loop: the candidate with the best validation fitness so far; always ``pool[0]``."""
    fitness_key: str | None = None
    """Closed loop: the scorer's key the fitness was measured under."""

    _one_line = model_validator(mode="wrap")(classmethod(one_line_errors))

    @model_validator(mode="after")
    def _elite_leads(self) -> TrainState:
        if self.elite is not None and (not self.pool or self.pool[0] != self.elite):
            raise ValueError(f"the elite {self.elite!r} must be the first of the pool {self.pool!r}")
        return self

    @property
    def best(self) -> Candidate:
        if not self.pool:
            raise LookupError("the pool is empty: no candidate has been made yet")
        return self.candidates[self.pool[0]]

    def new_id(self, offset: int) -> str:
        return f"c{self.next_index + offset:04d}"


def candidate_path(run_dir: Path, candidate_id: str) -> Path:
    """``run_dir/candidates/<id>.py``; :class:`CheckpointError` unless ``candidate_id`` is an id."""
    return run_dir / "candidates" / f"{check_candidate_id(candidate_id)}.py"


def write_candidate(run_dir: Path, candidate: Candidate) -> None:
    """Write the candidate's source to its file; never through a symlinked folder or file."""
    path = candidate_path(run_dir, candidate.id)
    _own_folder(run_dir, "candidates")
    if path.is_symlink():
        raise CheckpointError(f"{path} is a symlink: refusing to write candidate {candidate.id} through it")
    path.write_text(candidate.source)


def write_prompt(run_dir: Path, prompt_id: str, record: dict[str, Any]) -> None:
    """Write ``prompts/<prompt_id>.json``; :class:`CheckpointError` for a bad id or a symlinked folder."""
    name = f"{check_prompt_id(prompt_id)}.json"
    write_json_atomic(_own_folder(run_dir, "prompts") / name, record)


def save_state(run_dir: Path, state: TrainState, extra: dict[str, Any]) -> None:
    """Commit ``state`` (candidate files first, then state.json atomically)."""
    for candidate in state.candidates.values():
        if not candidate_path(run_dir, candidate.id).is_file():
            write_candidate(run_dir, candidate)
    candidates = {}
    for cid, candidate in state.candidates.items():
        record = {k: v for k, v in asdict(candidate).items() if k != "source"}
        record["file"] = f"candidates/{cid}.py"
        record["kept"] = cid in state.pool
        if cid in state.standings:
            record["standing"] = asdict(state.standings[cid])
        record["history"] = [asdict(h) for h in state.history.get(cid, ())]
        if cid in state.fitness:
            record["fitness"] = {split: f.to_json() for split, f in state.fitness[cid].items()}
        if cid in state.decided_by:
            record["decided_by"] = state.decided_by[cid]
        candidates[cid] = record
    document = {
        "format_version": FORMAT_VERSION,
        "step": state.step,
        "best": state.pool[0] if state.pool else None,
        "pool": list(state.pool),
        "next_index": state.next_index,
        "elite": state.elite,
        "fitness_key": state.fitness_key,
        "candidates": candidates,
        **extra,
    }
    write_json_atomic(run_dir / STATE_FILE, document)


def load_state(run_dir: Path) -> TrainState | None:
    """The last committed state of ``run_dir``, or None if nothing was committed yet.

    :class:`CheckpointError` when state.json is not what :func:`save_state` writes (see the module's
    docstring); every id and file is checked before any candidate file is read.
    """
    path = run_dir / STATE_FILE
    if not path.is_file():
        return None
    try:
        document = json.loads(path.read_text())
    except (OSError, ValueError) as error:
        raise CheckpointError(f"{path}: not readable as JSON: {error}") from None
    if not isinstance(document, dict):
        raise CheckpointError(f"{path}: not a JSON object")
    if document.get("format_version") != FORMAT_VERSION:
        raise CheckpointError(
            f"{path} has format version {document.get('format_version')!r}, expected {FORMAT_VERSION}"
        )
    records = _checked_records(run_dir, path, document)
    try:
        return _state(run_dir, document, records)
    except (KeyError, TypeError, ValueError) as error:
        if isinstance(error, CheckpointError):
            raise
        if isinstance(error, ValidationError):  # a candidate or the state pydantic refused
            detail = validation_message(error, Candidate)
        else:
            detail = f"missing field {error}" if isinstance(error, KeyError) else str(error)
        raise CheckpointError(f"{path}: {detail}") from None


def _checked_records(run_dir: Path, path: Path, document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The candidate records of ``document``, once every id, reference and file in it checks out."""
    records = document.get("candidates")
    if not isinstance(records, dict):
        raise CheckpointError(f"{path}: 'candidates' must be an object of candidate records")
    for cid in records:
        check_candidate_id(cid, f"{path}: a key of 'candidates'")
    root = run_dir.resolve()
    for cid, record in records.items():
        where = f"{path}: candidates[{cid!r}]"
        if not isinstance(record, dict):
            raise CheckpointError(f"{where}: not an object")
        if record.get("id", cid) != cid:
            raise CheckpointError(f"{where}.id: {record['id']!r} is not its key {cid!r}")
        parent = record.get("parent_id")
        if parent is not None and (not isinstance(parent, str) or parent not in records):
            raise CheckpointError(f"{where}.parent_id: {parent!r} is no candidate of this checkpoint")
        if record.get("prompt_id") is not None:
            check_prompt_id(record["prompt_id"], f"{where}.prompt_id")
        expected = f"candidates/{cid}.py"
        if record.get("file") != expected:
            raise CheckpointError(f"{where}.file: {record.get('file')!r} is not its own file {expected!r}")
        resolved = (run_dir / expected).resolve()
        if resolved != root / "candidates" / f"{cid}.py":
            raise CheckpointError(
                f"{where}.file: {expected!r} resolves to {resolved}, not a file of the run folder {root} "
                "(a symlink)"
            )
        if not resolved.is_file():
            raise CheckpointError(f"{where}.file: {resolved} does not exist")
    pool = document.get("pool")
    if not (isinstance(pool, list) and all(isinstance(m, str) for m in pool) and len(set(pool)) == len(pool)):
        raise CheckpointError(f"{path}: 'pool' must be a list of distinct candidate ids, got {pool!r}")
    for member in pool:
        if member not in records:
            raise CheckpointError(f"{path}: pool: {member!r} is no candidate of this checkpoint")
    best = document.get("best")
    if best != (pool[0] if pool else None):
        raise CheckpointError(f"{path}: best: {best!r} is not the first of the pool {pool!r}")
    elite = document.get("elite")
    if elite is not None and elite != best:
        raise CheckpointError(f"{path}: elite: {elite!r} is not the first of the pool {pool!r}")
    for cid, record in records.items():
        if record.get("decided_by", STAGES[0]) not in STAGES:
            raise CheckpointError(f"{path}: candidates[{cid!r}].decided_by: {record['decided_by']!r} is not one of {STAGES}")
        splits = record.get("fitness", {})
        if not isinstance(splits, dict) or not set(splits) <= set(SPLITS):
            raise CheckpointError(f"{path}: candidates[{cid!r}].fitness: keys must be among {SPLITS}")
    step = document.get("step")
    if not isinstance(step, int) or isinstance(step, bool) or step < 0:
        raise CheckpointError(f"{path}: step: {step!r} must be an integer >= 0")
    next_index = document.get("next_index")
    largest = max((int(cid[1:]) for cid in records), default=0)
    if not isinstance(next_index, int) or isinstance(next_index, bool) or next_index <= largest:
        raise CheckpointError(
            f"{path}: next_index: {next_index!r} must be an integer above the largest candidate number "
            f"({largest}), or new candidates would overwrite old ones"
        )
    return records


def _state(run_dir: Path, document: dict[str, Any], records: dict[str, dict[str, Any]]) -> TrainState:
    candidates, standings, history, fitness, decided_by = {}, {}, {}, {}, {}
    for cid, record in records.items():
        candidates[cid] = Candidate(
            id=cid,
            source=(run_dir / "candidates" / f"{cid}.py").read_text(),
            origin=record["origin"],
            parent_id=record["parent_id"],
            prompt_id=record["prompt_id"],
            step=record["step"],
            check_failures=tuple(CheckFailure(**f) for f in record["check_failures"]),
        )
        if "standing" in record:
            standings[cid] = Standing(**record["standing"])
        history[cid] = tuple(BatchRecord(**h) for h in record["history"])
        if "fitness" in record:
            fitness[cid] = {split: Fitness.from_json(f) for split, f in record["fitness"].items()}
        if "decided_by" in record:
            decided_by[cid] = record["decided_by"]
    return TrainState(
        step=document["step"],
        pool=tuple(document["pool"]),
        candidates=candidates,
        standings=standings,
        history=history,
        next_index=document["next_index"],
        fitness=fitness,
        decided_by=decided_by,
        elite=document.get("elite"),
        fitness_key=document.get("fitness_key"),
    )
