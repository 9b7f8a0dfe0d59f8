"""EmbeddedWorld: the WorldView of a CARLA-less world, advanced one fixed step per `tick(control)`.

Step order: ego (then its height: the road under it, see `road_height.py`), traffic lights, NPC vehicles,
walkers. All randomness comes from one
`numpy.random.Generator` seeded at construction, so two worlds built alike and fed the
same controls stay identical. Actor ids: hero 0, vehicles from 1, walkers after them.
"""

from __future__ import annotations

import carla
import numpy as np

from leaderboard_adapter.embedded.config import WorldConfig
from leaderboard_adapter.embedded.ego import LEFT_FIRST, EgoVehicle
from leaderboard_adapter.embedded.junction_conflicts import conflict_matrix
from leaderboard_adapter.embedded.network import DrivingNetwork
from leaderboard_adapter.embedded.road_height import RoadHeight
from leaderboard_adapter.embedded.route_tracker import RouteTracker
from leaderboard_adapter.embedded.sidewalks import SidewalkNetwork
from leaderboard_adapter.embedded.signals import STOP_SIGN_TYPE, TRAFFIC_LIGHT_TYPE, signal_sites
from leaderboard_adapter.embedded.stop_setback import stop_setbacks_m
from leaderboard_adapter.embedded.stop_signs import StopSignSystem
from leaderboard_adapter.embedded.traffic import EgoOnGraph, TrafficFleet
from leaderboard_adapter.embedded.traffic_lights import RED, TrafficLightSystem
from leaderboard_adapter.embedded.walkers import WAIT, WalkerCrowd
from leaderboard_adapter.geometry import box_corners
from leaderboard_adapter.roads.lane_graph import LaneGraph
from leaderboard_adapter.routes.route_point import RoutePoint
from leaderboard_adapter.vehicle_spec import EGO_LENGTH_M, EGO_WIDTH_M
from leaderboard_adapter.world_view import (
    ActorArrays,
    ActorKind,
    ActorState,
    LightState,
    StopSignInfo,
    TrafficLightInfo,
)

HERO_ID = 0


class EmbeddedWorld:
    """A kinematic world on a `carla.Map` implementing `WorldView`, plus `tick` and what scoring needs."""

    def __init__(
        self,
        town_map: carla.Map,
        lane_graph: LaneGraph,
        route: list[RoutePoint],
        config: WorldConfig,
        seed: int,
        speed_limits_mps: dict[int, float] | None = None,
    ):
        if not route:
            raise ValueError("route is empty: the ego spawns at the route's first point")
        self._map = town_map
        self._route = list(route)
        self.config = config
        self.seed = seed
        self._rng = np.random.default_rng(seed)
        self.network = DrivingNetwork(lane_graph, speed_limits_mps, config.max_lateral_accel_mps2)
        conflicts = conflict_matrix(self.network, config.conflict_clearance_m)
        self.conflicts = conflicts
        n_seg = self.network.count
        self.lights = TrafficLightSystem(
            signal_sites(town_map, self.network, TRAFFIC_LIGHT_TYPE), config.lights, n_seg, self._rng
        )
        self.stops = StopSignSystem(signal_sites(town_map, self.network, STOP_SIGN_TYPE), n_seg)
        start = route[0]
        self.ego = EgoVehicle(config.ego, start.x_m, start.y_m, start.z_m, start.yaw_deg)
        self._ego_height = RoadHeight(town_map)
        self.tracker = RouteTracker(route, self.network)
        setbacks = stop_setbacks_m(lane_graph, config.traffic.stop_line_idm.min_gap_m, config.ego)
        self.fleet = TrafficFleet(self.network, conflicts, config.traffic, setbacks)
        self.fleet.spawn_random(config.vehicle_count, self._rng, np.array([start.x_m, start.y_m]))
        self._vehicle_ids = list(range(1, len(self.fleet) + 1))
        needs_walkers = config.walker_count > 0 or config.walkers.ego_crossing_spacing_m > 0
        self.sidewalks = SidewalkNetwork(town_map, self.network) if needs_walkers else None
        self.crowd = WalkerCrowd(self.sidewalks, config.walkers) if self.sidewalks else None
        if self.crowd is not None:
            self.crowd.spawn_random(config.walker_count, self._rng, self.tracker.xy)
            self.crowd.spawn_ego_crossers(
                self.tracker.xy, self.tracker.yaw_deg, self.tracker.cum_s, self.tracker.in_junction, self._rng
            )
        self._walker_base_id = 1_000_000
        self._frame = 0
        self._time_s = 0.0
        self.lights.update(0.0)
        self._cache: dict[str, object] = {}
        self._speed_limit_mps = 0.0
        self._refresh_speed_limit(first=True)

    def _refresh_speed_limit(self, first: bool = False) -> None:
        seg = self.tracker.segment
        if seg < 0:
            seg = int(self.tracker.segment_of_point[self.tracker.index])
        if first or not self.network.is_junction[seg]:
            self._speed_limit_mps = float(self.network.speed_limit_mps[seg])

    # ------------------------------------------------------------------ WorldView
    @property
    def map(self) -> carla.Map:
        return self._map

    @property
    def game_time_s(self) -> float:
        return self._time_s

    @property
    def frame(self) -> int:
        return self._frame

    def hero(self) -> ActorState:
        if "hero" not in self._cache:
            self._cache["hero"] = self.ego.state(HERO_ID)
        return self._cache["hero"]  # type: ignore[return-value]

    def actors(self) -> ActorArrays:
        if "actors" not in self._cache:
            f = self.fleet
            yaw = np.radians(f.yaw_deg)
            parts = [
                (
                    np.asarray(self._vehicle_ids, np.int64),
                    np.full(len(f), int(ActorKind.VEHICLE), np.int8),
                    f.x_m,
                    f.y_m,
                    f.yaw_deg,
                    f.speed_mps * np.cos(yaw),
                    f.speed_mps * np.sin(yaw),
                    f.length_m,
                    f.width_m,
                    f.z_m,
                )
            ]
            w = self.crowd
            if w is not None and len(w):
                p = w.params
                parts.append(
                    (
                        self.walker_ids(),
                        np.full(len(w), int(ActorKind.WALKER), np.int8),
                        w.x_m,
                        w.y_m,
                        w.yaw_deg,
                        w.vx_mps,
                        w.vy_mps,
                        np.full(len(w), p.length_m),
                        np.full(len(w), p.width_m),
                        w.z_m,
                    )
                )
            self._cache["actors"] = ActorArrays(*(np.concatenate(cols) for cols in zip(*parts, strict=True)))
        return self._cache["actors"]  # type: ignore[return-value]

    def traffic_lights(self) -> list[TrafficLightInfo]:
        if "lights" not in self._cache:
            self._cache["lights"] = self.lights.infos()
        return self._cache["lights"]  # type: ignore[return-value]

    def stop_signs(self) -> list[StopSignInfo]:
        return self.stops.infos()

    def route(self) -> list[RoutePoint]:
        return list(self._route)

    def speed_limit_mps(self) -> float:
        """The limit of the last lane outside a junction the hero drove on (as a CARLA vehicle's limit, which
        changes at speed-limit signs only): inside a junction it stays that of the road the hero came from."""
        return self._speed_limit_mps

    # ------------------------------------------------------------------ stepping
    def tick(self, control: carla.VehicleControl) -> None:
        """Advance one fixed step: ego, lights, NPC vehicles, walkers."""
        cfg = self.config
        dt = cfg.dt_s
        ego = self.ego
        ego.step(control, dt)
        ego.z_m = self._ego_height.height_m(ego.x_m, ego.y_m, ego.z_m)
        tracker = self.tracker
        tracker.update(ego.x_m, ego.y_m, ego.yaw_deg)
        self._refresh_speed_limit()
        self._frame += 1
        self._time_s = self._frame * dt
        self.lights.update(self._time_s)
        tp = cfg.traffic
        claim = tracker.junction_claim(
            ego.speed_mps,
            0.5 * cfg.ego.length_m,
            tp.vehicle_idm.comfort_decel_mps2,
            tp.claim_margin_m,
            tp.stop_distance_m,
        )
        if claim >= 0 and self.lights.segment_state[claim] == RED:
            claim = -1  # waiting at a red light holds no right of way
        ego_info = EgoOnGraph(
            ego.x_m,
            ego.y_m,
            ego.yaw_deg,
            ego.speed_mps,
            cfg.ego.length_m,
            cfg.ego.width_m,
            tracker.segment,
            tracker.s_m,
            claim,
            ego.z_m,
        )
        w = self.crowd
        if w is not None and len(w):
            # walkers waiting for the ego stand on the sidewalk until it comes: NPCs do not wait for them
            # (a waiting walker at a junction corner would otherwise hold turning traffic, and the ego behind it)
            moving = w.mode != WAIT
            walker_xy = np.stack([w.x_m[moving], w.y_m[moving]], axis=1)
            walker_v = np.stack([w.vx_mps[moving], w.vy_mps[moving]], axis=1)
        else:
            walker_xy = walker_v = np.zeros((0, 2))
        self.fleet.step(
            dt,
            ego_info,
            walker_xy,
            walker_v,
            self.lights.segment_state,
            self.stops.segment_has_stop,
            self._rng,
        )
        if w is not None and len(w):
            vehicles_xy = np.concatenate(
                [np.stack([self.fleet.x_m, self.fleet.y_m], axis=1), [[ego.x_m, ego.y_m]]]
            )
            w.step(dt, self._rng, vehicles_xy, tracker.progress_m, ego.speed_mps)
        self._cache.clear()

    # ------------------------------------------------------------------ extras for scoring, scenarios, replays
    @property
    def last_control(self) -> carla.VehicleControl:
        """The control applied at the last tick, clamped to its valid ranges."""
        return self.ego.last_control

    @property
    def route_progress_m(self) -> float:
        """The ego's arc length along its route [m] (projection on the nearest route point)."""
        return self.tracker.progress_m

    @property
    def route_index(self) -> int:
        """Index of the route point nearest the ego."""
        return self.tracker.index

    def hero_lane(self) -> tuple[int, float] | None:
        """The ego's (LaneGraph segment, arc length [m]), or None when it is off the driving lanes."""
        if self.tracker.segment < 0:
            return None
        return self.tracker.segment, self.tracker.s_m

    def hero_corners(self) -> np.ndarray:
        """(4, 2) ego box corners [m]: front-left, front-right, rear-right, rear-left."""
        return self.ego.corners()

    def actor_corners(self) -> np.ndarray:
        """(N, 4, 2) box corners of `actors()`, same order."""
        a = self.actors()
        return box_corners(a.x_m, a.y_m, np.radians(a.yaw_deg), a.length_m, a.width_m)[:, LEFT_FIRST]

    def actor_z_m(self) -> np.ndarray:
        """(N,) heights [m] of `actors()`, same order: the road (vehicles) or sidewalk (walkers) under each."""
        w = self.crowd
        walkers = w.z_m if w is not None and len(w) else np.zeros(0)
        return np.concatenate([self.fleet.z_m, walkers])

    def walker_ids(self) -> np.ndarray:
        n = len(self.crowd) if self.crowd is not None else 0
        return self._walker_base_id + np.arange(n, dtype=np.int64)

    def walker_modes(self) -> np.ndarray:
        """Per walker (order of `walker_ids`): 0 walking on a sidewalk, 1 crossing a road, 2 waiting for the ego."""
        return self.crowd.mode.copy() if self.crowd is not None else np.zeros(0, np.int8)

    def light_state(self, light_id: int) -> LightState:
        for info in self.traffic_lights():
            if info.id == light_id:
                return info.state
        raise KeyError(f"no traffic light with id {light_id}")

    def freeze_light(self, light_id: int, state: LightState | None) -> None:
        """Pin a light to `state` (None: cycle again), as `carla.TrafficLight.freeze`; applies now."""
        self.lights.freeze(light_id, state)
        self.lights.update(self._time_s)
        self._cache.clear()

    def spawn_vehicle(
        self,
        segment: int,
        s_m: float,
        speed_mps: float = 0.0,
        speed_factor: float = 1.0,
        size_m: tuple[float, float] = (EGO_LENGTH_M, EGO_WIDTH_M),
        path: list[int] | None = None,
    ) -> int:
        """Add an NPC at arc length `s_m` of a LaneGraph segment (optionally with its first segments); returns its id."""
        self.fleet.add(segment, s_m, self._rng, speed_mps, speed_factor, size_m, path)
        new_id = max(self._vehicle_ids, default=0) + 1
        self._vehicle_ids.append(new_id)
        self._cache.clear()
        return new_id

    def vehicle_index(self, actor_id: int) -> int:
        """Row of a vehicle id in the fleet arrays (`world.fleet`)."""
        return self._vehicle_ids.index(actor_id)

    def snapshot(self) -> dict:
        """A JSON-able record of the whole state at this tick (for replays and determinism checks)."""
        e = self.ego
        f = self.fleet
        out: dict = {
            "frame": self._frame,
            "game_time_s": self._time_s,
            "hero": {
                "x_m": e.x_m,
                "y_m": e.y_m,
                "z_m": e.z_m,
                "yaw_deg": e.yaw_deg,
                "speed_mps": e.speed_mps,
                "steer_rad": e.steer_rad,
            },
            "vehicles": {
                "ids": list(self._vehicle_ids),
                "x_m": f.x_m.tolist(),
                "y_m": f.y_m.tolist(),
                "z_m": f.z_m.tolist(),
                "yaw_deg": f.yaw_deg.tolist(),
                "speed_mps": f.speed_mps.tolist(),
                "length_m": f.length_m.tolist(),
                "width_m": f.width_m.tolist(),
            },
            "lights": {str(i.id): i.state.value for i in self.traffic_lights()},
        }
        w = self.crowd
        if w is not None:
            out["walkers"] = {
                "ids": self.walker_ids().tolist(),
                "x_m": w.x_m.tolist(),
                "y_m": w.y_m.tolist(),
                "z_m": w.z_m.tolist(),
                "yaw_deg": w.yaw_deg.tolist(),
                "mode": w.mode.tolist(),
            }
        return out
