"""CollisionCriterion: the leaderboard's CollisionTest on oriented boxes instead of a physics sensor.

Contacts: the hero's box overlapping a vehicle's or walker's box (separating axis test,
vectorised over actors) on the hero's level (heights within LEVEL_SEPARATION_M: a car on the bridge
above is not hit), or the hero touching the virtual layout (see `layout.py`).
Contacts are then filtered exactly as scenario_runner's `CollisionTest._count_collisions`
and `update` do (a CARLA collision sensor reports contact every tick, as here):

- 2.x (`leaderboard-2.x`/`master`): ignored when the hero's speed is below EPSILON = 0.1 m/s;
  ignored when it is the last collided actor id (forgotten MAX_ID_TIME = 5 s after that
  collision) or when the hero is within COLLISION_RADIUS = 5 m (3-D) of the last counted
  collision's hero location (forgotten once it is farther than 5 m).
- 1.0: no speed rule; ignored when it is the last collided id (forgotten 5 s after the last
  counted collision) or when within MIN_AREA_OF_COLLISION = 3 m (planar) of any remembered
  collision location (each forgotten once the hero is farther than 5 m from it).

Static contacts have id 0 and never become the remembered id. Message:
"Agent collided against object with type={type_id} and id={id} at (x=.., y=.., z=..)"
with the hero's location.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from leaderboard_adapter.criteria.hero_tick import HeroTick, format_location
from leaderboard_adapter.criteria.version import LeaderboardVersion
from leaderboard_adapter.geometry import boxes_overlap
from leaderboard_adapter.scoring.infractions import InfractionEvent, InfractionType
from leaderboard_adapter.world_view import ActorArrays, ActorKind

VEHICLE_TYPE_ID = "vehicle.embedded"
"""type_id reported for a vehicle whose type is unknown."""
WALKER_TYPE_ID = "walker.pedestrian.embedded"
"""type_id reported for a walker whose type is unknown."""
LAYOUT_TYPE_ID = "static.layout.embedded"
"""type_id reported for a layout (virtual wall) contact; its id is 0 as CARLA's static world."""
LAYOUT_ACTOR_ID = 0


@dataclass(frozen=True)
class Contact:
    """One contact this tick: the other actor's id and type_id."""

    actor_id: int
    type_id: str


def classify(type_id: str) -> InfractionType | None:
    """The event kind for a collided type_id, as `CollisionTest` classifies it (None: not counted)."""
    if ("static" in type_id or "traffic" in type_id) and "sidewalk" not in type_id:
        return InfractionType.COLLISION_STATIC
    if "vehicle" in type_id:
        return InfractionType.COLLISION_VEHICLE
    if "walker" in type_id:
        return InfractionType.COLLISION_PEDESTRIAN
    return None


def find_contacts(
    hero: HeroTick, actors: ActorArrays, type_id_of: Callable[[int, int], str] | None = None
) -> list[Contact]:
    """Actors on the hero's level whose box overlaps the hero's box, nearest first."""
    n = len(actors)
    if n == 0:
        return []
    dx = actors.x_m - hero.x_m
    dy = actors.y_m - hero.y_m
    d2 = dx * dx + dy * dy
    reach = math.hypot(hero.length_m, hero.width_m) / 2.0 + np.hypot(actors.length_m, actors.width_m) / 2.0
    near = np.flatnonzero((d2 <= reach * reach) & actors.on_level_of(hero.z_m))
    if near.size == 0:
        return []
    hit = boxes_overlap(
        hero.x_m,
        hero.y_m,
        np.radians(hero.yaw_deg),
        hero.length_m,
        hero.width_m,
        actors.x_m[near],
        actors.y_m[near],
        np.radians(actors.yaw_deg[near]),
        actors.length_m[near],
        actors.width_m[near],
    )
    idx = near[hit]
    if idx.size == 0:
        return []
    idx = idx[np.argsort(d2[idx], kind="stable")]
    contacts = []
    for i in idx:
        actor_id, kind = int(actors.ids[i]), int(actors.kinds[i])
        type_id = type_id_of(actor_id, kind) if type_id_of is not None else ""
        if not type_id:
            type_id = WALKER_TYPE_ID if kind == ActorKind.WALKER else VEHICLE_TYPE_ID
        contacts.append(Contact(actor_id, type_id))
    return contacts


class CollisionCriterion:
    """CollisionTest for one route (see the module docstring for the rules per version)."""

    EPSILON_MPS = 0.1
    COLLISION_RADIUS_M = 5.0
    MAX_ID_TIME_S = 5.0
    MIN_AREA_OF_COLLISION_M = 3.0  # 1.0
    MAX_AREA_OF_COLLISION_M = 5.0  # 1.0

    def __init__(self, version: LeaderboardVersion):
        self.version = version
        self._last_id: int | None = None
        self._last_time_s = 0.0
        self._last_location: tuple[float, float, float] | None = None  # 2.x
        self._registered: list[tuple[float, float]] = []  # 1.0
        self.count = 0

    def update(self, hero: HeroTick, contacts: list[Contact]) -> list[InfractionEvent]:
        """Count this tick's contacts, then forget old collisions (sensor callbacks, then `update`)."""
        events = []
        for contact in contacts:
            event = self._count(hero, contact)
            if event is not None:
                events.append(event)
        self._forget(hero)
        return events

    def _count(self, hero: HeroTick, contact: Contact) -> InfractionEvent | None:
        if self.version is LeaderboardVersion.V2_X:
            if self._last_id is not None and self._last_id == contact.actor_id:
                return None
            if (
                self._last_location is not None
                and self._distance_3d(hero, self._last_location) <= self.COLLISION_RADIUS_M
            ):
                return None
            if hero.speed_mps < self.EPSILON_MPS:
                return None
            self._last_location = (hero.x_m, hero.y_m, hero.z_m)
        else:
            if self._last_id is not None and self._last_id == contact.actor_id:
                return None
            for rx, ry in self._registered:
                if math.hypot(hero.x_m - rx, hero.y_m - ry) <= self.MIN_AREA_OF_COLLISION_M:
                    return None
            kind = classify(contact.type_id)
            if kind is None:
                return None
            self._registered.append((hero.x_m, hero.y_m))
        self._last_time_s = hero.time_s
        if contact.actor_id != LAYOUT_ACTOR_ID:
            self._last_id = contact.actor_id
        kind = classify(contact.type_id)
        if kind is None:
            return None
        self.count += 1
        message = (
            f"Agent collided against object with type={contact.type_id} and id={contact.actor_id} "
            f"at {format_location(hero.x_m, hero.y_m, hero.z_m)}"
        )
        return hero.event(kind, message, actor_id=contact.actor_id)

    def _forget(self, hero: HeroTick) -> None:
        if self.version is LeaderboardVersion.V2_X:
            if (
                self._last_location is not None
                and self._distance_3d(hero, self._last_location) > self.COLLISION_RADIUS_M
            ):
                self._last_location = None
        else:
            self._registered = [
                (rx, ry)
                for rx, ry in self._registered
                if math.hypot(hero.x_m - rx, hero.y_m - ry) <= self.MAX_AREA_OF_COLLISION_M
            ]
        if self._last_id is not None and hero.time_s - self._last_time_s > self.MAX_ID_TIME_S:
            self._last_id = None

    @staticmethod
    def _distance_3d(hero: HeroTick, loc: tuple[float, float, float]) -> float:
        return math.dist((hero.x_m, hero.y_m, hero.z_m), loc)
