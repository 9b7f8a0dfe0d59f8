"""RouteConfig and its parts: one leaderboard route as plain, carla-free frozen data.

Coordinates are CARLA world coordinates as route files give them (left-handed: x east,
y south, z up; metres; yaw in degrees clockwise seen from above).
"""

from __future__ import annotations

import math
from dataclasses import field

from pydantic import model_validator
from pydantic.dataclasses import dataclass

from leaderboard_adapter.settings import SETTINGS, STRICT_SETTINGS


def _finite(label: str, *values: float) -> None:
    for v in values:
        if not isinstance(v, float | int) or not math.isfinite(v):
            raise ValueError(f"{label}: coordinate {v!r} is not a finite number")


@dataclass(frozen=True, config=STRICT_SETTINGS)
class Keypoint:
    """A route keypoint (leaderboard 1.0 `<waypoint>`, 2.x `<position>`) [m, deg]."""

    x_m: float
    y_m: float
    z_m: float = 0.0
    yaw_deg: float | None = None

    @model_validator(mode="after")
    def _finite_coordinates(self) -> Keypoint:
        _finite("keypoint", self.x_m, self.y_m, self.z_m)
        if self.yaw_deg is not None:
            _finite("keypoint yaw", self.yaw_deg)
        return self


@dataclass(frozen=True, config=STRICT_SETTINGS)
class TriggerPoint:
    """Where a scenario triggers [m, deg]."""

    x_m: float
    y_m: float
    z_m: float
    yaw_deg: float

    @model_validator(mode="after")
    def _finite_coordinates(self) -> TriggerPoint:
        _finite("trigger point", self.x_m, self.y_m, self.z_m, self.yaw_deg)
        return self


@dataclass(frozen=True, config=STRICT_SETTINGS)
class WeatherSpec:
    """One weather entry: where it applies along the route [%] and its raw attributes (as strings).

    1.0 files have a single `<weather>` (route_percentage 0); 2.x a `<weathers>` list that the
    leaderboard interpolates along the route.
    """

    route_percentage: float
    attributes: dict[str, str] = field(default_factory=dict)

    @model_validator(mode="after")
    def _finite_percentage(self) -> WeatherSpec:
        _finite("weather route_percentage", self.route_percentage)
        return self


@dataclass(frozen=True, config=SETTINGS)
class ScenarioSpec:
    """One 2.x `<scenario>`: name, type, trigger points and other child elements' attributes by tag.

    `other_actors` keeps each `<other_actor>` element's attributes; `parameters` maps any
    other child tag (e.g. `flow_speed`, `source_dist_interval`) to its attributes.
    """

    name: str
    type: str
    trigger_points: tuple[TriggerPoint, ...] = ()
    parameters: dict[str, dict[str, str]] = field(default_factory=dict)
    other_actors: tuple[dict[str, str], ...] = ()

    @model_validator(mode="after")
    def _typed(self) -> ScenarioSpec:
        if not self.type:
            raise ValueError(f"scenario {self.name!r} has no type")
        return self


@dataclass(frozen=True, config=SETTINGS)
class RouteConfig:
    """One route: id, town, keypoints, weathers, scenarios and the file format it came from (1 or 2)."""

    id: str
    town: str
    keypoints: tuple[Keypoint, ...]
    weathers: tuple[WeatherSpec, ...] = ()
    scenarios: tuple[ScenarioSpec, ...] = ()
    format_version: int = 2
    source: str = ""

    @model_validator(mode="after")
    def _a_route(self) -> RouteConfig:
        if not self.id:
            raise ValueError(f"{self.source or 'route'}: a route needs an id")
        if not self.town:
            raise ValueError(f"{self.source or 'route'}: route {self.id!r} has no town")
        if len(self.keypoints) < 2:
            raise ValueError(
                f"{self.source or 'route'}: route {self.id!r} has {len(self.keypoints)} keypoint(s), needs at least 2"
            )
        if self.format_version not in (1, 2):
            raise ValueError(f"route {self.id!r}: format_version must be 1 or 2, got {self.format_version}")
        return self

    @property
    def name(self) -> str:
        """The leaderboard's scenario name for this route, e.g. `RouteScenario_3`."""
        return f"RouteScenario_{self.id}"

    @property
    def keypoint_length_m(self) -> float:
        """Length of the straight-line path through the keypoints [m] (3D, as leaderboard 1.0's
        `compute_route_length` measures a route: the sum of distances between consecutive keypoints)."""
        return sum(
            math.dist((a.x_m, a.y_m, a.z_m), (b.x_m, b.y_m, b.z_m))
            for a, b in zip(self.keypoints, self.keypoints[1:], strict=False)
        )
