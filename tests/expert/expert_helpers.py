"""Helpers of the expert tests: hand-built observation dicts (a test double of the observation
builder's output), the smoke routes, and a closed-loop driver (observation -> Expert -> controller).

Frames: observation dicts are in the ego frame of docs/observation.md (x forward, y LEFT,
angles counter-clockwise); world poses are CARLA's (x east, y south, yaw clockwise).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass, field

from expert import Expert, ExpertDecision
from leaderboard_adapter.control import VehicleController
from leaderboard_adapter.criteria.criteria_set import RouteCriteria, RouteStatus
from leaderboard_adapter.embedded import EmbeddedWorld, WorldConfig
from leaderboard_adapter.evaluator.planned_run import PlannedRun, plan_runs
from leaderboard_adapter.evaluator.route_sets import resolve_routes
from leaderboard_adapter.observation import ObservationBuilder
from leaderboard_adapter.scoring import InfractionEvent, InfractionType
from leaderboard_adapter.world_view import Pose2D

EGO_LENGTH_M = 4.9
EGO_WIDTH_M = 2.12
"""The Lincoln MKZ's full extents [m], as the observation reports them."""

EMPTY = WorldConfig().with_counts(0, 0)
"""No NPC vehicles and no pedestrians (scenes add only the actors they need)."""

LIGHTS_ROUTE = 0
"""Smoke route 0: EmbeddedGrid, 178 m north through a signalised junction, a left turn, 55 m west."""
STOPS_ROUTE = 1
"""Smoke route 1: EmbeddedStops, west through a stop-controlled junction."""


# ---------------------------------------------------------------- hand-built observations (test double)
def route_points(
    shape: Callable[[float], tuple[float, float]], count: int = 25, spacing_m: float = 2.0
) -> list[dict]:
    """Observation route points at distance_m = spacing, 2 spacing, ... placed by `shape(s) -> (x_m, y_m)` (ego frame)."""
    points = []
    for k in range(1, count + 1):
        s = k * spacing_m
        x, y = shape(s)
        points.append(
            {"x_m": x, "y_m": y, "distance_m": s, "road_option": "LANEFOLLOW", "in_junction": False}
        )
    return points


def straight(s: float) -> tuple[float, float]:
    """A straight route ahead."""
    return s, 0.0


def arc(
    radius_m: float, straight_m: float = 0.0, left: bool = True
) -> Callable[[float], tuple[float, float]]:
    """A route going straight for `straight_m` then turning on a circle of `radius_m` (left, or right)."""
    side = 1.0 if left else -1.0

    def shape(s: float) -> tuple[float, float]:
        if s <= straight_m:
            return s, 0.0
        a = (s - straight_m) / radius_m
        return straight_m + radius_m * math.sin(a), side * radius_m * (1.0 - math.cos(a))

    return shape


def actor_record(
    actor_id: int,
    x_m: float,
    y_m: float,
    heading_deg: float = 0.0,
    vx_mps: float = 0.0,
    vy_mps: float = 0.0,
    length_m: float = 4.5,
    width_m: float = 1.9,
) -> dict:
    """One entry of `vehicles` or `pedestrians` (ego frame)."""
    return {
        "id": actor_id,
        "x_m": x_m,
        "y_m": y_m,
        "heading_deg": heading_deg,
        "vx_mps": vx_mps,
        "vy_mps": vy_mps,
        "speed_mps": math.hypot(vx_mps, vy_mps),
        "length_m": length_m,
        "width_m": width_m,
        "distance_m": math.hypot(x_m, y_m),
    }


def pedestrian_record(
    actor_id: int, x_m: float, y_m: float, vx_mps: float = 0.0, vy_mps: float = 0.0
) -> dict:
    """A pedestrian (0.5 x 0.5 m) heading where it walks (ego frame)."""
    heading = math.degrees(math.atan2(vy_mps, vx_mps)) if (vx_mps or vy_mps) else 0.0
    return actor_record(actor_id, x_m, y_m, heading, vx_mps, vy_mps, 0.5, 0.5)


def observation_double(
    points: list[dict] | None = None,
    speed_mps: float = 0.0,
    speed_limit_mps: float = 13.89,
    vehicles: list[dict] | None = None,
    pedestrians: list[dict] | None = None,
    traffic_light: dict | None = None,
    stop_sign: dict | None = None,
) -> dict:
    """A hand-built observation dict following docs/observation.md (a test double, not the builder's output):
    the ego drives straight along its route at `speed_mps`; no junction."""
    points = points if points is not None else route_points(straight)
    return {
        "schema_version": 1,
        "time_s": 10.0,
        "ego": {
            "x_m": 100.0,
            "y_m": -200.0,
            "yaw_deg": -90.0,
            "speed_mps": speed_mps,
            "vx_mps": speed_mps,
            "vy_mps": 0.0,
            "accel_mps2": 0.0,
            "lateral_accel_mps2": 0.0,
            "yaw_rate_dps": 0.0,
            "length_m": EGO_LENGTH_M,
            "width_m": EGO_WIDTH_M,
            "standing_s": 0.0,
        },
        "route": {
            "points": points,
            "distance_to_end_m": 500.0,
            "speed_limit_mps": speed_limit_mps,
            "in_junction": False,
            "junction_ahead": False,
            "distance_to_junction_m": None,
        },
        "vehicles": list(vehicles or []),
        "pedestrians": list(pedestrians or []),
        "traffic_light": traffic_light,
        "stop_sign": stop_sign,
    }


# ---------------------------------------------------------------- closed loop in the embedded world
@functools.lru_cache(maxsize=2)
def smoke_run(route_id: int) -> PlannedRun:
    """A route of embedded_smoke.xml, planned as the evaluator plans it (cached: towns load once)."""
    (run,) = plan_runs(resolve_routes("embedded_smoke"), str(route_id), 1, None, None)
    return run


def smoke_world(route_id: int, config: WorldConfig = EMPTY, seed: int = 0) -> EmbeddedWorld:
    """A fresh embedded world on a smoke route."""
    run = smoke_run(route_id)
    return EmbeddedWorld(
        run.town.map, run.town.lane_graph, run.points, config, seed, run.town.speed_limits_mps
    )


@dataclass
class Tick:
    """What one closed-loop tick saw and did: the observation before the tick and the expert's decision."""

    observation: dict
    decision: ExpertDecision


@dataclass
class ExpertDriver:
    """Drives a world with ObservationBuilder + Expert + VehicleController and scores it with RouteCriteria (2.1)."""

    world: EmbeddedWorld
    expert: Expert = field(default_factory=Expert)
    version: str = "2.1"

    def __post_init__(self) -> None:
        self.builder = ObservationBuilder(self.world)
        self.controller = VehicleController()
        self.criteria = RouteCriteria.from_view(self.world, self.version)
        self.status = RouteStatus.RUNNING
        self.ticks: list[Tick] = []

    def step(self) -> Tick:
        """Observe, decide, control, tick the world, update the criteria."""
        obs = self.builder.build(self.world)
        decision = self.expert.act(obs)
        self.world.tick(self.controller.control(decision.action, obs["ego"]["speed_mps"]))
        self.status = self.criteria.update(self.world).status
        tick = Tick(obs, decision)
        self.ticks.append(tick)
        return tick

    def drive(self, until: Callable[[ExpertDriver], bool], max_ticks: int) -> bool:
        """Step until `until(self)` holds after a tick (True), the route ends or `max_ticks` pass (False)."""
        for _ in range(max_ticks):
            self.step()
            if until(self):
                return True
            if self.status is not RouteStatus.RUNNING:
                return False
        return False

    @property
    def speed_mps(self) -> float:
        hero = self.world.hero()
        return math.hypot(hero.vx_mps, hero.vy_mps)

    def events(self, *kinds: InfractionType) -> list[InfractionEvent]:
        """The criteria's events so far, of the given kinds (all when none given)."""
        return [e for e in self.criteria.events if not kinds or e.type in kinds]


COLLISIONS = (
    InfractionType.COLLISION_PEDESTRIAN,
    InfractionType.COLLISION_VEHICLE,
    InfractionType.COLLISION_STATIC,
)


def bumper_to_line_m(world: EmbeddedWorld, line: Pose2D) -> float:
    """Distance [m] from the ego's front bumper to a stop-line pose, along the pose's direction (straight approach);
    positive before the line. World frame, computed from the ego's pose (not from the observation)."""
    hero = world.hero()
    yaw = math.radians(hero.yaw_deg)
    fx = hero.x_m + 0.5 * hero.length_m * math.cos(yaw)
    fy = hero.y_m + 0.5 * hero.length_m * math.sin(yaw)
    pyaw = math.radians(line.yaw_deg)
    return (line.x_m - fx) * math.cos(pyaw) + (line.y_m - fy) * math.sin(pyaw)


def stop_line_on_route(infos, signal_id: int, route_xy: tuple[float, float]) -> Pose2D:
    """The stop-line pose of signal `signal_id` nearest a route point (x, y) (world frame)."""
    info = next(i for i in infos if i.id == signal_id)
    return min(info.stop_line, key=lambda p: math.hypot(p.x_m - route_xy[0], p.y_m - route_xy[1]))
