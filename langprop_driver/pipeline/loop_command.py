"""`langprop-drive loop`, `loop-train` and `loop-evaluate`: the DAgger loop of LangProp as one resumable command
(scripts/collect.sh), and its train and evaluate steps on their own (scripts/train.sh, scripts/evaluate.sh).

The parsers are built here (light imports only); the steps live in :mod:`.loop_steps`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from langprop_driver.errors import LangPropDriveError
from leaderboard_adapter.carla_mode import CARLA_MODE_HELP, CarlaModeSettings, ResultsState, ResultsStatus
from leaderboard_adapter.carla_mode.process_group import Terminated, sigterm_raises

from .run_folder import LAYOUT, RunFolder, TrainStatus

if TYPE_CHECKING:
    from .command_settings import LoopEvaluateSettings, LoopSettings, LoopTrainSettings
    from .loop_steps import CommandLine, Evaluation, RouteSelection, StepContext

LLM_HELP = """\
Training needs an LLM endpoint: OPENAI_BASE_URL (an OpenAI-compatible server) and/or OPENAI_API_KEY;
OPENAI_MODEL names the default model.
"""

LOOP_DESCRIPTION = """\
The DAgger loop of LangProp (scripts/collect.sh runs this command). For iteration k = 1..K:
  1. collect: the policy of iteration k-1 (--policy for k = 1) drives the routes once per seed with
     agents/dagger_agent.py; the expert labels every frame; shards go to RUN/buffer/iter_k and one
     leaderboard results file per seed to RUN/results/iter_k/collect_seed<s>.json;
  2. train:   `langprop-drive train --policy <policy k-1> --buffer RUN/buffer/iter_1 ... --buffer
     RUN/buffer/iter_k --out RUN/policy/iter_k` (the data of all iterations, aggregated as DAgger does);
  3. evaluate (with --evaluate): the new policy drives --eval-routes; results to RUN/eval/iter_k.json.

Re-running the same command resumes: a phase already finished is skipped (complete results files;
a checkpoint whose state.json step reached its target), a partial collection goes on where it stopped
(`collect --resume`, or the leaderboard's --resume), and training resumes itself.

Run folder:
""" + LAYOUT

EVALUATE_DESCRIPTION = """\
Evaluate a policy (or any leaderboard agent) over routes, in the embedded world or in CARLA
(scripts/evaluate.sh runs this command). Drives routes with agents/langprop_agent.py and policy P (or
the --agent file) and writes the leaderboard's results JSON. Embedded world: `langprop-drive evaluate`.
CARLA mode: the leaderboard evaluator against a CARLA server started here (or CARLA_HOST), restarted
and resumed after a crash (see below). A complete results file is left as it is (--force evaluates
again, keeping the old file aside); a partial one is resumed.
"""

TRAIN_DESCRIPTION = """\
Train a LangProp policy on replay-buffer data (scripts/train.sh runs this command): `langprop-drive
train --policy P --buffer DIR... --out CKPT` with the defaults of a run folder. Scores the policy's
candidates on buffer frames against the expert's labels and infraction penalties, drives the
promising ones over training routes in the embedded world, asks the LLM to rewrite the best, and
writes the checkpoint folder CKPT (state.json, candidates/, training.png). Re-running the same command
resumes it; a larger --updates goes on from where it stopped. No CARLA server is needed.
"""


def _int_at_least(low: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        if not text.strip().isdigit() or int(text) < low:
            raise argparse.ArgumentTypeError(f"must be an integer >= {low}, got {text!r}")
        return int(text)

    return parse


def _fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"must be a number in [0, 1], got {text!r}")
    return value


def _extra_argument(p: argparse.ArgumentParser, command: str) -> None:
    p.add_argument("extra", nargs="*", metavar="-- FLAGS",
                   help=f"after --: more flags for `langprop-drive {command}` (embedded world only)")  # fmt: skip


def _max_restarts_argument(p: argparse.ArgumentParser) -> None:
    p.add_argument("--max-restarts", type=_int_at_least(0), default=None,
                   help="CARLA mode: server restarts per results file before giving up (default: "
                   "CARLA_MAX_RESTARTS, else 5)")  # fmt: skip


def _executor_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--workers", type=_int_at_least(0), default=None,
                   help="embedded world: route runs at once of collect, train's closed loop and evaluate (default: "
                   "theirs, one per core; 0: all cores or, on Ray, the cluster's CPUs)")  # fmt: skip
    p.add_argument("--ray", nargs="?", const="", default=None, metavar="ADDRESS",
                   help="route runs on a Ray cluster (ADDRESS as `ray start --head` printed it; without it RAY_ADDRESS, "
                   "else a Ray instance here); in CARLA mode the servers run as Ray actors, one per GPU "
                   "(CARLA_RAY_GPUS), --servers of them")  # fmt: skip


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """Add `loop`, `loop-train` and `loop-evaluate` to the `langprop-drive` subcommands."""
    raw = argparse.RawDescriptionHelpFormatter
    p = sub.add_parser("loop", help="the DAgger loop (collect -> train -> evaluate per iteration), resumable",
                       description=LOOP_DESCRIPTION, epilog=LLM_HELP + "\n" + CARLA_MODE_HELP, formatter_class=raw,
                       allow_abbrev=False)  # fmt: skip
    p.add_argument("--run-dir", type=Path, default=Path("runs/default"), help="the run's folder (default runs/default)")
    p.add_argument("--iterations", type=_int_at_least(1), default=3,
                   help="DAgger iterations (default 3); raising K later goes on from the last one")  # fmt: skip
    p.add_argument("--policy", default="baseline", help="starting policy: 'baseline' (default), a .py file or a checkpoint folder")
    p.add_argument("--routes", default=None, help="route XML file or bundled route set (default: embedded_training; in "
                   "CARLA mode $LEADERBOARD_ROOT/data/routes_training.xml)")  # fmt: skip
    p.add_argument("--routes-subset", default="", help="e.g. '0', '2-5', '0,3,7' (default: all routes)")
    p.add_argument("--repetitions", type=_int_at_least(1), default=1, help="runs per route and seed (default 1)")
    p.add_argument("--seeds", default="0", help="world seeds, e.g. '0', '0-2', '1,5' (default 0); one results file per seed")
    p.add_argument("--beta", type=_fraction, default=0.0, help="probability per step that the expert drives (default 0.0)")
    p.add_argument("--beta-decay", type=_fraction, default=1.0, help="beta of iteration k is B * D^(k-1) (default 1.0: constant)")
    p.add_argument("--updates", type=_int_at_least(1), default=None, help="training updates per iteration (default: the train config's)")
    p.add_argument("--model", default=None, help="LLM model (default: train config, then OPENAI_MODEL, then gpt-4o-mini)")
    p.add_argument("--train-config", type=Path, default=None, help="training settings (.toml) for `langprop-drive train --config`")
    p.add_argument("--evaluate", action="store_true", help="evaluate each new policy (to RUN/eval/iter_k.json)")
    p.add_argument("--eval-routes", default=None, help="routes of --evaluate (default: --routes)")
    p.add_argument("--eval-routes-subset", default=None,
                   help="(default: --routes-subset when --eval-routes is not given, else all)")  # fmt: skip
    p.add_argument("--collect-only", action="store_true",
                   help="collect, but stop before the first training that is not done (no LLM needed); run again "
                   "without it elsewhere to train, then here to collect the next iteration")  # fmt: skip
    p.add_argument("--servers", type=_int_at_least(1), default=1, help="CARLA mode: servers run at once, one seed each (default 1)")
    _max_restarts_argument(p)
    _executor_arguments(p)
    _extra_argument(p, "collect")

    p = sub.add_parser("loop-evaluate", help="evaluate a policy or agent into a results file, embedded or in CARLA",
                       description=EVALUATE_DESCRIPTION, epilog=CARLA_MODE_HELP, formatter_class=raw,
                       allow_abbrev=False)  # fmt: skip
    p.add_argument("--policy", default=None, help="'baseline', a .py policy file or a checkpoint folder: "
                   "agents/langprop_agent.py (in CARLA with the agent config CHECKPOINT_agent.json beside --checkpoint)")  # fmt: skip
    p.add_argument("-a", "--agent", type=Path, default=None, help="a leaderboard agent file instead (defines get_entry_point())")
    p.add_argument("--agent-config", default="", help="its agent config (default empty)")
    p.add_argument("--routes", default=None, help="route XML file or bundled route set (default: embedded_training; in "
                   "CARLA mode $LEADERBOARD_ROOT/data/routes_training.xml)")  # fmt: skip
    p.add_argument("--routes-subset", default="", help="e.g. '0', '2-5', '0,3,7' (default: all)")
    p.add_argument("--repetitions", type=_int_at_least(1), default=1, help="runs per route (default 1)")
    p.add_argument("--seed", type=_int_at_least(0), default=0, help="world seed (embedded) / traffic-manager seed (CARLA) (default 0)")
    p.add_argument("--checkpoint", type=Path, default=Path("results/simulation_results.json"),
                   help="results JSON (default results/simulation_results.json)")  # fmt: skip
    p.add_argument("--track", default="MAP", choices=["MAP", "SENSORS", "MAP_QUALIFIER", "SENSORS_QUALIFIER"],
                   help="the leaderboard track (default MAP)")  # fmt: skip
    p.add_argument("--force", action="store_true", help="evaluate again even if --checkpoint is complete (the old file is kept aside)")
    p.add_argument("--log-dir", type=Path, default=None, help="CARLA mode: server and evaluator logs (default: beside --checkpoint, logs/)")
    _max_restarts_argument(p)
    _executor_arguments(p)
    _extra_argument(p, "evaluate")

    p = sub.add_parser("loop-train", help="train a policy on a run folder's buffers (LLM endpoint needed)",
                       description=TRAIN_DESCRIPTION, epilog=LLM_HELP, formatter_class=raw,
                       allow_abbrev=False)  # fmt: skip
    p.add_argument("--run-dir", type=Path, default=Path("runs/default"), help="a run folder of `loop` (default runs/default); sets the defaults below")
    p.add_argument("--policy", default="baseline", help="starting policy: 'baseline' (default), a .py file or a checkpoint folder")
    p.add_argument("--buffer", type=Path, action="append", default=None,
                   help="replay-buffer folder, repeatable (default RUN/buffer: every iteration's shards)")  # fmt: skip
    p.add_argument("--out", type=Path, default=None, help="the new checkpoint folder (default RUN/policy/train)")
    p.add_argument("--updates", type=_int_at_least(1), default=None, help="update steps to add to the starting policy (default: the config's)")
    p.add_argument("--model", default=None, help="LLM model (default: config, then OPENAI_MODEL, then gpt-4o-mini)")
    p.add_argument("--config", type=Path, default=None, help="training settings (.toml)")
    _extra_argument(p, "train")


class Say:
    """One line per phase on stdout, prefixed by the command's name and the time of day."""

    def __init__(self, command: str) -> None:
        self.command = command

    def __call__(self, message: str) -> None:
        print(f"[{self.command} {time.strftime('%H:%M:%S')}] {message}", flush=True)


@contextmanager
def _interruptible() -> Iterator[None]:
    """SIGTERM and Ctrl-C end the command through `finally` blocks (servers stopped), as exit 143 / 130."""
    from .loop_steps import StepInterrupted

    try:
        with sigterm_raises():
            yield
    except Terminated as stop:
        raise SystemExit(stop.exit_code) from None
    except KeyboardInterrupt:
        raise SystemExit(130) from None
    except StepInterrupted as stop:
        raise SystemExit(stop.exit_code) from None


def _existing_policy(policy: str) -> None:
    if policy != "baseline" and not Path(policy).exists():
        raise LangPropDriveError(f"--policy {policy}: no such file or folder (give 'baseline', a .py file or a checkpoint folder)")


def _step_context(settings: LoopSettings | LoopEvaluateSettings, log_dir: Path, cli: CommandLine, servers: int = 1) -> StepContext:
    """The StepContext of CARLA mode (from the environment) or of the embedded world, checked."""
    from .loop_steps import StepContext

    carla = CarlaModeSettings.from_env(os.environ)
    if carla is not None and settings.max_restarts is not None:
        carla = replace(carla, max_restarts=settings.max_restarts)
    return StepContext(carla=carla, log_dir=log_dir, cli=cli, leaderboard_version=os.environ.get("LEADERBOARD_VERSION") or "2.1",
                       progress=sys.stdout.isatty(), extra=tuple(settings.extra), servers=servers, workers=settings.workers,
                       ray=settings.ray)  # fmt: skip


# ----------------------------------------------------------------------------- loop


@dataclass(frozen=True)
class _Loop:
    """A checked `loop` invocation."""

    settings: LoopSettings
    run: RunFolder
    seeds: list[int]
    ctx: StepContext
    say: Say

    def policy_before(self, k: int) -> str:
        return self.settings.policy if k == 1 else str(self.run.checkpoint(k - 1))

    def beta(self, k: int) -> float:
        return self.settings.beta * self.settings.beta_decay ** (k - 1)


def run_loop(settings: LoopSettings, cli: CommandLine) -> int:
    """Run `langprop-drive loop`; the exit code."""
    from .collect_command import parse_seeds
    from .loop_steps import RouteSelection

    _existing_policy(settings.policy)
    if settings.train_config is not None and not settings.train_config.is_file():
        raise LangPropDriveError(f"--train-config {settings.train_config}: no such file")
    seeds = parse_seeds(settings.seeds)
    run = RunFolder(settings.run_dir.resolve())
    ctx = _step_context(settings, run.logs, cli, settings.servers)
    say = Say("loop")
    if ctx.carla is None and settings.servers > 1:
        say("warning: --servers applies to CARLA mode only; the embedded world runs the seeds in turn")
    if ctx.carla is not None and settings.workers is not None:
        say("warning: --workers applies to the embedded world only; CARLA mode runs --servers servers")
    routes = RouteSelection(settings.routes or ctx.default_routes(), settings.routes_subset, settings.repetitions)
    ctx.check_routes(routes)
    if settings.eval_routes is None:
        eval_routes = RouteSelection(routes.routes, settings.eval_routes_subset if settings.eval_routes_subset is not None
                                     else routes.subset)  # fmt: skip
    else:
        eval_routes = RouteSelection(settings.eval_routes, settings.eval_routes_subset or "")
    if settings.evaluate:
        ctx.check_routes(eval_routes)
    loop = _Loop(settings, run, seeds, ctx, say)
    if not settings.collect_only and not all(TrainStatus.of(run.checkpoint(k), settings.updates).done
                                         for k in range(1, settings.iterations + 1)):  # fmt: skip
        from .train_command import require_endpoint

        require_endpoint()  # before anything is collected: training will need it
    run.root.mkdir(parents=True, exist_ok=True)
    with run.command_log.open("a") as log:
        flags = json.dumps(settings.model_dump(mode="json"))
        log.write(f"{time.strftime('%F %T')}  langprop-drive loop {flags}\n")
    mode = ctx.carla.describe() if ctx.carla is not None else "embedded world"
    subset = f" (subset {routes.subset})" if routes.subset else ""
    say(f"run {run.root}: {settings.iterations} iterations, {mode}, routes {routes.routes}{subset}, "
        f"seeds {' '.join(map(str, seeds))}")  # fmt: skip
    with _interruptible():
        for k in range(1, settings.iterations + 1):
            say(f"=== iteration {k} of {settings.iterations}: policy {loop.policy_before(k)}")
            _collect_phase(loop, k, routes)
            if not _train_phase(loop, k):
                return 0
            if settings.evaluate:
                _evaluate_phase(loop, k, eval_routes)
    say(f"done: {settings.iterations} iterations; latest policy {run.checkpoint(settings.iterations)}")
    return 0


def _collect_phase(loop: _Loop, k: int, routes: RouteSelection) -> None:
    from .loop_steps import collect

    run, say = loop.run, loop.say
    statuses = {seed: ResultsStatus.of(run.collect_results(k, seed)) for seed in loop.seeds}
    for seed, status in statuses.items():
        if status.state is ResultsState.FATAL:
            raise LangPropDriveError(f"iteration {k}: {run.collect_results(k, seed)} is {status.text}; move it away "
                                     f"to collect seed {seed} again")  # fmt: skip
    todo = [seed for seed, status in statuses.items() if not status.complete]
    if not todo:
        say(f"iteration {k}: collection done ({len(loop.seeds)} seeds complete in {run.results_dir(k)}), skipped")
        return
    resuming = " (resuming)" if any(statuses[seed].state is ResultsState.PARTIAL for seed in todo) else ""
    policy, beta = loop.policy_before(k), loop.beta(k)
    say(f"iteration {k}: collecting with policy {policy}, beta {beta:g}, seeds {' '.join(map(str, todo))}{resuming}")
    collect(loop.ctx, policy, beta, routes, todo, run.buffer(k), run.results_dir(k), f"iter{k}")
    for seed in loop.seeds:
        status = ResultsStatus.of(run.collect_results(k, seed))
        if not status.complete:
            raise LangPropDriveError(f"iteration {k}: {run.collect_results(k, seed)} is {status.text} after the "
                                     "collection; re-run the same command to resume")  # fmt: skip
    say(f"iteration {k}: collection done -> {run.buffer(k)}")


def _train_phase(loop: _Loop, k: int) -> bool:
    """Train iteration k's policy unless it is done; False when --collect-only stops the loop here."""
    from .loop_steps import TrainRequest, run_command

    settings, run, say = loop.settings, loop.run, loop.say
    out = run.checkpoint(k)
    status = TrainStatus.of(out, settings.updates)
    if status.done:
        say(f"iteration {k}: policy {out} is {status.text}, skipped")
        return True
    if settings.collect_only:
        say(f"iteration {k}: --collect-only: stopping before training (run without --collect-only to train)")
        return False
    policy = loop.policy_before(k)
    resuming = f" (resuming: {status.text})" if status.text != "missing" else ""
    say(f"iteration {k}: training {out} from {policy} on buffers iter_1..iter_{k}{resuming}")
    request = TrainRequest(policy, tuple(run.buffer(i) for i in range(1, k + 1)), out, settings.updates, settings.model,
                           settings.train_config)  # fmt: skip
    run_command(loop.ctx.cli, request.argv(loop.ctx.progress, loop.ctx.executor_flags()), f"iteration {k}")
    say(f"iteration {k}: policy {out} trained ({TrainStatus.of(out, settings.updates).text})")
    return True


def _evaluate_phase(loop: _Loop, k: int, eval_routes: RouteSelection) -> None:
    from .loop_steps import Evaluation

    results = loop.run.evaluation(k)
    evaluation = Evaluation(results, eval_routes, policy=str(loop.run.checkpoint(k)),
                            track=loop.ctx.carla.track if loop.ctx.carla else "MAP")  # fmt: skip
    _evaluate_unless_complete(loop.ctx, evaluation, f"iteration {k}", loop.say, force=False)


def _evaluate_unless_complete(ctx: StepContext, evaluation: Evaluation, name: str, say: Say, force: bool) -> None:
    """Evaluate into `evaluation.results` unless it is complete (with `force`: keep it aside and evaluate
    again); a rejected, invalid or unreadable file is kept aside by `loop-evaluate` (force) and refused by the loop."""
    from .loop_steps import evaluate

    results = evaluation.results
    status = ResultsStatus.of(results)
    if status.complete and not force:
        say(f"{name}: {results} is already {status.text}, skipped (--force evaluates again)")
        return
    if status.state is not ResultsState.MISSING and (status.complete or status.state is ResultsState.FATAL):
        if status.state is ResultsState.FATAL and not force:
            raise LangPropDriveError(f"{name}: {results} is {status.text}; move it away to evaluate again")
        aside = results.with_name(f"{results.stem}.{time.strftime('%Y%m%d-%H%M%S')}{results.suffix}")
        results.rename(aside)
        say(f"{name}: kept the previous {results} ({status.text}) as {aside}")
    who = f"policy {evaluation.policy}" if evaluation.policy is not None else str(evaluation.agent)
    subset = f" (subset {evaluation.selection.subset})" if evaluation.selection.subset else ""
    say(f"{name}: evaluating {who} on {evaluation.selection.routes}{subset} -> {results}")
    status = evaluate(ctx, evaluation, name)
    if not status.complete:
        raise LangPropDriveError(f"{name}: {results} is {status.text} (see the evaluator's output above)")
    say(f"{name}: results {results}: {status.text}")


# ----------------------------------------------------------------------------- loop-evaluate, loop-train


def run_loop_evaluate(settings: LoopEvaluateSettings, cli: CommandLine) -> int:
    """Run `langprop-drive loop-evaluate` (scripts/evaluate.sh); the exit code."""
    from .loop_steps import Evaluation, RouteSelection

    if settings.policy is not None:
        _existing_policy(settings.policy)
        if settings.agent_config:
            raise LangPropDriveError("--agent-config goes with --agent; --policy is the LangProp agent's config")
    if settings.agent is not None and not settings.agent.is_file():
        raise LangPropDriveError(f"--agent {settings.agent}: no such file")
    results = settings.checkpoint.resolve()
    ctx = _step_context(settings, settings.log_dir or results.parent / "logs", cli)
    selection = RouteSelection(settings.routes or ctx.default_routes(), settings.routes_subset, settings.repetitions)
    ctx.check_routes(selection)
    evaluation = Evaluation(results, selection, policy=settings.policy, agent=settings.agent, agent_config=settings.agent_config,
                            seed=settings.seed, track=settings.track)  # fmt: skip
    with _interruptible():
        _evaluate_unless_complete(ctx, evaluation, "evaluate", Say("evaluate"), force=settings.force)
    return 0


def run_loop_train(settings: LoopTrainSettings, cli: CommandLine) -> int:
    """Run `langprop-drive loop-train` (scripts/train.sh); the exit code."""
    from .loop_steps import TrainRequest, run_command
    from .train_command import require_endpoint

    _existing_policy(settings.policy)
    buffers = tuple(settings.buffer or [settings.run_dir / "buffer"])
    for buffer in buffers:
        if not buffer.is_dir():
            raise LangPropDriveError(f"--buffer {buffer}: no such folder (collect data first: scripts/collect.sh)")
    if settings.config is not None and not settings.config.is_file():
        raise LangPropDriveError(f"--config {settings.config}: no such file")
    require_endpoint()
    out = settings.out or settings.run_dir / "policy" / "train"
    say = Say("train")
    say(f"training {out} from {settings.policy} on {' '.join(map(str, buffers))}")
    request = TrainRequest(settings.policy, buffers, out, settings.updates, settings.model, settings.config)
    with _interruptible():
        run_command(cli, request.argv(sys.stdout.isatty(), settings.extra), "train")
    say(f"checkpoint {out}")
    return 0
