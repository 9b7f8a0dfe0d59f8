"""Runs one route of one agent in the embedded world, tick by tick, and returns its scored outcome."""

from __future__ import annotations

import hashlib
import logging
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from leaderboard_adapter.autoagents.agent_loader import (
    AgentLoadError,
    AgentRuntimeError,
    AgentSetupError,
    LoadedAgent,
    load_agent,
)
from leaderboard_adapter.autoagents.gps import GeoReference, build_global_plan, dense_route_from_points
from leaderboard_adapter.autoagents.leaderboard_shim import road_option_type
from leaderboard_adapter.autoagents.sensor_interface import SensorConfigurationInvalid
from leaderboard_adapter.criteria.criteria_set import RouteCriteria, RouteStatus
from leaderboard_adapter.embedded.config import WorldConfig
from leaderboard_adapter.embedded.world import EmbeddedWorld
from leaderboard_adapter.privileged import RunInfo, publishing
from leaderboard_adapter.roads.towns import Town
from leaderboard_adapter.routes.route_point import RoutePoint
from leaderboard_adapter.scoring import InfractionEvent, RouteEnding

logger = logging.getLogger(__name__)

_ENDINGS = {
    RouteStatus.COMPLETED: RouteEnding.COMPLETED,
    RouteStatus.DEVIATED: RouteEnding.DEVIATED,
    RouteStatus.BLOCKED: RouteEnding.BLOCKED,
    RouteStatus.ROUTE_TIMEOUT: RouteEnding.ROUTE_TIMEOUT,
}


@dataclass(frozen=True)
class AgentSpec:
    """Which agent to run and how the evaluator constructs it (2.x agents get host, port and debug).

    `convention`: a leaderboard version ("1.0", "2.0", "2.1", "2.x"), see `Convention.parse`.
    """

    path: Path
    config_path: str
    convention: str
    track: str
    host: str = "localhost"
    port: int = 2000
    debug: bool = False


@dataclass(frozen=True)
class RouteOutcome:
    """What one route run produced: events, completion [%], how it ended, and its durations [s].

    `failure_detail`: the agent's or the simulation's error when either crashed, or the agent could not
    be set up ("" otherwise).
    `agent_meta`: what the agent's `route_meta()` reported after driving (see `agent_route_meta`).
    `agent_built`: whether the agent was constructed and set up (its sensors were read).
    """

    events: tuple[InfractionEvent, ...]
    route_completion_percent: float
    target_reached: bool
    ending: RouteEnding
    route_length_m: float
    duration_game_s: float
    duration_system_s: float
    ticks: int
    sensor_types: tuple[str, ...]
    failure_detail: str = ""
    agent_meta: Mapping[str, float | str] = field(default_factory=dict)
    agent_built: bool = False


def simulation_crash_outcome(detail: str, duration_system_s: float = 0.0) -> RouteOutcome:
    """The outcome of a route whose world or scenario could not be built (town missing, planning failed,
    world construction raised): "Failed - Simulation crashed" with the leaderboard's scores for a route
    that never started (RC 0, IP 1, DS 0), no events, route length and game time 0."""
    return RouteOutcome(
        events=(),
        route_completion_percent=0.0,
        target_reached=False,
        ending=RouteEnding.SIMULATION_CRASHED,
        route_length_m=0.0,
        duration_game_s=0.0,
        duration_system_s=duration_system_s,
        ticks=0,
        sensor_types=(),
        failure_detail=detail,
    )


def error_text(error: BaseException) -> str:
    """'<ExceptionType>: <message>' for a failure detail."""
    return f"{type(error).__name__}: {error}"


TickCallback = Callable[[EmbeddedWorld, float], None]
"""Called after every tick with the world and the route completion [%] (progress display)."""


def world_seed(seed: int, route_id: str, repetition: int) -> int:
    """The world seed of one route run, derived from the evaluation's seed, the route's id (its `id`
    attribute in the routes file) and the repetition: not from the route's position, so a route run
    alone (`--routes-subset`) meets the same traffic as in a run of the whole file."""
    route_key = int.from_bytes(hashlib.sha256(route_id.encode()).digest()[:8], "little")
    return int(np.random.SeedSequence([seed, route_key, repetition]).generate_state(1)[0])


def run_route(
    agent_spec: AgentSpec,
    town: Town,
    route: list[RoutePoint],
    world_config: WorldConfig,
    seed: int,
    leaderboard_version: str,
    on_tick: TickCallback | None = None,
    prepare_world: Callable[[EmbeddedWorld], None] | None = None,
    run_info: RunInfo | None = None,
    route_length_m: float | None = None,
) -> RouteOutcome:
    """Drive `route` in a fresh embedded world with a freshly constructed agent.

    Agent failures never escape: a setup failure or invalid sensors end the route as the
    leaderboard does, and an exception in `run_step` ends it as "Agent crashed". Nor do the
    simulation's: a world that cannot be built ends the route before it starts, and an exception
    while the world ticks or the criteria update ends it where it was, both "Simulation crashed"
    (the leaderboard's `FAILURE_MESSAGES["Simulation"]`), scored from the criteria so far.
    KeyboardInterrupt does escape (after the agent is destroyed): the caller keeps what is saved.
    `prepare_world`, when given, sets up a scenario in the fresh world (freeze lights, place actors)
    before the agent is built. `run_info` is published to privileged agents with the world and the
    criteria's infraction events. `route_length_m`: the length the leaderboard scores the route with
    where it is not the dense route's (1.0: the keypoints' straight-line path), see `RouteCriteria`.
    """
    wall_start = time.monotonic()
    try:
        world = EmbeddedWorld(town.map, town.lane_graph, route, world_config, seed, town.speed_limits_mps)
        if prepare_world is not None:
            prepare_world(world)
        criteria = RouteCriteria.from_view(world, leaderboard_version, route_length_m=route_length_m)
        geo = GeoReference(town.lat_ref, town.lon_ref)
        gps_plan, world_plan = build_global_plan(dense_route_from_points(route), geo, road_option_type())
    except Exception as error:  # the leaderboard records a scenario that cannot be loaded as a crash
        logger.exception("the route's world could not be built in %s", town.name)
        return simulation_crash_outcome(error_text(error), time.monotonic() - wall_start)

    def outcome(
        ending: RouteEnding,
        ticks: int,
        sensor_types: tuple[str, ...] = (),
        detail: str = "",
        agent_meta: Mapping[str, float | str] | None = None,
        agent_built: bool = False,
    ) -> RouteOutcome:
        try:
            criteria.finish(world)  # adds the end-of-route events to criteria.events
        except Exception:  # a world that crashed may not answer: score the events so far
            if ending is not RouteEnding.SIMULATION_CRASHED:
                raise
            logger.exception("the criteria could not finish after the simulation crashed")
        return RouteOutcome(
            events=tuple(criteria.events),
            route_completion_percent=criteria.route_completion_percent,
            target_reached=criteria.target_reached,
            ending=ending,
            route_length_m=criteria.route_length_m,
            duration_game_s=world.game_time_s,
            duration_system_s=time.monotonic() - wall_start,
            ticks=ticks,
            sensor_types=sensor_types,
            failure_detail=detail,
            agent_meta=dict(agent_meta or {}),
            agent_built=agent_built,
        )

    with publishing(world, criteria.events, run_info):
        return _load_and_drive(agent_spec, town, world, criteria, gps_plan, world_plan, on_tick, outcome)


def _load_and_drive(
    agent_spec: AgentSpec,
    town: Town,
    world: EmbeddedWorld,
    criteria: RouteCriteria,
    gps_plan: list,
    world_plan: list,
    on_tick: TickCallback | None,
    outcome: Callable[..., RouteOutcome],
) -> RouteOutcome:
    """Build the agent (the world published for privileged agents), drive the route, destroy the agent."""
    try:
        agent = load_agent(
            agent_spec.path,
            convention=agent_spec.convention,
            track=agent_spec.track,
            global_plan_gps=gps_plan,
            global_plan_world_coord=world_plan,
            opendrive=town.xodr,
            config_path=agent_spec.config_path,
            host=agent_spec.host,
            port=agent_spec.port,
            debug=agent_spec.debug,
        )
    except SensorConfigurationInvalid as error:
        logger.error("agent sensors refused: %s", error)
        return outcome(RouteEnding.SENSORS_INVALID, 0, detail=str(error))
    except (AgentSetupError, AgentLoadError) as error:
        logger.error("agent could not be set up: %s", error)
        return outcome(RouteEnding.AGENT_SETUP_FAILED, 0, detail=str(error))

    sensor_types = tuple(str(spec.get("type", "")) for spec in agent.sensor_specs)
    try:
        ending, ticks, detail = _drive(agent, world, criteria, on_tick)
        meta = agent_route_meta(agent.agent)
    finally:
        _destroy_quietly(agent)
    return outcome(ending, ticks, sensor_types, detail, meta, agent_built=True)


RESERVED_META_KEYS = frozenset({"route_length", "duration_game", "duration_system"})
"""The leaderboard's own `meta` keys, which an agent cannot report."""


def agent_route_meta(agent: Any) -> dict[str, float | str]:
    """What the agent reports for the route record's `meta`: its `route_meta()` if it defines one (an
    embedded-evaluator extension; the CARLA leaderboard ignores it), called once after the route ended,
    before `destroy()`. Plain data only: string keys other than the leaderboard's, finite numbers or
    strings; anything else is left out with a warning, and an agent whose `route_meta()` raises
    reports nothing."""
    route_meta = getattr(agent, "route_meta", None)
    if not callable(route_meta):
        return {}
    try:
        reported = route_meta()
    except Exception as error:  # the agent's bug must not lose the route's score
        logger.warning("agent %s: route_meta() raised %s: %s", type(agent).__name__, type(error).__name__, error)
        return {}
    if not isinstance(reported, Mapping):
        logger.warning("agent %s: route_meta() returned %s, not a dict", type(agent).__name__, type(reported).__name__)
        return {}
    meta: dict[str, float | str] = {}
    for key, value in reported.items():
        number = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
        if isinstance(key, str) and key not in RESERVED_META_KEYS and (number or isinstance(value, str)):
            meta[key] = value
        else:
            logger.warning("agent %s: route_meta() entry %r: %r left out", type(agent).__name__, key, value)
    return meta


def _drive(
    agent: LoadedAgent, world: EmbeddedWorld, criteria: RouteCriteria, on_tick: TickCallback | None
) -> tuple[RouteEnding, int, str]:
    """Tick until the criteria end the route, the agent crashes or the simulation raises; (ending, ticks,
    failure detail)."""
    frame = 0
    while True:
        frame += 1
        try:
            control = agent.step(world.hero(), frame, world.config.dt_s)
        except AgentRuntimeError as error:
            logger.error("agent crashed at frame %d: %s", frame, error)
            return RouteEnding.AGENT_CRASHED, frame - 1, str(error)
        except Exception as error:  # the world could not give the agent its inputs
            logger.exception("simulation crashed at frame %d", frame)
            return RouteEnding.SIMULATION_CRASHED, frame - 1, error_text(error)
        try:
            world.tick(control)
            result = criteria.update(world)
        except Exception as error:
            logger.exception("simulation crashed at frame %d", frame)
            return RouteEnding.SIMULATION_CRASHED, frame, error_text(error)
        if on_tick is not None:
            on_tick(world, result.route_completion_percent)
        if result.ended:
            return _ENDINGS[result.status], frame, ""


def _destroy_quietly(agent: LoadedAgent) -> None:
    try:
        agent.destroy()
    except AgentRuntimeError as error:
        logger.warning("%s", error)
