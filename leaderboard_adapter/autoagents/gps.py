"""GPS in the leaderboard's convention: world location <-> (lat, lon), the map's reference, the GPS global plan.

The leaderboard converts CARLA world locations to GPS with a spherical Mercator projection
scaled by cos(lat_ref) (`_location_to_gps` in `leaderboard/utils/route_manipulation.py`; CARLA's
`carla.GeoLocation` transform and GNSS sensor use the same formula). World frame: CARLA's,
left-handed: x east, y south, z up [m]; so north is -y. The reference (lat_0, lon_0) comes from
the OpenDRIVE header's `geoReference` PROJ string, 42.0 / 2.0 when absent.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from typing import Annotated, Any

import carla
from pydantic import Field
from pydantic.dataclasses import dataclass

from leaderboard_adapter.settings import STRICT_SETTINGS, one_line_validator

EARTH_RADIUS_EQUA_M = 6378137.0
"""Equatorial Earth radius used by the leaderboard and CARLA [m]."""

DEFAULT_LAT_REF_DEG = 42.0
DEFAULT_LON_REF_DEG = 2.0


@dataclass(frozen=True, config=STRICT_SETTINGS)
class GeoReference:
    """The map's GPS origin: the (lat, lon) [deg] of world location (0, 0); the latitude strictly inside (-90, 90)."""

    lat_ref_deg: Annotated[float, Field(gt=-90.0, lt=90.0)] = DEFAULT_LAT_REF_DEG
    lon_ref_deg: float = DEFAULT_LON_REF_DEG

    _one_line = one_line_validator(qualify=True)

    @staticmethod
    def from_opendrive(xodr: str) -> GeoReference:
        """The reference read from an OpenDRIVE document as the leaderboard's `_get_latlon_ref` reads it.

        Every `OpenDRIVE/header/geoReference` text is split on single spaces; an item containing
        `+lat_0` or `+lon_0` sets the value after its `=`. Missing values keep 42.0 / 2.0.
        """
        try:
            root = ET.fromstring(xodr)
        except ET.ParseError as exc:
            raise ValueError(f"Cannot read the geoReference: the OpenDRIVE text is not valid XML ({exc})") from exc
        lat_ref, lon_ref = DEFAULT_LAT_REF_DEG, DEFAULT_LON_REF_DEG
        for opendrive in root.iter("OpenDRIVE"):
            for header in opendrive.iter("header"):
                for georef in header.iter("geoReference"):
                    for item in (georef.text or "").split(" "):
                        if "+lat_0" in item:
                            lat_ref = float(item.split("=")[1])
                        if "+lon_0" in item:
                            lon_ref = float(item.split("=")[1])
        return GeoReference(lat_ref, lon_ref)

    @property
    def _scale(self) -> float:
        return math.cos(math.radians(self.lat_ref_deg))

    def _origin_mercator(self) -> tuple[float, float]:
        scale = self._scale
        mx = scale * self.lon_ref_deg * math.pi * EARTH_RADIUS_EQUA_M / 180.0
        my = scale * EARTH_RADIUS_EQUA_M * math.log(math.tan((90.0 + self.lat_ref_deg) * math.pi / 360.0))
        return mx, my


def location_to_gps(location: carla.Location, geo: GeoReference) -> dict[str, float]:
    """World location [m] -> `{'lat': deg, 'lon': deg, 'z': m}`, the leaderboard's `_location_to_gps`."""
    scale = geo._scale
    mx, my = geo._origin_mercator()
    mx += location.x
    my -= location.y
    lon = mx * 180.0 / (math.pi * EARTH_RADIUS_EQUA_M * scale)
    lat = 360.0 * math.atan(math.exp(my / (EARTH_RADIUS_EQUA_M * scale))) / math.pi - 90.0
    return {"lat": lat, "lon": lon, "z": location.z}


def gps_to_location(lat_deg: float, lon_deg: float, z_m: float, geo: GeoReference) -> carla.Location:
    """The inverse of `location_to_gps`: (lat, lon) [deg] and height [m] -> world location [m]."""
    scale = geo._scale
    mx0, my0 = geo._origin_mercator()
    mx = lon_deg * math.pi * EARTH_RADIUS_EQUA_M * scale / 180.0
    my = scale * EARTH_RADIUS_EQUA_M * math.log(math.tan((90.0 + lat_deg) * math.pi / 360.0))
    return carla.Location(x=mx - mx0, y=my0 - my, z=z_m)


def _as_option(option: Any, option_type: Any | None) -> Any:
    """`option` converted by name to `option_type` (e.g. CARLA's `agents` RoadOption); unchanged when None."""
    if option_type is None or isinstance(option, option_type):
        return option
    return option_type[option.name]


def build_global_plan(
    dense_route: Sequence[tuple[carla.Transform, Any]],
    geo: GeoReference,
    option_type: Any | None = None,
) -> tuple[list[tuple[dict[str, float], Any]], list[tuple[carla.Transform, Any]]]:
    """The `(global_plan_gps, global_plan_world_coord)` pair the leaderboard hands to `set_global_plan`.

    `dense_route`: the interpolated route (about 1 m apart) as (carla.Transform, RoadOption) pairs.
    Returns `([({'lat','lon','z'}, option), ...], [(carla.Transform, option), ...])`, both dense (the agent
    downsamples). `option_type`, when given, is the RoadOption enum the agent base compares against
    (`leaderboard_shim.road_option_type()`); options are converted to it by name.
    """
    gps_plan: list[tuple[dict[str, float], Any]] = []
    world_plan: list[tuple[carla.Transform, Any]] = []
    for i, item in enumerate(dense_route):
        try:
            transform, option = item
        except (TypeError, ValueError):
            raise TypeError(f"dense_route[{i}] must be a (carla.Transform, RoadOption) pair, got {item!r}") from None
        if not isinstance(transform, carla.Transform):
            raise TypeError(f"dense_route[{i}][0] must be a carla.Transform, got {type(transform).__name__}")
        option = _as_option(option, option_type)
        gps_plan.append((location_to_gps(transform.location, geo), option))
        world_plan.append((transform, option))
    return gps_plan, world_plan


def dense_route_from_points(points: Sequence[Any]) -> list[tuple[carla.Transform, Any]]:
    """(carla.Transform, RoadOption) pairs from `world_view.RoutePoint`s (x/y/z [m], yaw [deg], road_option)."""
    return [
        (carla.Transform(carla.Location(p.x_m, p.y_m, p.z_m), carla.Rotation(yaw=p.yaw_deg)), p.road_option)
        for p in points
    ]
