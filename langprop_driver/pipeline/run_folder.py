"""RunFolder: the layout of a `langprop-drive loop` run folder (LAYOUT), and how far each iteration's training has come."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

LAYOUT = """\
  RUN/buffer/iter_k/          replay-buffer shards (one per route run)
  RUN/results/iter_k/         collect_seed<s>.json (leaderboard results) and the agent configs
  RUN/policy/iter_k/          checkpoint: state.json, candidates/, training.png
  RUN/eval/iter_k.json        with --evaluate
  RUN/logs/                   CARLA mode: server and evaluator logs
  RUN/loop.log                the command lines the loop was run with
"""


@dataclass(frozen=True)
class RunFolder:
    """Paths of a run folder (absolute), per iteration k = 1, 2, ..."""

    root: Path

    def buffer(self, k: int) -> Path:
        return self.root / "buffer" / f"iter_{k}"

    def results_dir(self, k: int) -> Path:
        return self.root / "results" / f"iter_{k}"

    def collect_results(self, k: int, seed: int) -> Path:
        return self.results_dir(k) / f"collect_seed{seed}.json"

    def checkpoint(self, k: int) -> Path:
        return self.root / "policy" / f"iter_{k}"

    def evaluation(self, k: int) -> Path:
        return self.root / "eval" / f"iter_{k}.json"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def command_log(self) -> Path:
        return self.root / "loop.log"


@dataclass(frozen=True)
class TrainStatus:
    """Whether a `langprop-drive train` checkpoint folder reached its target step, and a one-line description."""

    done: bool
    text: str

    @classmethod
    def of(cls, folder: Path, updates: int | None) -> TrainStatus:
        """Read `folder`'s state.json step and train_run.json target (base step + `updates`, or the recorded
        updates when `updates` is None)."""
        from .train_command import RUN_FILE, TrainRun

        state_file, run_file = folder / "state.json", folder / RUN_FILE
        if not state_file.is_file():
            return cls(False, "missing")
        try:
            step = int(json.loads(state_file.read_text(encoding="utf-8"))["step"])
            run = TrainRun(**json.loads(run_file.read_text(encoding="utf-8"))) if run_file.is_file() else None
        except (OSError, ValueError, KeyError, TypeError) as error:
            return cls(False, f"unreadable ({type(error).__name__}: {error})")
        if run is None and updates is None:
            return cls(False, f"partial step {step} (no {RUN_FILE}: target unknown)")
        target = (run.base_step if run else 0) + (updates if updates is not None else run.updates)  # type: ignore[union-attr]
        return cls(step >= target, f"{'done' if step >= target else 'partial'} step {step} of {target}")
