"""The loop's steps: collect, train, evaluate into a results file; in the embedded world through the existing
`langprop-drive` commands (called in this process), or in CARLA through the leaderboard evaluator against
supervised servers (`leaderboard_adapter.carla_mode`): servers started here, or with `--ray` in Ray actors
on the cluster's GPU hosts (`leaderboard_adapter.carla_mode.ray_actors`).

Each embedded step builds the command line of `langprop-drive collect`, `train` or `evaluate` and runs
it with the CLI's own entry point, so the commands' flags (and any added later, such as an executor's)
pass through unchanged.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from pydantic import ConfigDict, model_validator
from pydantic.dataclasses import dataclass as checked_dataclass

from langprop_driver.agent_paths import DAGGER_AGENT, LANGPROP_AGENT
from langprop_driver.agent_runtime.config import AgentConfig, absolute_policy
from langprop_driver.agent_runtime.policy_source import checked_policy
from langprop_driver.errors import LangPropDriveError
from leaderboard_adapter.carla_mode import CarlaModeSettings, LeaderboardJob, ResultsStatus, run_jobs
from leaderboard_adapter.executor.choice import ExecutorSettings

DEFAULT_CARLA_ROUTES = "data/routes_training.xml"
"""CARLA mode's default routes, under LEADERBOARD_ROOT."""


class StepInterrupted(Exception):
    """A step's command was interrupted (Ctrl-C): its exit code is passed on."""

    def __init__(self, exit_code: int) -> None:
        super().__init__(f"interrupted (exit {exit_code})")
        self.exit_code = exit_code


CommandLine = Callable[[list[str]], int]
"""The `langprop-drive` entry point (argv without the program name -> exit code), handed down by the CLI."""


def run_command(cli: CommandLine, argv: Sequence[str], what: str) -> None:
    """Run `langprop-drive ARGV` in this process through `cli`; LangPropDriveError naming `what` if it fails."""
    code = cli(list(argv))
    if code == 130:
        raise StepInterrupted(code)
    if code != 0:
        raise LangPropDriveError(f"{what}: 'langprop-drive {argv[0]}' failed (exit {code}); re-run the same command "
                                 "to resume")  # fmt: skip


@dataclass(frozen=True)
class RouteSelection:
    """Which routes a step drives: a route XML file or bundled set, a subset of ids, runs per route."""

    routes: str
    subset: str = ""
    repetitions: int = 1

    def flags(self) -> list[str]:
        """The `langprop-drive` flags naming these routes."""
        flags = ["--routes", self.routes, "--repetitions", str(self.repetitions)]
        return flags + (["--routes-subset", self.subset] if self.subset else [])


@checked_dataclass(frozen=True, config=ConfigDict(extra="forbid"))
class StepContext:
    """Where steps run: CARLA (`carla` settings) or the embedded world (`leaderboard_version`, `extra` flags)."""

    carla: CarlaModeSettings | None
    log_dir: Path
    """CARLA mode: server and evaluator logs."""
    cli: CommandLine
    """Runs an embedded-world step's `langprop-drive` command line in this process."""
    leaderboard_version: str = "2.1"
    progress: bool = True
    extra: tuple[str, ...] = ()
    """More flags for the embedded world's command (after `--`)."""
    servers: int = 1
    """CARLA mode: servers run at once (with Ray: server actors)."""
    workers: int | None = None
    """The embedded world's route runs at once (`--workers` of collect, train, evaluate); None: theirs."""
    ray: str | None = None
    """`--ray [ADDRESS]` ("": RAY_ADDRESS or a local instance); None: no Ray unless RAY_ADDRESS is set."""

    @model_validator(mode="after")
    def _carla_takes_no_flags(self) -> StepContext:
        if self.carla is not None and self.extra:
            raise LangPropDriveError("extra flags after -- go to the embedded world's command only, not to CARLA mode")
        return self

    def check_routes(self, selection: RouteSelection) -> None:
        """CARLA mode: the routes must be a leaderboard route XML file."""
        if self.carla is not None and not Path(selection.routes).is_file():
            raise LangPropDriveError(f"CARLA mode: --routes must be a leaderboard route XML file, got {selection.routes!r}")

    def default_routes(self) -> str:
        """The routes when none are given: LEADERBOARD_ROOT's training routes in CARLA, else embedded_training."""
        if self.carla is not None:
            return str(self.carla.leaderboard_root / DEFAULT_CARLA_ROUTES)
        return "embedded_training"

    def progress_flags(self) -> list[str]:
        return [] if self.progress else ["--no-progress"]

    def executor_flags(self) -> list[str]:
        """`--workers N` and `--ray[=ADDRESS]` for the embedded world's commands, as given to the loop."""
        flags = [] if self.workers is None else ["--workers", str(self.workers)]
        return flags + ([] if self.ray is None else [f"--ray={self.ray}" if self.ray else "--ray"])

    def run_carla_jobs(self, jobs: Sequence[LeaderboardJob], settings: CarlaModeSettings) -> None:
        """CARLA mode: `jobs` on `servers` servers, in Ray actors when Ray is asked for (`--ray`, RAY_ADDRESS)."""
        if ExecutorSettings(ray=self.ray).uses_ray:
            from leaderboard_adapter.carla_mode.ray_actors import run_jobs_on_ray

            run_jobs_on_ray(jobs, settings, self.log_dir, self.servers, self.ray or None)
        else:
            run_jobs(jobs, settings, self.log_dir, self.servers)


def write_agent_config(path: Path, policy: str, **settings: object) -> str:
    """Write the LangProp/DAgger agent config JSON `{"policy": ..., **settings}` (None settings left out);
    its path. A policy that does not exist or fails the static checks is refused first."""
    policy = absolute_policy(policy)
    checked_policy(AgentConfig(policy=policy))
    config = {"policy": policy, **{key: value for key, value in settings.items() if value is not None}}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(config, indent=2) + "\n")
    return str(path)


def collect(ctx: StepContext, policy: str, beta: float, selection: RouteSelection, seeds: Sequence[int],
            buffer: Path, results_dir: Path, name: str) -> None:
    """DAgger collection of `seeds` with `policy` (the expert drives with probability `beta`): shards to `buffer`,
    `collect_seed<s>.json` to `results_dir`; resumes what is there."""
    buffer.mkdir(parents=True, exist_ok=True)
    results_dir.mkdir(parents=True, exist_ok=True)
    if ctx.carla is None:
        argv = ["collect", "--policy", policy, "--buffer", str(buffer), "--results-dir", str(results_dir),
                *selection.flags(), "--seeds", ",".join(map(str, seeds)), "--beta", f"{beta:g}",
                "--leaderboard-version", ctx.leaderboard_version, "--resume", *ctx.progress_flags(), *ctx.executor_flags(),
                *ctx.extra]  # fmt: skip
        run_command(ctx.cli, argv, name)
        return
    jobs = [
        LeaderboardJob(
            name=f"{name.replace(' ', '')}_seed{seed}",
            results=results_dir / f"collect_seed{seed}.json",
            agent=DAGGER_AGENT,
            agent_config=write_agent_config(results_dir / f"dagger_seed{seed}.json", policy, beta=beta,
                                            buffer_dir=str(buffer.resolve()), seed=seed),  # fmt: skip
            routes=Path(selection.routes),
            routes_subset=selection.subset,
            repetitions=selection.repetitions,
            seed=seed,
        )
        for seed in seeds
    ]
    ctx.run_carla_jobs(jobs, ctx.carla)


@dataclass(frozen=True)
class TrainRequest:
    """One `langprop-drive train`: `policy` trained on `buffers` into `out`."""

    policy: str
    buffers: tuple[Path, ...]
    out: Path
    updates: int | None = None
    model: str | None = None
    config: Path | None = None

    def argv(self, progress: bool, extra: Sequence[str] = ()) -> list[str]:
        argv = ["train", "--policy", self.policy, "--out", str(self.out)]
        for buffer in self.buffers:
            argv += ["--buffer", str(buffer)]
        if self.updates is not None:
            argv += ["--updates", str(self.updates)]
        if self.model is not None:
            argv += ["--model", self.model]
        if self.config is not None:
            argv += ["--config", str(self.config)]
        return argv + ([] if progress else ["--no-progress"]) + list(extra)


@checked_dataclass(frozen=True, config=ConfigDict(extra="forbid"))
class Evaluation:
    """One evaluation into `results`: the LangProp agent with `policy`, or `agent` with `agent_config`."""

    results: Path
    selection: RouteSelection
    policy: str | None = None
    agent: Path | None = None
    agent_config: str = ""
    seed: int = 0
    track: str = "MAP"

    @model_validator(mode="after")
    def _one_agent(self) -> Evaluation:
        if (self.policy is None) == (self.agent is None):
            raise LangPropDriveError("give --policy P (the LangProp agent) or --agent FILE, one of them")
        return self


def evaluate(ctx: StepContext, evaluation: Evaluation, name: str) -> ResultsStatus:
    """Evaluate into `evaluation.results` (resuming a partial file); its status afterwards."""
    results = evaluation.results
    results.parent.mkdir(parents=True, exist_ok=True)
    if ctx.carla is None:
        agent = (["--policy", evaluation.policy] if evaluation.policy is not None
                 else ["--agent", str(evaluation.agent), "--agent-config", evaluation.agent_config])  # fmt: skip
        argv = ["evaluate", *agent, *evaluation.selection.flags(), "--seed", str(evaluation.seed),
                "--checkpoint", str(results), "--track", evaluation.track,
                "--leaderboard-version", ctx.leaderboard_version]  # fmt: skip
        argv += (["--resume"] if results.is_file() else []) + ctx.progress_flags() + ctx.executor_flags()
        argv += list(ctx.extra)
        run_command(ctx.cli, argv, name)
        return ResultsStatus.of(results)
    if evaluation.policy is not None:
        agent_path = LANGPROP_AGENT
        agent_config = write_agent_config(results.with_name(results.stem + "_agent.json"), evaluation.policy)
    else:
        assert evaluation.agent is not None
        agent_path, agent_config = evaluation.agent.resolve(), evaluation.agent_config
    job = LeaderboardJob(
        name=name.replace(" ", ""), results=results, agent=agent_path, agent_config=agent_config,
        routes=Path(evaluation.selection.routes), routes_subset=evaluation.selection.subset,
        repetitions=evaluation.selection.repetitions, seed=evaluation.seed,
    )  # fmt: skip
    ctx.run_carla_jobs([job], replace(ctx.carla, track=evaluation.track))
    return ResultsStatus.of(results)
