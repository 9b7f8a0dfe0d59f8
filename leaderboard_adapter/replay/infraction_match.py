"""InfractionIdentity: when an infraction of one run of a scenario is the same as one of another run.

Two runs of one scenario (the same world seed, route and actors, maybe another policy) commit the
same infraction when it is of the same kind, with the same other actor where the kind has one, at
about the same simulated time. The other actor is named by its id: in the embedded world ids depend
on the world seed and the route only, never on how the hero drives (vehicles 1, 2, ... in spawn
order, kept when a vehicle is respawned; walkers from 1,000,000 on; lights and stop signs by their
map ids; the layout, i.e. any static contact, is 0), so one id is one actor in every run of the scenario.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from pydantic import field_validator, model_validator
from pydantic.dataclasses import dataclass

from leaderboard_adapter.replay.errors import ReplayError
from leaderboard_adapter.scoring import InfractionEvent, InfractionType
from leaderboard_adapter.settings import SETTINGS

SAME_INFRACTION_WINDOW_S = 2.0
"""How far [s of simulated time] an infraction may be from the original's and still be the same one."""
NEARBY_WINDOW_S = 10.0
"""How far [s of simulated time] from the original's time infractions are named when none is the same."""
_TIME_TOLERANCE_S = 1e-6
"""Game times add up 0.05 s steps in floating point: a window's edge counts as inside to this [s]."""


@dataclass(frozen=True, config=SETTINGS)
class InfractionIdentity:
    """One infraction as another run must repeat it: its `kind`, the other actor's id (`actor_id`; None
    where the kind has none, e.g. route_dev, or the record does not say), its game time [s], and
    `window_s` [s of simulated time]: how far from that time the same infraction may happen.

    A light's or a stop sign's id is its actor (`red_light`, `stop_infraction`), as the collided
    vehicle's or walker's is a collision's.
    """

    kind: InfractionType
    actor_id: int | None
    game_time_s: float
    window_s: float = SAME_INFRACTION_WINDOW_S

    # a ReplayError is no ValueError: pydantic lets it through as it is
    @field_validator("kind", mode="before")
    @classmethod
    def _a_kind(cls, kind: object) -> object:
        if not isinstance(kind, InfractionType):  # before pydantic, which would take a kind's value too
            raise ReplayError(f"kind must be an InfractionType (e.g. InfractionType('red_light')), got {kind!r}")
        return kind

    @model_validator(mode="after")
    def _finite_times(self) -> InfractionIdentity:
        if not math.isfinite(self.game_time_s):
            raise ReplayError(f"game_time_s must be a finite number of seconds, got {self.game_time_s!r}")
        if not (math.isfinite(self.window_s) and self.window_s >= 0):
            raise ReplayError(f"window_s must be a finite number of seconds >= 0, got {self.window_s!r}")
        return self

    @classmethod
    def of(cls, event: InfractionEvent, window_s: float = SAME_INFRACTION_WINDOW_S) -> InfractionIdentity:
        """The identity of an event of some run (its kind, actor and time)."""
        return cls(event.type, event.actor_id, event.game_time_s, window_s)

    def mismatch(self, event: InfractionEvent) -> str | None:
        """Why `event` is not this infraction ("another kind", "another actor", "outside the window"), or None
        when it is: the same kind, the same actor (when this identity has one), and no more than `window_s`
        from `game_time_s`."""
        if event.type is not self.kind:
            return "another kind"
        if self.actor_id is not None and event.actor_id != self.actor_id:
            return "another actor"
        if abs(event.game_time_s - self.game_time_s) > self.window_s + _TIME_TOLERANCE_S:
            return "outside the window"
        return None

    def matches(self, event: InfractionEvent) -> bool:
        """Whether `event` is this infraction (see `mismatch`)."""
        return self.mismatch(event) is None

    def nearby(
        self, events: Iterable[InfractionEvent], within_s: float = NEARBY_WINDOW_S
    ) -> tuple[InfractionEvent, ...]:
        """The events no more than `within_s` [s] from `game_time_s`, in the order given."""
        return tuple(
            e for e in events if abs(e.game_time_s - self.game_time_s) <= within_s + _TIME_TOLERANCE_S
        )

    def kind_and_actor(self) -> str:
        """E.g. "collisions_vehicle with actor 12" ("route_dev" without an actor)."""
        actor = f" with actor {self.actor_id}" if self.actor_id is not None else ""
        return f"{self.kind.value}{actor}"

    def describe(self) -> str:
        """E.g. "collisions_vehicle with actor 12 at t 92.05 s" ("route_dev at t 40.00 s" without an actor)."""
        return f"{self.kind_and_actor()} at t {self.game_time_s:.2f} s"


def describe_event(event: InfractionEvent) -> str:
    """An event's kind, actor and time, as `InfractionIdentity.describe` writes them."""
    return InfractionIdentity.of(event).describe()
