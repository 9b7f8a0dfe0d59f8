"""Where a replay comes from: the route run, the infraction and the driver, read from a buffer shard or a
results file (with the flags that repeat the evaluation), for `langprop-drive replay`.

A shard names its run itself: the DAgger agent writes the evaluation's seed, the run's index and
repetition, the routes file, the NPC counts and its own settings into the header (`extra`). A results
file names only the record: the routes, seed, counts and leaderboard version come from the flags, and
must be the evaluation's.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from data_collection import ShardFormatError, ShardHeader, read_shard
from langprop_driver.agent_runtime.config import AgentConfig, AgentConfigError, absolute_policy
from langprop_driver.agent_runtime.policy_source import resolve_policy
from langprop_driver.errors import LangPropDriveError
from langprop_driver.pipeline.command_settings import ReplaySettings
from langprop_driver.pipeline.evaluate_command import world_config_for
from leaderboard_adapter.evaluator.planned_run import PlannedRun, plan_runs
from leaderboard_adapter.evaluator.route_runner import world_seed
from leaderboard_adapter.evaluator.route_sets import resolve_routes
from leaderboard_adapter.infraction_feed import MARKING_KINDS
from leaderboard_adapter.replay import EvaluatedRun, find_infraction
from leaderboard_adapter.replay.infraction_ref import check_kind, message_actor
from leaderboard_adapter.scoring import InfractionType

_RECORD_ID = re.compile(r"RouteScenario_(.+)_rep(\d+)")
"""A results record's route id: the route's id in the XML and the repetition."""
_VERSIONS = ("1.0", "2.0", "2.1")


@dataclass(frozen=True)
class Driver:
    """The DAgger agent's settings that decide how it drives.

    `policy`: "baseline" or an absolute path (a `.py` file or a checkpoint folder); `candidate`: a
    checkpoint candidate id (None: the best); `beta`: probability per step that the expert drives,
    drawn from a generator seeded with `agent_seed`; `step_timeout_s`: wall-clock limit of a policy call [s].
    """

    policy: str
    candidate: str | None = None
    beta: float = 0.0
    agent_seed: int = 0
    step_timeout_s: float = AgentConfig.step_timeout_s

    def version(self, origin: str) -> str:
        """The policy's name as the buffer writes it (`baseline`, `file:<path>`, `ckpt:<dir>@<id>`); raises
        LangPropDriveError starting with `origin` (where the policy was named) when it does not exist."""
        try:
            config = AgentConfig.from_dict(
                {"policy": self.policy, "candidate": self.candidate, "step_timeout_s": self.step_timeout_s}
            )
            return resolve_policy(config).version
        except AgentConfigError as error:
            raise LangPropDriveError(f"{origin}: {error}") from None


@dataclass(frozen=True)
class ReplayTarget:
    """One recorded infraction and how to re-drive the run it happened in.

    `source`: where it was read ("shard <path>" or "results <path>"); `message`: its leaderboard message;
    `time_s`: its game time [s] (known from a shard only); `xy_m`: its place, CARLA world frame [m],
    when the record says; `actor_id`: the other actor's id the message names (the collided actor, the
    light, the stop sign), None when it names none.
    """

    evaluated: EvaluatedRun
    kind: str
    occurrence: int
    driver: Driver
    source: str
    message: str
    time_s: float | None
    xy_m: tuple[float, float] | None
    actor_id: int | None


def target_of(settings: ReplaySettings) -> ReplayTarget:
    """The infraction `--shard` or `--results`/`--route-id` names (the parser makes them exclusive)."""
    check_kind(settings.kind)
    if settings.occurrence < 0:
        raise LangPropDriveError(f"--occurrence must be >= 0 (0 is the first), got {settings.occurrence}")
    return _from_shard(settings) if settings.shard is not None else _from_results(settings)


def _from_results(settings: ReplaySettings) -> ReplayTarget:
    if settings.route_id is None:
        raise LangPropDriveError(
            "--results needs --route-id: the record to replay, e.g. RouteScenario_0_rep0"
        )
    if settings.policy is None:
        raise LangPropDriveError(
            "--results needs --policy: the policy that drove the evaluation (a .py file, a checkpoint folder "
            "or 'baseline'); a results file does not name it"
        )
    if not 0.0 <= settings.beta <= 1.0:
        raise LangPropDriveError(f"--beta is a probability in [0, 1], got {settings.beta}")
    ref = find_infraction(settings.results, settings.route_id, settings.kind, settings.occurrence)
    run = _planned_run(resolve_routes(settings.routes), ref.route_id, ref.record_index, settings.town_dir, settings.xodr)
    world = world_config_for(settings.vehicles, settings.walkers)
    evaluated = EvaluatedRun(run, settings.seed, world, settings.leaderboard_version)
    driver = Driver(absolute_policy(settings.policy), beta=settings.beta, agent_seed=settings.agent_seed)
    return ReplayTarget(
        evaluated,
        settings.kind,
        settings.occurrence,
        driver,
        f"results {settings.results}",
        ref.message,
        None,
        ref.xy_m,
        ref.actor_id,
    )


def _from_shard(settings: ReplaySettings) -> ReplayTarget:
    if settings.route_id is not None:
        raise LangPropDriveError("--route-id goes with --results; a shard names its run itself")
    if settings.vehicles is not None or settings.walkers is not None:
        raise LangPropDriveError(
            "--vehicles and --walkers go with --results; a shard's header records its world"
        )
    try:
        shard = read_shard(settings.shard)
    except (OSError, ShardFormatError) as error:
        raise LangPropDriveError(f"cannot read shard {str(settings.shard)!r}: {error}") from None
    header, where = shard.header, f"shard {settings.shard}"
    if InfractionType(settings.kind) not in MARKING_KINDS:
        kept = ", ".join(sorted(kind.results_key for kind in MARKING_KINDS))
        raise LangPropDriveError(
            f"{where}: shards do not record {settings.kind!r} infractions (only {kept}); replay it from the "
            f"evaluation's results file (--results)"
        )
    event = _shard_event(shard.events, settings.kind, settings.occurrence, where)
    evaluated = _shard_run(header, where, settings.town_dir, settings.xodr)
    details = event["details"]
    x_m, y_m = details.get("x_m"), details.get("y_m")
    xy_m = (float(x_m), float(y_m)) if isinstance(x_m, int | float) and isinstance(y_m, int | float) else None
    return ReplayTarget(
        evaluated,
        settings.kind,
        settings.occurrence,
        _shard_driver(header, settings.policy, where),
        where,
        event["message"],
        float(event["game_time_s"]),
        xy_m,
        message_actor(event["message"]),
    )


def _shard_event(events: list[dict[str, Any]], kind: str, occurrence: int, where: str) -> dict[str, Any]:
    """The `occurrence`-th event of `kind` in a shard; the error lists the kinds it holds."""
    found = [event for event in events if event["kind"] == kind]
    if not found:
        counts: dict[str, int] = {}
        for event in events:
            counts[event["kind"]] = counts.get(event["kind"], 0) + 1
        has = ", ".join(f"{name} ({n})" for name, n in counts.items()) or "none"
        raise LangPropDriveError(f"{where} has no {kind!r} infraction; its infractions: {has}")
    if occurrence >= len(found):
        raise LangPropDriveError(
            f"{where} has {len(found)} {kind!r} infraction(s) (occurrences 0 to {len(found) - 1}); "
            f"occurrence {occurrence} does not exist"
        )
    return found[occurrence]


def _shard_run(header: ShardHeader, where: str, town_dir: Path | None, xodr: Path | None) -> EvaluatedRun:
    """The run a shard recorded, planned again from its routes file and checked against its world seed."""
    if header.world != "embedded":
        raise LangPropDriveError(
            f"{where} was recorded in a {header.world!r} world: only runs of the embedded world can be re-simulated"
        )
    extra = header.extra
    routes_file = extra.get("routes_file")
    if not isinstance(routes_file, str) or not routes_file:
        raise LangPropDriveError(
            f"{where}: its header names no routes file (extra.routes_file), so its route cannot be planned again; "
            f"replay the infraction from the evaluation's results file (--results) instead"
        )
    counts = [extra.get(key) for key in ("vehicle_count", "walker_count")]
    if not all(isinstance(n, int) and not isinstance(n, bool) for n in counts):
        raise LangPropDriveError(
            f"{where}: its header does not record the NPC counts (extra.vehicle_count, extra.walker_count), "
            f"so its world cannot be rebuilt"
        )
    if header.route_index < 0:
        raise LangPropDriveError(
            f"{where}: its header does not record the run's index, which the replayed agent must see again"
        )
    if header.leaderboard_version not in _VERSIONS:
        raise LangPropDriveError(
            f"{where}: leaderboard version {header.leaderboard_version!r} is not one of {', '.join(_VERSIONS)}"
        )
    run = _planned_run(resolve_routes(routes_file), header.route_id, header.route_index, town_dir, xodr)
    if run.town.name != header.town:
        raise LangPropDriveError(
            f"{where}: route {header.route_id} of {routes_file} is in {run.town.name}, but the shard was "
            f"recorded in {header.town}; the routes file changed"
        )
    derived = world_seed(header.seed, run.route.id, header.repetition)
    if derived != header.world_seed:
        raise LangPropDriveError(
            f"{where}: its world seed {header.world_seed} is not the one the evaluator derives from seed "
            f"{header.seed}, route id {run.route.id!r} and repetition {header.repetition} ({derived}); "
            f"the run was not made by the embedded evaluator and cannot be repeated"
        )
    world = world_config_for(*counts)
    return EvaluatedRun(run, header.seed, world, header.leaderboard_version)


def _shard_driver(header: ShardHeader, policy: str | None, where: str) -> Driver:
    """The shard's policy and DAgger settings; `policy` (the --policy flag), when given, replaces its policy."""
    extra = header.extra
    agent_seed = extra.get("agent_seed", 0)
    step_timeout_s = extra.get("step_timeout_s", AgentConfig.step_timeout_s)
    if isinstance(agent_seed, bool) or not isinstance(agent_seed, int):
        raise LangPropDriveError(f"{where}: extra.agent_seed must be an int, got {agent_seed!r}")
    if isinstance(step_timeout_s, bool) or not isinstance(step_timeout_s, int | float) or step_timeout_s <= 0:
        raise LangPropDriveError(
            f"{where}: extra.step_timeout_s must be a number > 0, got {step_timeout_s!r}"
        )
    settings = {"beta": header.beta, "agent_seed": agent_seed, "step_timeout_s": float(step_timeout_s)}
    if policy is not None:
        return Driver(absolute_policy(policy), **settings)
    recorded, candidate = extra.get("policy"), extra.get("candidate")
    if not isinstance(recorded, str) or not recorded or not isinstance(candidate, str | None):
        raise LangPropDriveError(f"{where}: its header does not name the policy that drove; pass --policy")
    return Driver(absolute_policy(recorded), candidate, **settings)


def _planned_run(
    routes_file: Path, route_id: str, index: int, town_dir: Path | None, xodr: Path | None
) -> PlannedRun:
    """The run `route_id` (a record id, e.g. RouteScenario_3_rep1) of `routes_file` at position `index` of
    its evaluation (the index the agent was told)."""
    match = _RECORD_ID.fullmatch(route_id)
    if match is None:
        raise LangPropDriveError(
            f"route id {route_id!r} is not a results record id (RouteScenario_<id>_rep<n>)"
        )
    xml_id, repetition = match.group(1), int(match.group(2))
    subset = "" if set(xml_id) & {",", "-", " "} else xml_id  # ids a subset cannot name: plan them all
    runs = [
        run
        for run in plan_runs(routes_file, subset, repetition + 1, town_dir, xodr)
        if run.route_id == route_id
    ]
    if not runs:
        raise LangPropDriveError(f"{routes_file} has no route with id {xml_id!r}")
    return dataclasses.replace(runs[0], index=index)
