"""Collisions: speed rule, per-actor de-duplication, classification, layout contacts, messages."""

from __future__ import annotations

import pytest
from scripted_world_view import HERO_LENGTH_M, ScriptedWorldView, drive, hero_state, run, straight_route

from leaderboard_adapter.criteria import RouteCriteria
from leaderboard_adapter.scoring.infractions import InfractionType
from leaderboard_adapter.world_view import ActorArrays, ActorKind, ActorState

LANE_Y = 1.675  # eastbound lane centre of road 184 in the fixture town


def car(
    actor_id: int, x: float, y: float = LANE_Y, kind: ActorKind = ActorKind.VEHICLE, z: float = 0.0
) -> ActorState:
    length, width = (4.5, 1.9) if kind is ActorKind.VEHICLE else (0.5, 0.5)
    return ActorState(actor_id, kind, x, y, z, 0.0, 0.0, 0.0, length, width)


@pytest.fixture(scope="module")
def route(town_map):
    """Starts at x = 28, so every scripted hero below (x from 30 to 50) is on the route's first metres."""
    return straight_route(town_map, (28.0, LANE_Y), 60.0)


def parked_hero(ticks: int, speed: float, x: float = 30.0):
    return [hero_state(x, LANE_Y, 0.0, speed) for _ in range(ticks)]


def collisions(events):
    kinds = {
        InfractionType.COLLISION_VEHICLE,
        InfractionType.COLLISION_PEDESTRIAN,
        InfractionType.COLLISION_STATIC,
    }
    return [e for e in events if e.type in kinds]


def test_touching_at_crawl_speed_is_not_a_collision_in_2x(town_map, route):
    touching = ActorArrays.from_states([car(42, 30.0 + HERO_LENGTH_M / 2 + 2.0)])
    view = ScriptedWorldView(town_map, route, parked_hero(40, 0.05), touching)
    results, _ = run(RouteCriteria(route, town_map, "2.x"), view)
    assert collisions([e for r in results for e in r.events]) == []


def test_touching_at_crawl_speed_counts_in_1_0(town_map, route):
    touching = ActorArrays.from_states([car(42, 30.0 + HERO_LENGTH_M / 2 + 2.0)])
    view = ScriptedWorldView(town_map, route, parked_hero(40, 0.05), touching)
    results, _ = run(RouteCriteria(route, town_map, "1.0"), view)
    assert len(collisions([e for r in results for e in r.events])) == 1


@pytest.mark.parametrize("version", ["1.0", "2.x"])
def test_a_box_overlapping_on_another_level_is_no_collision(town_map, route, version):
    """A car on a bridge 11 m above the hero's road (Town04) overlaps it seen from above only; one on a
    ramp 1 m up touches it."""
    above = ActorArrays.from_states([car(42, 30.0 + HERO_LENGTH_M / 2 + 2.0, z=11.0)])
    ramp = ActorArrays.from_states([car(43, 30.0 + HERO_LENGTH_M / 2 + 2.0, z=1.0)])
    counts = {}
    for name, actors in (("above", above), ("ramp", ramp)):
        view = ScriptedWorldView(town_map, route, parked_hero(40, 2.0), actors)
        results, _ = run(RouteCriteria(route, town_map, version), view)
        counts[name] = len(collisions([e for r in results for e in r.events]))
    assert counts == {"above": 0, "ramp": 1}


@pytest.mark.parametrize("version", ["1.0", "2.x"])
def test_contact_at_speed_is_one_vehicle_collision_with_the_leaderboard_message(town_map, route, version):
    touching = ActorArrays.from_states([car(42, 30.0 + HERO_LENGTH_M / 2 + 2.0)])
    view = ScriptedWorldView(town_map, route, parked_hero(80, 2.0), touching)  # 4 s of contact
    results, _ = run(RouteCriteria(route, town_map, version), view)
    events = collisions([e for r in results for e in r.events])
    assert len(events) == 1
    event = events[0]
    assert event.type is InfractionType.COLLISION_VEHICLE
    assert event.actor_id == 42
    assert event.frame == 0
    assert event.message == (
        "Agent collided against object with type=vehicle.embedded and id=42 at (x=30.0, y=1.675, z=0.0)"
    )


def test_same_actor_again_after_moving_away_and_5_s_counts_again(town_map, route):
    # Contact at x=30 for 1 s, drive 10 m on without contact for 6 s, contact again at x=40.
    hero = parked_hero(20, 2.0, 30.0) + [hero_state(30.0 + i * 0.1, LANE_Y, 0.0, 2.0) for i in range(120)]
    hero += parked_hero(20, 2.0, 42.0)

    def actors_at(tick: int) -> ActorArrays:
        if tick < 20:
            return ActorArrays.from_states([car(7, 34.0)])
        if tick >= 140:
            return ActorArrays.from_states([car(7, 46.0)])
        return ActorArrays.empty()

    view = ScriptedWorldView(town_map, route, hero, actors_at)
    results, _ = run(RouteCriteria(route, town_map, "2.x"), view)
    events = collisions([e for r in results for e in r.events])
    assert [e.frame for e in events] == [0, 140]


def test_other_actor_within_5_m_of_the_last_collision_is_filtered_in_2x(town_map, route):
    hero = parked_hero(40, 2.0)

    def actors_at(tick: int) -> ActorArrays:
        ahead = car(1, 34.0)
        return ActorArrays.from_states([ahead] if tick < 20 else [ahead, car(2, 30.0, LANE_Y + 1.5)])

    view = ScriptedWorldView(town_map, route, hero, actors_at)
    results, _ = run(RouteCriteria(route, town_map, "2.x"), view)
    assert len(collisions([e for r in results for e in r.events])) == 1


def test_walker_contact_is_a_pedestrian_collision(town_map, route):
    walker = ActorArrays.from_states([car(9, 32.6, kind=ActorKind.WALKER)])
    view = ScriptedWorldView(town_map, route, parked_hero(10, 3.0), walker)
    results, _ = run(RouteCriteria(route, town_map, "2.x"), view)
    (event,) = collisions([e for r in results for e in r.events])
    assert event.type is InfractionType.COLLISION_PEDESTRIAN
    assert "type=walker.pedestrian.embedded and id=9" in event.message


def test_type_ids_from_the_world_when_it_names_them(town_map, route):
    touching = ActorArrays.from_states([car(42, 34.0)])
    view = ScriptedWorldView(town_map, route, parked_hero(5, 2.0), touching)
    criteria = RouteCriteria(route, town_map, "2.x", type_id_of=lambda i, k: "vehicle.tesla.model3")
    results, _ = run(criteria, view)
    (event,) = collisions([e for r in results for e in r.events])
    assert "type=vehicle.tesla.model3 and id=42" in event.message


def test_no_contact_no_collision(town_map, route):
    apart = ActorArrays.from_states([car(42, 37.0), car(43, 30.0, -1.675)])  # ahead with a gap; other lane
    view = ScriptedWorldView(town_map, route, parked_hero(40, 2.0), apart)
    results, _ = run(RouteCriteria(route, town_map, "2.x"), view)
    assert collisions([e for r in results for e in r.events]) == []
    assert not results[-1].ended


def test_leaving_the_paved_area_is_one_layout_collision(town_map, route):
    # Drift right (south) from the lane over the sidewalk, past its outer edge (about y = 6.2).
    hero = drive(route, [5.0] * 200, s0_m=2.0, lateral_m=lambda s: min(max(0.0, (s - 7.0) * 0.5), 6.0))
    view = ScriptedWorldView(town_map, route, hero)
    results, _ = run(RouteCriteria(route, town_map, "2.x"), view)
    events = collisions([e for r in results for e in r.events])
    assert len(events) >= 1
    first = events[0]
    assert first.type is InfractionType.COLLISION_STATIC
    assert "type=static.layout.embedded and id=0" in first.message
    # At first contact a corner is past the sidewalk edge while the centre is still on it.
    assert 4.0 < first.y_m < 6.2


def test_driving_on_the_sidewalk_is_not_a_layout_collision(town_map, route):
    hero = drive(route, [5.0] * 200, s0_m=2.0, lateral_m=lambda s: min(max(0.0, (s - 7.0) * 0.5), 3.0))
    view = ScriptedWorldView(town_map, route, hero)
    results, _ = run(RouteCriteria(route, town_map, "2.x"), view)
    assert collisions([e for r in results for e in r.events]) == []
