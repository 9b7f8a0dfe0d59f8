"""find_infraction: the n-th infraction of a kind in a real results file, and errors that list what exists."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from leaderboard_adapter.replay import ReplayError, find_infraction
from leaderboard_adapter.replay.infraction_ref import message_actor, message_place

ROUTE = "RouteScenario_0_rep0"


def red_lights(results: Path) -> list[str]:
    (record,) = json.loads(results.read_text())["_checkpoint"]["records"]
    return record["infractions"]["red_light"]


def test_each_occurrence_is_found_with_its_message_and_place(follower_results: Path) -> None:
    messages = red_lights(follower_results)
    assert messages  # the route follower runs red lights
    for occurrence, message in enumerate(messages):
        ref = find_infraction(follower_results, ROUTE, "red_light", occurrence)
        assert (ref.route_id, ref.record_index, ref.kind, ref.occurrence) == (
            ROUTE,
            0,
            "red_light",
            occurrence,
        )
        assert ref.message == message and ref.results_path == follower_results
        assert ref.actor_id == int(message.split("red light ")[1].split(" ")[0])  # the light's id
        x, y = (float(part.split("=")[1]) for part in message.split("(")[1].split(", ")[:2])
        assert ref.xy_m == (x, y)


def test_a_missing_or_broken_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ReplayError, match=r"results file .*nothing.json'.*does not exist"):
        find_infraction(tmp_path / "nothing.json", ROUTE, "red_light")
    broken = tmp_path / "broken.json"
    broken.write_text("{")
    with pytest.raises(ReplayError, match="is not valid JSON"):
        find_infraction(broken, ROUTE, "red_light")


def test_a_missing_route_lists_the_routes_held(follower_results: Path) -> None:
    with pytest.raises(
        ReplayError, match=r"has no record 'RouteScenario_7_rep0'; it holds: RouteScenario_0_rep0$"
    ):
        find_infraction(follower_results, "RouteScenario_7_rep0", "red_light")


def test_an_unknown_kind_lists_the_kinds(follower_results: Path) -> None:
    with pytest.raises(
        ReplayError,
        match=r"unknown infraction kind 'red_lights'; the kinds are: collisions_layout, .*red_light",
    ):
        find_infraction(follower_results, ROUTE, "red_lights")


def test_a_kind_the_route_does_not_have_lists_the_kinds_it_has(follower_results: Path) -> None:
    count = len(red_lights(follower_results))
    with pytest.raises(
        ReplayError, match=rf"has no 'collisions_vehicle' infraction; its infractions: red_light \({count}\)"
    ):
        find_infraction(follower_results, ROUTE, "collisions_vehicle")


def test_an_occurrence_past_the_last_says_how_many_there_are(follower_results: Path) -> None:
    count = len(red_lights(follower_results))
    with pytest.raises(
        ReplayError, match=rf"has {count} 'red_light' infraction\(s\) \(occurrences 0 to {count - 1}\)"
    ):
        find_infraction(follower_results, ROUTE, "red_light", count)
    with pytest.raises(ReplayError, match="occurrence must be an int >= 0"):
        find_infraction(follower_results, ROUTE, "red_light", -1)


def test_messages_without_a_place_have_none() -> None:
    assert message_place("Route timeout.") is None
    assert message_place(
        "Agent collided against object with type=static.prop and id=-1 at (x=-1.5, y=2e1, z=0.0)"
    ) == (
        -1.5,
        20.0,
    )


@pytest.mark.parametrize(
    ("message", "actor_id"),
    [
        ("Agent collided against object with type=vehicle.embedded and id=12 at (x=1.0, y=2.0, z=0.0)", 12),
        (
            "Agent collided against object with type=walker.pedestrian.embedded and id=1000003 at (x=1, y=2, z=0)",
            1000003,
        ),
        (
            "Agent collided against object with type=static.layout.embedded and id=0 at (x=1.0, y=2.0, z=0.0)",
            0,
        ),
        ("Agent ran a red light 32 at (x=226.67, y=-337.45, z=0.0)", 32),
        ("Agent ran a stop with id=7 at (x=3.0, y=4.0, z=0.0)", 7),
        ("Agent deviated from the route at (x=3.0, y=4.0, z=0.0)", None),
        ("Route timeout.", None),
    ],
)
def test_messages_name_the_other_actor(message: str, actor_id: int | None) -> None:
    assert message_actor(message) == actor_id
