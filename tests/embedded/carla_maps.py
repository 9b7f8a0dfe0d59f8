"""Where CARLA's own OpenDRIVE maps are, for tests that need real towns (Town01-07, Town10HD).

The folder is `leaderboard_adapter.roads.towns.carla_maps_dir()` (`LANGPROP_CARLA_MAPS`, `$CARLA_ROOT`'s
OpenDrive folder, or `../shared/carla_towns` beside the repository, where CI keeps them). Tests skip, saying
so, when the town is not there.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import carla
import pytest

from leaderboard_adapter.roads.lane_graph import LaneGraph
from leaderboard_adapter.roads.towns import CARLA_MAPS_HINT, carla_maps_dir


def carla_town_file(name: str) -> Path:
    """The path of CARLA's `<name>.xodr` (found by `carla_maps_dir`), or skip the test saying why."""
    folder = carla_maps_dir()
    if folder is None:
        pytest.skip(f"CARLA's OpenDRIVE maps not found: {CARLA_MAPS_HINT}")
    path = folder / f"{name}.xodr"
    if not path.is_file():
        pytest.skip(f"CARLA's {name}.xodr is not in {folder}: {CARLA_MAPS_HINT}")
    return path


@cache
def _load(path: str, name: str) -> tuple[carla.Map, LaneGraph]:
    town_map = carla.Map(name, Path(path).read_text())
    return town_map, LaneGraph(town_map)


def carla_town(name: str) -> tuple[carla.Map, LaneGraph]:
    """CARLA's town `name` as (map, lane graph), built once per session; skips when the map is absent."""
    return _load(str(carla_town_file(name)), name)
