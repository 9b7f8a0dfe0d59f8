"""`langprop-drive train`: a policy checkpoint and replay-buffer frames in, a new checkpoint folder out.

The new folder (`--out`) starts as a copy of the starting checkpoint (its pool, scores and
lineage) and trains `updates` more steps on frames drawn from the buffer; from the baseline or
a `.py` policy it starts with that policy as the given candidate (and/or the LLM's zero-shot
answers, `start`). With closed-loop fitness (the default) candidates are selected by driving
routes in the embedded world (:mod:`.closed_loop`). `train_run.json` in the folder records where
it started, so the same command run again resumes an interrupted run, and a larger `--updates`
goes on from where it stopped; `train_history.jsonl` (copied with the checkpoint) keeps every run
that trained it, so `training.png` marks where new data came in (DAgger iterations).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

from langprop_driver.agent_runtime.config import AgentConfig, absolute_policy
from langprop_driver.agent_runtime.policy_source import resolve_policy
from langprop_driver.driving import DRIVING_FEEDBACK, driving_task
from langprop_driver.engine import LLMConfig, SandboxConfig, TrackerConfig, Trainer, TrainerConfig, load_state
from langprop_driver.engine.checkpoint import CheckpointError
from langprop_driver.engine.fitness import CascadeConfig
from langprop_driver.engine.llm_cache import write_json_atomic
from langprop_driver.engine.plot import TrainingPlotError, plot_training
from langprop_driver.errors import LangPropDriveError

from .closed_loop import ClosedLoopConfig, DrivingScorer, RouteSplit
from .collect_command import parse_seeds
from .command_settings import TrainCommandSettings
from .train_settings import TrainSettings
from .training_data import draw_training_data

logger = logging.getLogger(__name__)
RUN_FILE = "train_run.json"
HISTORY_FILE = "train_history.jsonl"
PLOT_FILE = "training.png"


@dataclass(frozen=True)
class TrainRun:
    """Where a checkpoint folder's training started: the policy, its step there, the updates asked for,
    the first pool (`start`: given, zero-shot or both; from a checkpoint: its pool) and the fitness."""

    policy: str
    base_step: int
    updates: int
    start: str = "checkpoint"
    fitness: str = "open_loop"

    @property
    def target_step(self) -> int:
        return self.base_step + self.updates


def require_endpoint() -> None:
    """Raise unless the environment names an LLM endpoint (OPENAI_BASE_URL and/or OPENAI_API_KEY)."""
    if not os.environ.get("OPENAI_BASE_URL") and not os.environ.get("OPENAI_API_KEY"):
        raise LangPropDriveError(
            "no LLM endpoint: set OPENAI_BASE_URL to an OpenAI-compatible server (vLLM, Ollama, llama.cpp, Azure "
            "OpenAI v1) and OPENAI_API_KEY if it needs one, or only OPENAI_API_KEY for OpenAI itself"
        )


def _starting_sources(policy: str) -> list[str]:
    """The given candidate of a baseline or `.py` start; none for a checkpoint (its pool is copied)."""
    source = resolve_policy(AgentConfig(policy=policy))
    return [] if source.candidate is not None else [source.source]


def _start_folder(policy: str, out: Path, settings: TrainSettings, from_checkpoint: bool, buffers: list[str]) -> TrainRun:
    """Prepare `out`: on the first run a copy of the starting checkpoint (or an empty folder), its
    `train_run.json` and a line of `train_history.jsonl`; on a later run check that it started from
    `policy`. The run, with `settings.updates`."""
    run_file = out / RUN_FILE
    start = "checkpoint" if from_checkpoint else settings.start
    if run_file.is_file():
        recorded = TrainRun(**json.loads(run_file.read_text()))
        if recorded.policy != policy:
            raise LangPropDriveError(
                f"--out {out} was started from policy {recorded.policy!r}, not {policy!r}: pick another --out"
            )
        base_step = recorded.base_step
    elif out.exists() and any(out.iterdir()):
        raise LangPropDriveError(f"--out {out} exists and is not a checkpoint folder made by `langprop-drive train`")
    elif from_checkpoint:
        if Path(policy) == out.resolve():
            raise LangPropDriveError(f"--out {out} is the starting checkpoint itself: pick a new folder")
        partial = out.with_name(out.name + ".partial")
        shutil.rmtree(partial, ignore_errors=True)
        shutil.copytree(policy, partial, ignore=shutil.ignore_patterns(RUN_FILE, PLOT_FILE, "closed_loop"))
        if out.exists():
            out.rmdir()
        partial.rename(out)
        base_step = load_state(out).step
    else:
        out.mkdir(parents=True, exist_ok=True)
        base_step = 0
    run = TrainRun(policy, base_step, settings.updates, start, settings.fitness)
    if not run_file.is_file():
        with (out / HISTORY_FILE).open("a") as history:
            history.write(json.dumps({**asdict(run), "buffers": buffers}) + "\n")
    write_json_atomic(run_file, asdict(run))
    return run


def _iteration_marks(out: Path) -> dict[int, str]:
    """Steps where a later run of `train` (a DAgger iteration, with new buffer data) began: step -> label."""
    path = out / HISTORY_FILE
    if not path.is_file():
        return {}
    runs = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return {run["base_step"]: f"iteration {i + 1}" for i, run in enumerate(runs) if i > 0}


def _plot(out: Path) -> str:
    try:
        plot_training(out, out / PLOT_FILE, marks=_iteration_marks(out))
    except TrainingPlotError as error:
        return f"no plot ({error})"
    return f"plot: {out / PLOT_FILE}"


def _scorer(settings: TrainSettings, out: Path, progress: bool) -> DrivingScorer | None:
    """The closed-loop scorer of `settings` (None for open-loop fitness); LangPropDriveError for bad routes."""
    if settings.fitness != "closed_loop":
        return None
    config = ClosedLoopConfig(
        routes_file=settings.routes,
        train=RouteSplit(settings.train_routes, tuple(parse_seeds(settings.train_seeds))),
        validation=RouteSplit(settings.validation_routes, tuple(parse_seeds(settings.validation_seeds))),
        town_dir=settings.town_dir,
        workers=settings.workers,
        ray=settings.ray,
        mode=settings.mode,
        online_samples=settings.online_samples,
        infraction_weight=settings.infraction_weight,
        lookahead_s=settings.lookahead_s,
        progress=progress,
    )
    return DrivingScorer(out, config)


def run_train(command: TrainCommandSettings) -> int:
    """Run the training of the `train` flags (and its `--config` settings); the process exit code."""
    try:
        return _run_train(command)
    except CheckpointError as error:  # a hostile or broken state.json: said plainly, nothing read outside
        raise LangPropDriveError(f"checkpoint: {error}") from None


def _run_train(command: TrainCommandSettings) -> int:
    settings = command.settings
    require_endpoint()
    data = draw_training_data(command.buffer, command.expert_buffer, settings)
    print(f"train: {data.describe()}")
    out: Path = command.out
    policy = absolute_policy(command.policy)
    given = _starting_sources(policy)
    run = _start_folder(policy, out, settings, not given, [str(b.resolve()) for b in command.buffer])
    config = TrainerConfig(
        tracker=TrackerConfig(n_top=settings.n_top, n_responses=settings.n_responses, max_keep=settings.max_keep),
        feedback=DRIVING_FEEDBACK,
        batch_size=settings.batch_size,
        n_steps=run.target_step,
        seed=settings.seed,
        progress_bar=not command.no_progress,
        setup_prompt=settings.start != "given",
        cascade=CascadeConfig(settings.top_k, settings.margin, settings.validate_top),
    )
    try:
        llm = LLMConfig.from_env(
            model=settings.model,
            temperature=settings.temperature,
            max_total_tokens=settings.max_total_tokens,
            max_retries=settings.max_retries,
            request_timeout_s=settings.request_timeout_s,
        )
    except ValueError as error:
        raise LangPropDriveError(f"LLM settings: {error}") from None
    trainer = Trainer(
        driving_task(settings.training_mode),
        out,
        config,
        llm,
        SandboxConfig(call_timeout_s=settings.call_timeout_s),
        given_sources=[] if settings.start == "zero-shot" else given,
        scorer=_scorer(settings, out, not command.no_progress),
    )
    result = trainer.fit(data.train, data.validation)
    if result.best_validation is not None:
        verdict = f"validation DS {result.best_validation:.2f}"
    else:
        verdict = "priority " + ("none" if result.best_priority is None else f"{result.best_priority:.4f}")
    print(
        f"train: {result.stop_reason} at step {result.step} of {run.target_step}; best {result.best_id} "
        f"({verdict}), {result.total_tokens} tokens"
    )
    print(_plot(out))
    if result.stop_reason.failed:
        print(f"langprop-drive: error: training stopped: {result.message}", file=sys.stderr)
        return 1
    print(f"checkpoint: {out}  (drive it: langprop-drive evaluate --policy {out})")
    return 0
