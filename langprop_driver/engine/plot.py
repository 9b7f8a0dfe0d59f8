"""Training curves: the score of each update step, read from a run folder's metrics.jsonl and drawn to a PNG."""

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
}
"""The metrics plotted, with their legend labels; a run holds validation scores only when it validated."""


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

    A step written twice keeps its last line. Non-finite values become NaN (a gap). Raises
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
        by_step[step] = record
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


def plot_training(run_dir: Path | str, out_png: Path | str | None = None) -> Path:
    """Draw the run's score per update step to a PNG (default `run_dir`/training.png); its path."""
    run_dir = Path(run_dir)
    curves = read_curves(run_dir)
    out = Path(out_png) if out_png is not None else run_dir / "training.png"
    figure = Figure(figsize=(8.0, 4.5), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    for curve in curves:
        marker = "o" if len(curve.steps) < 30 else None
        axes.plot(curve.steps, curve.values, marker=marker, label=CURVES[curve.name])
    axes.set_xlabel("update step")
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_ylabel("score")
    axes.set_title(f"LangProp training: {run_dir.name}")
    axes.grid(True, alpha=0.3)
    axes.legend(loc="best")
    figure.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(out, format="png")
    return out


def _as_float(value: object, where: str) -> float:
    """A metric value as a float; NaN (a gap in the curve) when it is not finite."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TrainingPlotError(f"{where} is {value!r}, not a number")
    return float(value) if math.isfinite(value) else math.nan
