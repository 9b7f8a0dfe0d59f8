"""CARLA actors as `ActorState` (the hero) and `ActorArrays` (everyone else, in one vectorised pass).

World frame, metres, m/s, degrees (see `leaderboard_adapter.world_view`). Full lengths and
widths are twice the actor's `bounding_box.extent`; they never change during an episode, so
`BoxCache` reads each actor's box once. Transforms and velocities are the client's copy of
the last tick (`Actor.get_transform()`/`get_velocity()` make no server call).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from leaderboard_adapter.world_view import ActorArrays, ActorKind, ActorState

VEHICLE_PREFIX = "vehicle."
WALKER_PREFIX = "walker.pedestrian."


def actor_kind(type_id: str) -> ActorKind | None:
    """VEHICLE for `vehicle.*`, WALKER for `walker.pedestrian.*`, None for anything else."""
    if type_id.startswith(VEHICLE_PREFIX):
        return ActorKind.VEHICLE
    if type_id.startswith(WALKER_PREFIX):
        return ActorKind.WALKER
    return None


class BoxCache:
    """Full (length, width, height) [m] of each actor by id, read from its bounding box once."""

    def __init__(self) -> None:
        self._sizes: dict[int, tuple[float, float, float]] = {}

    def size(self, actor: Any) -> tuple[float, float, float]:
        """Full length, width and height of `actor` [m] (twice its bounding-box extents)."""
        size = self._sizes.get(actor.id)
        if size is None:
            ext = actor.bounding_box.extent
            size = (2.0 * float(ext.x), 2.0 * float(ext.y), 2.0 * float(ext.z))
            self._sizes[actor.id] = size
        return size


def hero_state(hero: Any, boxes: BoxCache) -> ActorState:
    """The hero as an `ActorState`, with acceleration and yaw rate (CARLA's angular velocity z, deg/s)."""
    t = hero.get_transform()
    v = hero.get_velocity()
    a = hero.get_acceleration()
    w = hero.get_angular_velocity()
    length, width, height = boxes.size(hero)
    return ActorState(
        id=int(hero.id),
        kind=ActorKind.VEHICLE,
        x_m=float(t.location.x),
        y_m=float(t.location.y),
        z_m=float(t.location.z),
        yaw_deg=float(t.rotation.yaw),
        vx_mps=float(v.x),
        vy_mps=float(v.y),
        length_m=length,
        width_m=width,
        height_m=height,
        ax_mps2=float(a.x),
        ay_mps2=float(a.y),
        yaw_rate_dps=float(w.z),
        type_id=str(hero.type_id),
    )


def actor_arrays(actors: Iterable[Any], hero_id: int | None, boxes: BoxCache) -> ActorArrays:
    """Every alive vehicle and walker in `actors` except the one with id `hero_id`, as `ActorArrays`."""
    ids: list[int] = []
    kinds: list[int] = []
    rows: list[tuple[float, float, float, float, float, float, float, float]] = []
    for actor in actors:
        kind = actor_kind(actor.type_id)
        if kind is None or actor.id == hero_id or not actor.is_alive:
            continue
        t = actor.get_transform()
        v = actor.get_velocity()
        length, width, _ = boxes.size(actor)
        ids.append(int(actor.id))
        kinds.append(int(kind))
        rows.append((t.location.x, t.location.y, t.rotation.yaw, v.x, v.y, length, width, t.location.z))
    if not rows:
        return ActorArrays.empty()
    cols = np.asarray(rows, dtype=float).T
    return ActorArrays(np.asarray(ids, np.int64), np.asarray(kinds, np.int8), *cols)
