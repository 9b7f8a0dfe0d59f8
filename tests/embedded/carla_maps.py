"""Where CARLA's own OpenDRIVE maps are, for tests that need real towns (Town01-07, Town10HD).

Looked up in order: the folder named by `LANGPROP_CARLA_MAPS`, `$CARLA_ROOT/CarlaUE4/Content/Carla/Maps/OpenDrive`,
then `../shared/carla_towns` beside the repository (where CI keeps them). Tests skip, saying so, when none has
the town.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

import carla
import pytest

from leaderboard_adapter.roads.lane_graph import LaneGraph

REPO_ROOT = Path(__file__).resolve().parents[2]


def carla_map_dirs() -> list[Path]:
    """The candidate folders, in lookup order (only those whose variable is set)."""
    dirs = []
    if os.environ.get("LANGPROP_CARLA_MAPS"):
        dirs.append(Path(os.environ["LANGPROP_CARLA_MAPS"]))
    if os.environ.get("CARLA_ROOT"):
        dirs.append(Path(os.environ["CARLA_ROOT"]) / "CarlaUE4" / "Content" / "Carla" / "Maps" / "OpenDrive")
    dirs.append(REPO_ROOT.parent / "shared" / "carla_towns")
    return dirs


def carla_town_file(name: str) -> Path:
    """The path of CARLA's `<name>.xodr`, or skip the test saying where it was looked for."""
    for folder in carla_map_dirs():
        path = folder / f"{name}.xodr"
        if path.is_file():
            return path
    pytest.skip(
        f"CARLA's {name}.xodr not found in {', '.join(map(str, carla_map_dirs()))}: "
        "set LANGPROP_CARLA_MAPS (or CARLA_ROOT) to the folder of CARLA's OpenDRIVE maps"
    )


@cache
def _load(path: str, name: str) -> tuple[carla.Map, LaneGraph]:
    town_map = carla.Map(name, Path(path).read_text())
    return town_map, LaneGraph(town_map)


def carla_town(name: str) -> tuple[carla.Map, LaneGraph]:
    """CARLA's town `name` as (map, lane graph), built once per session; skips when the map is absent."""
    return _load(str(carla_town_file(name)), name)
