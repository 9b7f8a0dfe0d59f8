"""The WorldView protocol: privileged ground truth read from the embedded world or a live CARLA.

Frame and units, everywhere in this module: CARLA's world frame, which is left-handed
(x east/forward, y south/right, z up; yaw in degrees, clockwise seen from above,
0 along +x). Distances in metres, speeds in m/s, times in seconds. Lengths and widths
are full extents (bumper to bumper, side to side), never half-extents.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import carla
import numpy as np

from leaderboard_adapter.routes.route_point import RoutePoint


class ActorKind(enum.IntEnum):
    """What an actor is, as stored in `ActorArrays.kinds`."""

    VEHICLE = 0
    WALKER = 1


class LightState(enum.Enum):
    """A traffic light's state (names as `carla.TrafficLightState`)."""

    RED = "Red"
    YELLOW = "Yellow"
    GREEN = "Green"
    OFF = "Off"


@dataclass(frozen=True)
class ActorState:
    """One actor at one instant (world frame, see the module docstring)."""

    id: int
    kind: ActorKind
    x_m: float
    y_m: float
    z_m: float
    yaw_deg: float
    vx_mps: float
    vy_mps: float
    length_m: float
    width_m: float
    height_m: float = 1.5
    ax_mps2: float = 0.0
    ay_mps2: float = 0.0
    yaw_rate_dps: float = 0.0
    type_id: str = ""

    @property
    def speed_mps(self) -> float:
        """Planar speed [m/s]."""
        return float(np.hypot(self.vx_mps, self.vy_mps))


LEVEL_SEPARATION_M = 3.0
"""Actors whose heights differ by more than this [m] are on different levels (a bridge over a road, a ramp
beside it) and cannot touch or obstruct each other: collisions, NPCs' obstacles and the observation
compare heights as well as plan positions. A car is about 1.5 m tall and a bridge 5 m or more above."""


@dataclass(frozen=True)
class ActorArrays:
    """All non-hero actors at one instant as parallel arrays of shape (N,) (world frame).

    Cheap to build every step and vectorisable. `z_m` is each actor's height (its road's, in the
    embedded world).
    """

    ids: np.ndarray
    kinds: np.ndarray
    x_m: np.ndarray
    y_m: np.ndarray
    yaw_deg: np.ndarray
    vx_mps: np.ndarray
    vy_mps: np.ndarray
    length_m: np.ndarray
    width_m: np.ndarray
    z_m: np.ndarray

    def __len__(self) -> int:
        return int(self.ids.shape[0])

    def on_level_of(self, z_m: float) -> np.ndarray:
        """(N,) bool: actors within LEVEL_SEPARATION_M of height `z_m` [m]."""
        return np.abs(self.z_m - z_m) <= LEVEL_SEPARATION_M

    @staticmethod
    def empty() -> ActorArrays:
        z = np.zeros(0)
        return ActorArrays(np.zeros(0, np.int64), np.zeros(0, np.int8), z, z, z, z, z, z, z, z)

    @staticmethod
    def from_states(states: list[ActorState]) -> ActorArrays:
        if not states:
            return ActorArrays.empty()
        cols = np.array(
            [(s.x_m, s.y_m, s.yaw_deg, s.vx_mps, s.vy_mps, s.length_m, s.width_m, s.z_m) for s in states], dtype=float
        )
        return ActorArrays(
            np.array([s.id for s in states], np.int64),
            np.array([int(s.kind) for s in states], np.int8),
            *cols.T,
        )


@dataclass(frozen=True)
class Pose2D:
    """A planar pose: position [m] and yaw [deg] in the world frame."""

    x_m: float
    y_m: float
    yaw_deg: float


@dataclass(frozen=True)
class TriggerVolume:
    """An oriented box on the ground: centre [m], full length along yaw and full width [m], yaw [deg]."""

    center: Pose2D
    length_m: float
    width_m: float


@dataclass(frozen=True)
class TrafficLightInfo:
    """A traffic light: its state, the stop line of every lane it governs, and its trigger volume.

    `lanes` are the (road_id, lane_id) pairs of the lanes it governs, taken at their stop lines
    on the approach, before the junction (as CARLA's `TrafficLight.get_stop_waypoints()`).
    `stop_line` holds one pose per governed lane: the centre of the lane at the stop line,
    facing the direction of travel.
    """

    id: int
    state: LightState
    junction_id: int
    stop_line: tuple[Pose2D, ...]
    lanes: tuple[tuple[int, int], ...]
    trigger: TriggerVolume
    location: Pose2D


@dataclass(frozen=True)
class StopSignInfo:
    """A stop sign: the stop line of every lane it governs and its trigger volume."""

    id: int
    stop_line: tuple[Pose2D, ...]
    lanes: tuple[tuple[int, int], ...]
    trigger: TriggerVolume
    location: Pose2D


@runtime_checkable
class WorldView(Protocol):
    """Privileged ground truth about the world the hero drives in, at the current tick."""

    @property
    def map(self) -> carla.Map:
        """The road network."""

    @property
    def game_time_s(self) -> float:
        """Simulation time since the route started [s]."""

    @property
    def frame(self) -> int:
        """Simulation tick index since the route started."""

    def hero(self) -> ActorState:
        """The ego vehicle."""

    def actors(self) -> ActorArrays:
        """Every other vehicle and walker (not the hero)."""

    def traffic_lights(self) -> list[TrafficLightInfo]:
        """Every traffic light in the world."""

    def stop_signs(self) -> list[StopSignInfo]:
        """Every stop sign in the world."""

    def route(self) -> list[RoutePoint]:
        """The hero's dense route (about 1 m spacing), from start to end."""

    def speed_limit_mps(self) -> float:
        """The speed limit where the hero is [m/s]."""

