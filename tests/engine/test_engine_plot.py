"""plot_training: the curves of a real training run and of metrics written by MetricsWriter, drawn to a PNG."""

from __future__ import annotations

import json
import math
from pathlib import Path

import matplotlib.image
import pytest
from engine_helpers import BAD, GOOD, SAMPLES, TASK, fast_sandbox, llm_for
from openai_test_server import OpenAITestServer, fenced, scripted

from langprop_driver.engine import FeedbackConfig, TrackerConfig, Trainer, TrainerConfig
from langprop_driver.engine.metrics import MetricsWriter
from langprop_driver.engine.plot import TrainingPlotError, plot_training, read_curves, rescored_steps

FAST = TrainerConfig(
    tracker=TrackerConfig(n_top=1, n_responses=1, max_keep=3),
    feedback=FeedbackConfig(n_examples=2),
    batch_size=8,
    n_steps=2,
    progress_bar=False,
)


def png_size(path: Path) -> tuple[int, int]:
    """(width, height) [px] of a PNG, read back by matplotlib."""
    image = matplotlib.image.imread(path)
    return image.shape[1], image.shape[0]


def test_a_real_training_run_is_plotted_from_its_metrics(tmp_path: Path) -> None:
    with OpenAITestServer(scripted([fenced(BAD), fenced(GOOD)])) as server:
        Trainer(TASK, tmp_path, FAST, llm_for(server.base_url), fast_sandbox()).fit(
            SAMPLES, validation=SAMPLES
        )
    metrics = [json.loads(line) for line in (tmp_path / "metrics.jsonl").read_text().splitlines()]
    curves = {curve.name: curve for curve in read_curves(tmp_path)}
    assert set(curves) == {"train/best_priority", "train/best_batch_mean_score", "val/mean_score"}
    for name, curve in curves.items():
        assert curve.steps == (1, 2)
        assert curve.values == tuple(m[name] for m in metrics)
    assert curves["val/mean_score"].values[-1] == 1.0  # the good child won
    out = plot_training(tmp_path)
    assert out == tmp_path / "training.png"
    assert png_size(out) == (800, 450)


def test_metrics_without_validation_plot_the_training_curves_only(tmp_path: Path) -> None:
    writer = MetricsWriter(tmp_path, resume_step=0)
    for step in range(1, 6):
        writer.write(step, {"train/best_priority": 0.1 * step, "train/best_batch_mean_score": 0.2 * step})
    writer.write(
        5, {"train/best_priority": 0.9, "train/best_batch_mean_score": math.inf}
    )  # a step written again
    writer.close()
    curves = {curve.name: curve for curve in read_curves(tmp_path)}
    assert set(curves) == {"train/best_priority", "train/best_batch_mean_score"}
    assert curves["train/best_priority"].steps == (1, 2, 3, 4, 5)
    assert curves["train/best_priority"].values[-1] == 0.9  # the last line of a step wins
    assert math.isnan(curves["train/best_batch_mean_score"].values[-1])  # not finite: a gap
    out = plot_training(tmp_path, tmp_path / "plots" / "curves.png")
    assert out == tmp_path / "plots" / "curves.png" and png_size(out) == (800, 450)


def test_a_run_without_metrics_is_named(tmp_path: Path) -> None:
    with pytest.raises(TrainingPlotError, match=r"run folder .*missing' does not exist"):
        plot_training(tmp_path / "missing")
    with pytest.raises(TrainingPlotError, match="has no metrics.jsonl: no update step has been completed"):
        plot_training(tmp_path)
    assert not (tmp_path / "training.png").exists()


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (['{"step": 1, "train/best_priority": 0.5}', "{oops"], "line 2 is not valid JSON"),
        (['{"train/best_priority": 0.5}'], "line 1 is not an object with an integer 'step'"),
        (
            ['{"step": 1, "train/best_priority": "high"}'],
            "'train/best_priority' at step 1 is 'high', not a number",
        ),
        (
            ['{"step": 1, "llm/total_tokens": 12}'],
            r"holds none of the metrics train/best_priority, .* \(1 step\(s\) read\)",
        ),
        ([], r"holds none of the metrics .* \(0 step\(s\) read\)"),
    ],
)
def test_unusable_metrics_are_named(tmp_path: Path, lines: list[str], message: str) -> None:
    (tmp_path / "metrics.jsonl").write_text("".join(line + "\n" for line in lines))
    with pytest.raises(TrainingPlotError, match=message):
        plot_training(tmp_path)


def test_closed_loop_curves_start_at_step_0_and_a_step_written_twice_keeps_both_lines(tmp_path: Path) -> None:
    lines = [
        {"step": 0, "val/elite_score": 61.0, "closed_loop/best_train_score": 70.0},
        {"step": 1, "train/best_priority": 0.8, "val/elite_score": 64.0, "closed_loop/best_train_score": 75.0},
        {"step": 1, "select/rescored": 1, "val/elite_score": 58.0},  # the runs changed when resumed at step 1
        {"step": 2, "train/best_priority": 0.9, "val/elite_score": 66.0, "closed_loop/best_train_score": 80.0},
    ]
    (tmp_path / "metrics.jsonl").write_text("".join(json.dumps(line) + "\n" for line in lines))
    curves = {curve.name: curve for curve in read_curves(tmp_path)}
    assert curves["val/elite_score"].steps == (0, 1, 2) and curves["val/elite_score"].values == (61.0, 58.0, 66.0)
    assert curves["closed_loop/best_train_score"].values == (70.0, 75.0, 80.0)  # kept from the first line of step 1
    assert curves["train/best_priority"].steps == (1, 2)
    assert rescored_steps(tmp_path) == [1]
    out = plot_training(tmp_path, marks={2: "iteration 2"})
    assert png_size(out) == (800, 450)
