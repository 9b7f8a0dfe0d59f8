"""ObservationBuilder: the observation dict of one tick from any WorldView, with the per-route state it needs.

Built once per route (it precomputes the RouteContext), then `build(view)` once per tick in
order: it advances the ego's monotonic route progress and the completed-stop memory. It
reads the world only through the WorldView protocol, so it works on the embedded world and
on a live CARLA alike. The dict's keys, units and frames are documented in docs/observation.md.
"""

from __future__ import annotations

from leaderboard_adapter.world_view import WorldView

from .actors import nearby_actors
from .ego import ego_section
from .frames import EgoFrame
from .progress import RouteProgress
from .rounding import round1
from .route_ahead import RouteAhead
from .route_context import RouteContext
from .schema import OBSERVATION_SCHEMA_VERSION, SIGNAL_CLEARANCE_M, STOPPED_SPEED_MPS
from .signals import UpcomingCrossings, stop_sign_section, traffic_light_section
from .stop_memory import StopMemory


class ObservationBuilder:
    """Turns a WorldView into the observation dict, tick after tick, for one route."""

    def __init__(self, view: WorldView, route_context: RouteContext | None = None):
        self._context = route_context if route_context is not None else RouteContext.from_view(view)
        ctx = self._context
        self._progress = RouteProgress(ctx.x_m, ctx.y_m, ctx.cum_s_m)
        self._route_ahead = RouteAhead(ctx)
        self._lights = UpcomingCrossings(ctx.light_crossings)
        self._stops = UpcomingCrossings(ctx.stop_crossings)
        self._stop_memory = StopMemory()
        self._standing_since_s: float | None = None

    @property
    def route_context(self) -> RouteContext:
        """The per-route precomputation (arc lengths, junction flags, stop-line crossings)."""
        return self._context

    @property
    def progress_index(self) -> int:
        """Index into `view.route()` of the route point nearest the ego (never decreases)."""
        return self._progress.index

    @property
    def progress_m(self) -> float:
        """Arc length of the ego's projection on the route [m]."""
        return self._progress.s_m

    @property
    def stop_memory(self) -> StopMemory:
        """Stop signs the ego has stopped for on this route."""
        return self._stop_memory

    def build(self, view: WorldView) -> dict:
        """The observation of the view's current tick (see docs/observation.md)."""
        hero = view.hero()
        frame = EgoFrame(hero.x_m, hero.y_m, hero.yaw_deg)
        index = self._progress.update(hero.x_m, hero.y_m)
        s_m = self._progress.s_m
        front_m = 0.5 * hero.length_m
        s_front = s_m + front_m
        clear_behind = hero.length_m + SIGNAL_CLEARANCE_M
        speed = hero.speed_mps
        vehicles, pedestrians = nearby_actors(frame, view.actors(), hero.z_m)
        now = view.game_time_s
        if speed >= STOPPED_SPEED_MPS:
            self._standing_since_s = None
        elif self._standing_since_s is None:
            self._standing_since_s = now
        return {
            "schema_version": OBSERVATION_SCHEMA_VERSION,
            "time_s": round1(view.game_time_s),
            "ego": ego_section(hero, frame, now - self._standing_since_s if self._standing_since_s is not None else 0.0),
            "route": self._route_ahead.section(index, s_m, front_m, frame, view.speed_limit_mps()),
            "vehicles": vehicles,
            "pedestrians": pedestrians,
            "traffic_light": traffic_light_section(self._lights, s_front, view.traffic_lights, clear_behind),
            "stop_sign": stop_sign_section(self._stops, s_front, speed, self._stop_memory, clear_behind),
        }
