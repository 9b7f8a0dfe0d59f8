"""Training curves: the scores of each update step, read from a run folder's metrics.jsonl and drawn to a PNG.

Open-loop scores (batch and validation samples) are drawn on the left axis; closed-loop fitness
(the best candidate's validation score and the best training score, e.g. driving scores 0 to 100)
on the right one, from step 0 (the starting pool's score). Vertical lines mark steps where the
closed-loop fitness was measured anew (changed runs: ``select/rescored``) and any steps the caller
names (e.g. DAgger iterations).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

METRICS_FILE = "metrics.jsonl"
"""Where :class:`.metrics.MetricsWriter` writes one JSON object per update step."""
CURVES: dict[str, str] = {
    "train/best_priority": "best candidate's priority",
    "train/best_batch_mean_score": "best candidate's batch mean score",
    "val/mean_score": "validation mean score (best candidate)",
    "val/elite_score": "best candidate's validation fitness (closed loop)",
    "closed_loop/best_train_score": "best training fitness (closed loop)",
}
"""The metrics plotted, with their legend labels; a run holds validation scores only when it validated."""
CLOSED_LOOP_CURVES = frozenset({"val/elite_score", "closed_loop/best_train_score"})
"""Curves drawn on the right axis (closed-loop fitness)."""
RESCORED = "select/rescored"


class TrainingPlotError(Exception):
    """A run folder whose training curves cannot be drawn; the message names the folder and the problem."""


@dataclass(frozen=True)
class Curve:
    """One metric over the update steps where it was written (steps ascending)."""

    name: str
    steps: tuple[int, ...]
    values: tuple[float, ...]


def read_curves(run_dir: Path | str) -> list[Curve]:
    """The curves of `CURVES` found in `run_dir`/metrics.jsonl (absent metrics are left out).

    A step written twice keeps the union of its lines, the last value of each metric. Non-finite values become NaN (a gap). Raises
    TrainingPlotError when the folder or file is missing, a line is not a JSON object with an
    integer "step", a plotted value is not a number, or no plotted metric occurs at all.
    """
    run_dir = Path(run_dir)
    path = run_dir / METRICS_FILE
    if not run_dir.is_dir():
        raise TrainingPlotError(f"run folder {str(run_dir)!r} does not exist")
    if not path.is_file():
        raise TrainingPlotError(
            f"run folder {str(run_dir)!r} has no {METRICS_FILE}: no update step has been completed there yet"
        )
    by_step: dict[int, dict] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise TrainingPlotError(f"{path}: line {number} is not valid JSON ({error.msg})") from None
        step = record.get("step") if isinstance(record, dict) else None
        if isinstance(step, bool) or not isinstance(step, int):
            raise TrainingPlotError(f"{path}: line {number} is not an object with an integer 'step'")
        by_step[step] = {**by_step.get(step, {}), **record}
    curves = []
    for name in CURVES:
        steps = tuple(step for step in sorted(by_step) if name in by_step[step])
        if steps:
            values = tuple(
                _as_float(by_step[step][name], f"{path}: {name!r} at step {step}") for step in steps
            )
            curves.append(Curve(name, steps, values))
    if not curves:
        raise TrainingPlotError(
            f"{path} holds none of the metrics {', '.join(CURVES)} ({len(by_step)} step(s) read)"
        )
    return curves


def rescored_steps(run_dir: Path | str) -> list[int]:
    """Steps whose metrics say the closed-loop fitness was measured anew (``select/rescored`` = 1)."""
    path = Path(run_dir) / METRICS_FILE
    steps = set()
    for line in path.read_text(encoding="utf-8").splitlines() if path.is_file() else []:
        record = json.loads(line) if line.strip() else {}
        if record.get(RESCORED) == 1:
            steps.add(record["step"])
    return sorted(steps)


def plot_training(run_dir: Path | str, out_png: Path | str | None = None, marks: dict[int, str] | None = None) -> Path:
    """Draw the run's scores per update step to a PNG (default `run_dir`/training.png); its path. `marks`:
    extra vertical lines, step -> label."""
    run_dir = Path(run_dir)
    curves = read_curves(run_dir)
    out = Path(out_png) if out_png is not None else run_dir / "training.png"
    figure = Figure(figsize=(8.0, 4.5), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    right = axes.twinx() if any(c.name in CLOSED_LOOP_CURVES for c in curves) else None
    colours = iter(f"C{i}" for i in range(10))
    for curve in curves:
        marker = "o" if len(curve.steps) < 30 else None
        target = right if right is not None and curve.name in CLOSED_LOOP_CURVES else axes
        target.plot(curve.steps, curve.values, marker=marker, label=CURVES[curve.name], color=next(colours))
    lines = {**{step: "runs re-scored" for step in rescored_steps(run_dir)}, **(marks or {})}
    for step, label in sorted(lines.items()):
        axes.axvline(step, color="grey", linestyle="--", linewidth=1.0)
        axes.annotate(label, (step, 1.0), xycoords=("data", "axes fraction"), rotation=90, va="top", ha="right",
                      fontsize=8, color="grey")  # fmt: skip
    axes.set_xlabel("update step")
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_ylabel("open-loop score")
    axes.set_title(f"LangProp training: {run_dir.name}")
    axes.grid(True, alpha=0.3)
    handles, labels = axes.get_legend_handles_labels()
    if right is not None:
        right.set_ylabel("closed-loop fitness (driving score)")
        more_handles, more_labels = right.get_legend_handles_labels()
        handles, labels = handles + more_handles, labels + more_labels
    axes.legend(handles, labels, loc="best", fontsize=8)
    figure.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(out, format="png")
    return out


def _as_float(value: object, where: str) -> float:
    """A metric value as a float; NaN (a gap in the curve) when it is not finite."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TrainingPlotError(f"{where} is {value!r}, not a number")
    return float(value) if math.isfinite(value) else math.nan
