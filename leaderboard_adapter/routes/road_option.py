"""RoadOption: the high-level command attached to each route point (values as CARLA's agents package)."""

from __future__ import annotations

import enum


class RoadOption(enum.IntEnum):
    """Topological manoeuvre at a route point, numbered as `agents.navigation.local_planner.RoadOption`."""

    VOID = -1
    LEFT = 1
    RIGHT = 2
    STRAIGHT = 3
    LANEFOLLOW = 4
    CHANGELANELEFT = 5
    CHANGELANERIGHT = 6
