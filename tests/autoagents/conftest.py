"""Fixtures for the autoagents tests: agent files, routes, hero states, sys.path hygiene."""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import carla
import pytest

from leaderboard_adapter.autoagents.gps import GeoReference, build_global_plan
from leaderboard_adapter.autoagents.leaderboard_shim import install_leaderboard_shim
from leaderboard_adapter.routes.road_option import RoadOption
from leaderboard_adapter.world_view import ActorKind, ActorState

AGENT_FILES = Path(__file__).parent / "agent_files"

XODR_49_8 = (
    '<?xml version="1.0"?><OpenDRIVE><header revMajor="1" revMinor="4">'
    "<geoReference><![CDATA[+proj=tmerc +lat_0=49.0 +lon_0=8.0 +k=1 +x_0=0 +y_0=0]]></geoReference>"
    "</header></OpenDRIVE>"
)


@pytest.fixture(autouse=True)
def _restore_sys_path():
    saved = list(sys.path)
    install_leaderboard_shim()
    yield
    sys.path[:] = saved


@pytest.fixture
def agent_file() -> Callable[[str], Path]:
    return lambda name: AGENT_FILES / name


@pytest.fixture
def write_config(tmp_path: Path) -> Callable[..., str]:
    """A JSON config for `lbtest_recording_agent.py`: its track and sensors."""

    def write(track: str = "MAP", sensors: Sequence[dict] | None = None) -> str:
        path = tmp_path / f"config_{track}_{len(list(tmp_path.iterdir()))}.json"
        path.write_text(json.dumps({"track": track, "sensors": list(sensors or [])}))
        return str(path)

    return write


def _polyline_route(
    corners: Sequence[tuple[float, float]], options: Sequence[RoadOption] | None = None, spacing_m: float = 1.0
) -> list[tuple[carla.Transform, RoadOption]]:
    """A dense route along straight legs between `corners`, one option per leg (LANEFOLLOW by default)."""
    route: list[tuple[carla.Transform, RoadOption]] = []
    for leg, ((x0, y0), (x1, y1)) in enumerate(zip(corners[:-1], corners[1:], strict=True)):
        option = options[leg] if options else RoadOption.LANEFOLLOW
        length = math.hypot(x1 - x0, y1 - y0)
        yaw = math.degrees(math.atan2(y1 - y0, x1 - x0))
        n = round(length / spacing_m)
        last = leg == len(corners) - 2
        for k in range(n + (1 if last else 0)):
            f = k / n
            location = carla.Location(x0 + f * (x1 - x0), y0 + f * (y1 - y0), 0.0)
            route.append((carla.Transform(location, carla.Rotation(yaw=yaw)), option))
    return route


@pytest.fixture
def plan_for() -> Callable[..., tuple[list, list]]:
    """(gps_plan, world_plan) for a dense route, with the georeference of `XODR_49_8`."""
    return lambda route: build_global_plan(route, GeoReference.from_opendrive(XODR_49_8))


@pytest.fixture
def route_along() -> Callable[..., list[tuple[carla.Transform, RoadOption]]]:
    """`route_along(corners, options=None, spacing_m=1.0)`: a dense route along straight legs."""
    return _polyline_route


@pytest.fixture
def make_hero() -> Callable[..., ActorState]:
    """`make_hero(x, y, yaw, speed, **ActorState fields)`: a hero car state."""
    return _hero


@pytest.fixture
def xodr() -> str:
    """A minimal OpenDRIVE text whose geoReference is lat_0 = 49, lon_0 = 8."""
    return XODR_49_8


def _hero(x: float = 0.0, y: float = 0.0, yaw: float = 0.0, speed: float = 0.0, **kwargs) -> ActorState:
    """A hero car at (x, y) [m] heading `yaw` [deg] moving forward at `speed` [m/s]."""
    c, s = math.cos(math.radians(yaw)), math.sin(math.radians(yaw))
    return ActorState(
        id=1, kind=ActorKind.VEHICLE, x_m=x, y_m=y, z_m=kwargs.pop("z", 0.0), yaw_deg=yaw,
        vx_mps=speed * c, vy_mps=speed * s, length_m=4.9, width_m=2.1, **kwargs,
    )
