"""The driving task's expensive scorer: candidates drive routes in the embedded world; fitness is their DS.

Training runs use the DAgger agent (the candidate drives, the expert labels every step in shadow, a
shard per run goes to ``<run_dir>/online_buffer/<candidate>/<run>/``): their infractions become the
update prompt's closed-loop feedback, and their frames join the training samples (online DAgger).
Validation runs (other routes and seeds, never trained on) use the LangProp agent and record nothing.
Every run is a :class:`~leaderboard_adapter.executor.RouteJob` on the route-run executor (local
processes, or Ray with the `ray` setting; shards come back to this process); a candidate's fitness is
the mean driving score of its runs, with RC, IP and per-kind infraction counts in its summary, and the
records and events of each run in ``<run_dir>/closed_loop/<split>/<candidate>.json``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator
from pydantic.dataclasses import dataclass as checked_dataclass

from data_collection import BufferIndex, PrioritizedSampler, Shard, ShardFormatError, read_shard
from langprop_driver.agent_paths import DAGGER_AGENT, LANGPROP_AGENT
from langprop_driver.driving import TrainingMode, render_value, samples_from_frames
from langprop_driver.engine import Candidate, Sample
from langprop_driver.engine.checkpoint import candidate_path, write_candidate
from langprop_driver.engine.fitness import Fitness, Split
from langprop_driver.engine.llm_cache import write_json_atomic
from langprop_driver.errors import LangPropDriveError
from langprop_driver.pipeline.evaluate_command import world_config_for
from leaderboard_adapter.evaluator.planned_run import plan_route
from leaderboard_adapter.evaluator.route_runner import AgentSpec
from leaderboard_adapter.evaluator.route_sets import resolve_routes
from leaderboard_adapter.executor import ExecutorSettings, RouteJob, RouteJobResult, executor_for, run_all
from leaderboard_adapter.routes.route_parser import RouteFileError, parse_routes_file

from .drive_feedback import Drive, closed_loop_feedback

ONLINE_BUFFER = "online_buffer"
RESULTS_DIR = "closed_loop"


def _some_seeds(seeds: tuple[int, ...]) -> tuple[int, ...]:
    if not seeds:  # a LangPropDriveError is no ValueError: pydantic lets it through as it is
        raise LangPropDriveError("closed-loop settings: a split needs at least one seed")
    return seeds


@checked_dataclass(frozen=True)
class RouteSplit:
    """The runs of one split: routes (a subset of the routes file, the leaderboard's syntax) and seeds."""

    routes: str
    seeds: Annotated[tuple[int, ...], AfterValidator(_some_seeds)]


@dataclass(frozen=True)
class ClosedLoopConfig:
    """What the candidates drive and how.

    The default training and validation routes of ``embedded_training`` share no route and no seed;
    each covers every bundled town and their speed limits from 30 km/h streets to the arterial's
    60 km/h (EmbeddedGrid's avenues: 50), so a policy that fails on the fast arterial cannot slip
    through validation.
    """

    routes_file: str = "embedded_training"
    train: RouteSplit = field(default_factory=lambda: RouteSplit("0,1,8,9,16,17", (11,)))
    validation: RouteSplit = field(default_factory=lambda: RouteSplit("2,3,10,11,18,19", (101,)))
    leaderboard_version: str = "2.1"
    vehicles: int | None = None
    walkers: int | None = None
    town_dir: str | None = None
    workers: int = 0
    """Route runs at once; 0: one per core (on Ray: the cluster's CPUs)."""
    ray: str | None = None
    """None: local worker processes (unless RAY_ADDRESS is set); "": Ray at RAY_ADDRESS or on this machine;
    else the Ray cluster's address."""
    step_timeout_s: float = 0.2
    """The agent's limit per policy call [s]."""
    mode: str = "dagger_penalty"
    """The training mode the visited frames become samples for (see TrainingMode)."""
    online_samples: int = 256
    """Visited frames drawn (prioritised, with replacement) into the training samples; 0: none."""
    infraction_weight: float = 100.0
    lookahead_s: float = 2.0
    feedback_chars: int = 12000
    """Budget of the closed-loop feedback in one update prompt [characters]."""
    progress: bool = True

    def split(self, name: Split) -> RouteSplit:
        return self.train if name == "train" else self.validation


def _route_ids(routes_file: Path, subset: str) -> list[str]:
    try:
        return [route.id for route in parse_routes_file(routes_file, subset)]
    except (RouteFileError, OSError, ValueError) as error:
        raise LangPropDriveError(f"closed-loop routes: {error}") from error


class DrivingScorer:
    """The :class:`~langprop_driver.engine.fitness.ExpensiveScorer` of the driving task (see the module doc)."""

    def __init__(self, run_dir: str | Path, config: ClosedLoopConfig | None = None) -> None:
        self.run_dir = Path(run_dir)
        self.config = config = config or ClosedLoopConfig()
        self.routes_file = resolve_routes(config.routes_file).resolve()
        self._routes = {name: _route_ids(self.routes_file, config.split(name).routes) for name in ("train", "validation")}
        shared = set(self._routes["train"]) & set(self._routes["validation"])
        if shared and set(config.train.seeds) & set(config.validation.seeds):
            raise LangPropDriveError(
                f"closed-loop settings: validation must be runs training never drives; routes {sorted(shared)} "
                "are in both splits with a shared seed"
            )
        town_dir = Path(config.town_dir) if config.town_dir else None
        for route_id in sorted({*self._routes["train"], *self._routes["validation"]}):  # errors before any run
            planning_error = plan_route(self.routes_file, route_id, town_dir).planning_error
            if planning_error:
                raise LangPropDriveError(f"closed-loop routes: {planning_error}")
        self._world = world_config_for(config.vehicles, config.walkers)
        self.key = self._key()
        # a failing candidate's per-step warnings are in its records: only errors of the runs reach the log
        self._executor = executor_for(ExecutorSettings(config.workers, config.ray, log_level=logging.ERROR))
        self._visited: tuple[tuple[str, ...], list[Sample]] | None = None

    def _key(self) -> str:
        described = {**asdict(self.config), "routes_file": hashlib.sha256(self.routes_file.read_bytes()).hexdigest()}
        for unused in ("workers", "ray", "progress", "feedback_chars", "online_samples", "infraction_weight", "lookahead_s"):
            described.pop(unused)
        return hashlib.sha256(json.dumps(described, sort_keys=True).encode()).hexdigest()[:16]

    # -- runs ---------------------------------------------------------------------------------

    def _jobs(self, candidate: Candidate, split: Split) -> list[RouteJob]:
        write_candidate(self.run_dir, candidate)
        policy = str(candidate_path(self.run_dir, candidate.id).resolve())
        jobs = []
        for seed in self.config.split(split).seeds:
            for route_id in self._routes[split]:
                name = f"RouteScenario_{route_id}_s{seed}"
                folder = self.run_dir / RESULTS_DIR / split / candidate.id / name
                buffer = self.run_dir / ONLINE_BUFFER / candidate.id / name
                for stale in (folder, buffer):  # a run cut off before is driven again from scratch
                    shutil.rmtree(stale, ignore_errors=True)
                folder.mkdir(parents=True)
                agent_config = {"policy": policy, "step_timeout_s": self.config.step_timeout_s}
                if split == "train":
                    agent_config.update(beta=0.0, seed=seed)
                config_path, config_text = folder / "agent_config.json", json.dumps(agent_config, indent=2) + "\n"
                config_path.write_text(config_text)
                agent_file = DAGGER_AGENT if split == "train" else LANGPROP_AGENT
                version = self.config.leaderboard_version
                jobs.append(RouteJob(
                    str(self.routes_file), route_id, seed, AgentSpec(agent_file, str(config_path.resolve()), version, "MAP"),
                    self._world, version, town_dir=self.config.town_dir,
                    output_dir=str(buffer.resolve()) if split == "train" else None, agent_config_text=config_text,
                ))  # fmt: skip
        return jobs

    def score(self, candidates: Sequence[Candidate], split: Split) -> dict[str, Fitness]:
        """Drive every candidate over the split's runs (all on one pool); its fitness per candidate id."""
        jobs = {c.id: self._jobs(c, split) for c in candidates}
        flat = [job for cid in jobs for job in jobs[cid]]
        desc = f"closed loop ({split}, {len(candidates)} candidate(s))"
        results = iter(run_all(self._executor, flat, self.config.progress, desc))
        fitness = {}
        for cid, candidate_jobs in jobs.items():
            mine = [next(results) for _ in candidate_jobs]
            self._write_results(cid, split, mine)
            fitness[cid] = self._fitness(cid, split, mine)
        return fitness

    def _write_results(self, cid: str, split: Split, results: list[RouteJobResult]) -> None:
        folder = self.run_dir / RESULTS_DIR / split
        folder.mkdir(parents=True, exist_ok=True)
        runs = [{"run": r.job.name, "town": r.town, "record": r.record, "events": list(r.events)} for r in results]
        write_json_atomic(folder / f"{cid}.json", {"candidate": cid, "split": split, "key": self.key, "runs": runs})

    def _fitness(self, cid: str, split: Split, results: list[RouteJobResult]) -> Fitness:
        n = len(results)
        kinds: Counter[str] = Counter()
        for r in results:
            kinds.update({k: len(v) for k, v in r.record["infractions"].items() if v})
        ds = sum(r.driving_score for r in results) / n
        summary: dict[str, float | str] = {
            "rc": sum(float(r.record["scores"]["score_route"]) for r in results) / n,
            "ip": sum(float(r.record["scores"]["score_penalty"]) for r in results) / n,
            "completed": sum(r.record["status"] in ("Perfect", "Completed") for r in results),
            **{f"n_{kind}": float(count) for kind, count in sorted(kinds.items())},
        }
        feedback = ""
        if split == "train":
            drives = [Drive(r, self._shard(cid, r)) for r in results]
            feedback = closed_loop_feedback(drives, render_value, self.config.feedback_chars)
        return Fitness(ds, n, summary, feedback)

    def _shard(self, cid: str, result: RouteJobResult) -> Shard | None:
        folder = self.run_dir / ONLINE_BUFFER / cid / result.job.name
        shards = sorted(folder.glob("*.shard.jsonl*"))
        try:
            return read_shard(shards[0]) if shards else None
        except ShardFormatError:
            return None

    # -- online DAgger -------------------------------------------------------------------------

    def visited_samples(self) -> list[Sample]:
        """Up to ``online_samples`` labelled frames of every training drive so far (prioritised: frames before
        an infraction weigh ``infraction_weight``), the same for the same shards."""
        folder = self.run_dir / ONLINE_BUFFER
        if self.config.online_samples == 0 or not folder.is_dir():
            return []
        shards = tuple(sorted(str(p.relative_to(folder)) for p in folder.rglob("*.shard.jsonl*")))
        if self._visited is not None and self._visited[0] == shards:
            return self._visited[1]
        try:
            index = BufferIndex.scan(folder, lookahead_s=self.config.lookahead_s)
        except ShardFormatError as error:
            raise LangPropDriveError(f"online buffer {folder}: {error}") from None
        mode = TrainingMode.parse(self.config.mode)
        samples: list[Sample] = []
        if index.frames:
            refs = PrioritizedSampler(index, self.config.infraction_weight, 0).sample(self.config.online_samples)
            samples = samples_from_frames([index.load(ref) for ref in refs], mode)
        self._visited = (shards, samples)
        return samples

    def close(self) -> None:
        self._executor.close()
