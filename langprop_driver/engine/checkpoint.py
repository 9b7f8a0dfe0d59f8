"""The checkpoint folder: state.json (scores, lineage, pool), candidates as .py, prompts and answers.

Layout of a run folder::

    state.json          committed last, atomically: step, ranked pool, every candidate's lineage and scores
    candidates/c0001.py every candidate ever made, as written by the LLM
    prompts/p0001_c0003.json  the messages of one prompt, its answers and what became of each
    metrics.jsonl       one JSON line per step (see :mod:`.metrics`)
    token_ledger.json   tokens spent so far
    llm_cache/          cached answers (a rerun costs nothing)
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .candidate import Candidate
from .checks import CheckFailure
from .llm_cache import write_json_atomic
from .tracker import Standing

STATE_FILE = "state.json"
FORMAT_VERSION = 1


@dataclass(frozen=True)
class BatchRecord:
    """A candidate's result on one batch."""

    step: int
    mean_score: float
    pass_ratio: float


@dataclass(frozen=True)
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

    @property
    def best(self) -> Candidate:
        if not self.pool:
            raise LookupError("the pool is empty: no candidate has been made yet")
        return self.candidates[self.pool[0]]

    def new_id(self, offset: int) -> str:
        return f"c{self.next_index + offset:04d}"


def candidate_path(run_dir: Path, candidate_id: str) -> Path:
    return run_dir / "candidates" / f"{candidate_id}.py"


def write_candidate(run_dir: Path, candidate: Candidate) -> None:
    path = candidate_path(run_dir, candidate.id)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(candidate.source)


def write_prompt(run_dir: Path, prompt_id: str, record: dict[str, Any]) -> None:
    write_json_atomic(run_dir / "prompts" / f"{prompt_id}.json", record)


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
        candidates[cid] = record
    document = {
        "format_version": FORMAT_VERSION,
        "step": state.step,
        "best": state.pool[0] if state.pool else None,
        "pool": list(state.pool),
        "next_index": state.next_index,
        "candidates": candidates,
        **extra,
    }
    write_json_atomic(run_dir / STATE_FILE, document)


def load_state(run_dir: Path) -> TrainState | None:
    """The last committed state of ``run_dir``, or None if nothing was committed yet."""
    path = run_dir / STATE_FILE
    if not path.is_file():
        return None
    document = json.loads(path.read_text())
    if document.get("format_version") != FORMAT_VERSION:
        raise ValueError(
            f"{path} has format version {document.get('format_version')}, expected {FORMAT_VERSION}"
        )
    candidates, standings, history = {}, {}, {}
    for cid, record in document["candidates"].items():
        candidates[cid] = Candidate(
            id=cid,
            source=(run_dir / record["file"]).read_text(),
            origin=record["origin"],
            parent_id=record["parent_id"],
            prompt_id=record["prompt_id"],
            step=record["step"],
            check_failures=tuple(CheckFailure(**f) for f in record["check_failures"]),
        )
        if "standing" in record:
            standings[cid] = Standing(**record["standing"])
        history[cid] = tuple(BatchRecord(**h) for h in record["history"])
    return TrainState(
        step=document["step"],
        pool=tuple(document["pool"]),
        candidates=candidates,
        standings=standings,
        history=history,
        next_index=document["next_index"],
    )
