"""downsample_route: which points of the dense global plan an agent receives (the leaderboard's rule).

Behaviour of `leaderboard.utils.route_manipulation.downsample_route` (identical output on the
leaderboard-1.0 and 2.x branches): walking the dense route, a point is kept when it is

1. the first point;
2. a lane change (`CHANGELANELEFT` / `CHANGELANERIGHT`);
3. a RoadOption change, unless the previous point was a lane change;
4. reached when the distance accumulated since the last kept point, up to the previous point,
   is strictly more than `sample_factor` metres;
5. the last point.

Distances are accumulated only over points that are not kept, so with 1 m spacing and
`sample_factor` 50 the kept indices are 0, 52, 104, ...
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

_LANE_CHANGES = frozenset({"CHANGELANELEFT", "CHANGELANERIGHT"})


def _option_name(option: Any) -> str | None:
    """The RoadOption's name, so CARLA's `agents` RoadOption and ours compare alike."""
    if option is None:
        return None
    return getattr(option, "name", str(option))


def downsample_route(route: Sequence[tuple[Any, Any]], sample_factor: float) -> list[int]:
    """Indices of `route` ((carla.Transform, RoadOption) pairs) kept when downsampling to `sample_factor` [m]."""
    kept: list[int] = []
    prev_option: str | None = None
    dist_m = 0.0
    last = len(route) - 1
    for i, (transform, option) in enumerate(route):
        curr_option = _option_name(option)
        keep = (
            i == 0  # the start
            or curr_option in _LANE_CHANGES  # a lane change
            or (prev_option != curr_option and prev_option not in _LANE_CHANGES)  # an option change
            or dist_m > sample_factor  # far enough from the last kept point
            or i == last  # the end
        )
        if keep:
            kept.append(i)
            dist_m = 0.0
        else:
            dist_m += transform.location.distance(route[i - 1][0].location)
        prev_option = curr_option
    return kept
