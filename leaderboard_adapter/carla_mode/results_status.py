"""ResultsStatus: how far a leaderboard results (checkpoint) JSON has come: missing, partial, complete, or unusable."""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import Enum
from pathlib import Path


class ResultsState(Enum):
    MISSING = "missing"
    PARTIAL = "partial"
    """Resumable: routes are left, or the evaluator crashed (the leaderboard's --resume goes on)."""
    COMPLETE = "complete"
    FATAL = "fatal"
    """Rejected, invalid or unreadable: running the evaluator again cannot help."""


@dataclass(frozen=True)
class ResultsStatus:
    """The state of a results file and a one-line description, e.g. 'complete 3/3, driving score 81.250, ...'."""

    state: ResultsState
    text: str

    @property
    def complete(self) -> bool:
        return self.state is ResultsState.COMPLETE

    @classmethod
    def of(cls, path: Path) -> ResultsStatus:
        """Read `path`: complete once progress [done, total] has done >= total > 0 and a global record."""
        if not path.is_file():
            return cls(ResultsState.MISSING, "missing")
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            checkpoint = data["_checkpoint"]
            done, total = (int(value) for value in checkpoint["progress"])
            global_record = checkpoint.get("global_record") or {}
            entry_status = str(data.get("entry_status", ""))
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
            return cls(ResultsState.FATAL, f"unreadable ({type(error).__name__}: {error})")
        where = f"{done}/{total}"
        if entry_status == "Rejected":
            return cls(ResultsState.FATAL, f"rejected {where} (the agent's sensors were refused: see the evaluator log)")
        if entry_status == "Invalid":
            return cls(ResultsState.FATAL, f"invalid {where} (the evaluator marked the results 'Invalid': see its log)")
        finished = total > 0 and done >= total and bool(global_record)
        if entry_status == "Crashed" and not finished:  # the leaderboard stopped at a crash: --resume goes on
            return cls(ResultsState.PARTIAL, f"crashed {where}")
        if finished:  # a 'Crashed' entry here is the embedded evaluator's: it scored every route, crashes included
            note = " (entry status Crashed: see the records)" if entry_status == "Crashed" else ""
            return cls(ResultsState.COMPLETE, f"complete {where}{_scores(global_record)}{note}")
        return cls(ResultsState.PARTIAL, f"partial {where}")


def _scores(global_record: object) -> str:
    """', driving score DS, route completion RC, infraction penalty IP' from a global record, if it has them."""
    means = global_record.get("scores_mean") if isinstance(global_record, dict) else None
    names = (("score_composed", "driving score"), ("score_route", "route completion"),
             ("score_penalty", "infraction penalty"))  # fmt: skip
    try:
        return "".join(f", {label} {float(means[key]):.3f}" for key, label in names)  # type: ignore[index]
    except (KeyError, TypeError, ValueError):
        return ""
