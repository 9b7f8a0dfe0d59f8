"""InfractionIdentity on hand-built events: the same infraction is the same kind, with the same other actor,
within the window of the original's time; each mismatch is named; what is near is listed; bad identities fail.
The actor ids it matches on name the same actors in every run of a scenario, whatever the hero does."""

from __future__ import annotations

import carla
import numpy as np
import pytest
from replay_helpers import LIGHTS_RUN, quiet_world

from leaderboard_adapter.replay import (
    NEARBY_WINDOW_S,
    SAME_INFRACTION_WINDOW_S,
    InfractionIdentity,
    ReplayError,
    describe_event,
)
from leaderboard_adapter.scoring import InfractionEvent, InfractionType

VEHICLE = InfractionType.COLLISION_VEHICLE
ORIGINAL_S = 92.05
"""The original infraction's game time [s]."""


def event(
    kind: InfractionType = VEHICLE, actor_id: int | None = 12, game_time_s: float = ORIGINAL_S
) -> InfractionEvent:
    """An event as a criterion reports it (frame at 20 Hz; message and place do not take part in matching)."""
    return InfractionEvent(
        kind, f"{kind.value} by a test", round(game_time_s / 0.05), game_time_s, actor_id=actor_id
    )


ORIGINAL = InfractionIdentity.of(event())


def test_an_event_s_identity_is_its_kind_actor_and_time_with_a_2_s_window() -> None:
    assert (ORIGINAL.kind, ORIGINAL.actor_id, ORIGINAL.game_time_s) == (VEHICLE, 12, ORIGINAL_S)
    assert ORIGINAL.window_s == SAME_INFRACTION_WINDOW_S == 2.0


@pytest.mark.parametrize(
    ("case", "candidate", "mismatch"),
    [
        ("the same", event(), None),
        ("1.5 s earlier", event(game_time_s=ORIGINAL_S - 1.5), None),
        ("at the window's end", event(game_time_s=ORIGINAL_S + 2.0), None),
        ("at the window's start", event(game_time_s=ORIGINAL_S - 2.0), None),
        ("another kind", event(InfractionType.COLLISION_PEDESTRIAN), "another kind"),
        ("a red light of the same id", event(InfractionType.TRAFFIC_LIGHT_INFRACTION), "another kind"),
        ("another vehicle", event(actor_id=7), "another actor"),
        ("no actor", event(actor_id=None), "another actor"),
        ("one tick past the window", event(game_time_s=ORIGINAL_S + 2.05), "outside the window"),
        ("the bug's", event(actor_id=7, game_time_s=23.95), "another actor"),
        ("the same vehicle long before", event(game_time_s=23.95), "outside the window"),
    ],
)
def test_only_the_same_kind_actor_and_time_match(
    case: str, candidate: InfractionEvent, mismatch: str | None
) -> None:
    assert ORIGINAL.mismatch(candidate) == mismatch
    assert ORIGINAL.matches(candidate) is (mismatch is None)


def test_without_an_actor_kind_and_time_decide() -> None:
    deviation = InfractionIdentity(InfractionType.ROUTE_DEVIATION, None, 40.0)
    assert deviation.matches(event(InfractionType.ROUTE_DEVIATION, None, 41.0))
    assert deviation.matches(event(InfractionType.ROUTE_DEVIATION, 3, 41.0))
    assert deviation.mismatch(event(InfractionType.ROUTE_DEVIATION, None, 42.5)) == "outside the window"
    assert deviation.mismatch(event(VEHICLE, None, 40.0)) == "another kind"


def test_a_wider_window_takes_later_events() -> None:
    later = event(game_time_s=ORIGINAL_S + 4.0)
    assert not ORIGINAL.matches(later)
    assert InfractionIdentity.of(event(), window_s=5.0).matches(later)
    assert not InfractionIdentity.of(event(), window_s=0.0).matches(event(game_time_s=ORIGINAL_S + 0.05))


def test_nearby_keeps_the_events_within_ten_seconds_in_order() -> None:
    assert NEARBY_WINDOW_S == 10.0
    events = [
        event(actor_id=7, game_time_s=23.95),
        event(InfractionType.TRAFFIC_LIGHT_INFRACTION, 32, ORIGINAL_S - 10.0),
        event(actor_id=7, game_time_s=ORIGINAL_S + 0.5),
        event(game_time_s=ORIGINAL_S + 3.0),
        event(game_time_s=ORIGINAL_S + 10.05),
    ]
    assert ORIGINAL.nearby(events) == tuple(events[1:4])
    assert ORIGINAL.nearby(events, within_s=1.0) == (events[2],)
    assert ORIGINAL.nearby([]) == ()


def test_descriptions_name_kind_actor_and_time() -> None:
    assert ORIGINAL.describe() == "collisions_vehicle with actor 12 at t 92.05 s"
    assert ORIGINAL.kind_and_actor() == "collisions_vehicle with actor 12"
    assert describe_event(event(InfractionType.ROUTE_DEVIATION, None, 40.0)) == "route_dev at t 40.00 s"


@pytest.mark.parametrize(
    ("kind", "time_s", "window_s", "message"),
    [
        ("collisions_vehicle", 1.0, 2.0, "kind must be an InfractionType"),
        (VEHICLE, float("nan"), 2.0, "game_time_s must be a finite number of seconds"),
        (VEHICLE, 1.0, -1.0, "window_s must be a finite number of seconds >= 0"),
        (VEHICLE, 1.0, float("inf"), "window_s must be a finite number of seconds >= 0"),
    ],
)
def test_a_bad_identity_is_refused(kind, time_s: float, window_s: float, message: str) -> None:
    with pytest.raises(ReplayError, match=message):
        InfractionIdentity(kind, 12, time_s, window_s)


def test_actor_ids_name_the_same_actors_however_the_hero_drives() -> None:
    """Two worlds of one seed, the hero braking in one and driving off in the other: each id starts at the
    same place and the ids stay the same (no renumbering as NPCs move or respawn)."""
    worlds = [quiet_world(LIGHTS_RUN, seed=5, vehicle_count=12, walker_count=6) for _ in range(2)]
    spawned = [w.actors() for w in worlds]
    assert len(spawned[0].ids) == 18
    for field in ("ids", "kinds", "x_m", "y_m", "yaw_deg"):
        np.testing.assert_array_equal(getattr(spawned[0], field), getattr(spawned[1], field))
    controls = (carla.VehicleControl(brake=1.0), carla.VehicleControl(throttle=0.8))
    for _ in range(200):
        for world, control in zip(worlds, controls, strict=True):
            world.tick(control)
    assert worlds[0].hero().x_m != worlds[1].hero().x_m or worlds[0].hero().y_m != worlds[1].hero().y_m
    np.testing.assert_array_equal(worlds[0].actors().ids, spawned[0].ids)
    np.testing.assert_array_equal(worlds[1].actors().ids, spawned[0].ids)
