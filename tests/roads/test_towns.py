"""Bundled towns load, are well connected and carry the right signals; town resolution and its errors."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from leaderboard_adapter.roads.connectivity import dead_end_segments, trapping_segments, unreachable_junctions
from leaderboard_adapter.roads.opendrive import InvalidOpenDriveError, parse_opendrive, speed_limits_mps
from leaderboard_adapter.roads.towns import (
    BUNDLED_TOWNS_DIR,
    Town,
    TownNotFoundError,
    bundled_town_names,
    find_town_file,
    load_town,
)

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "towns" / "grid4x4_lights.xodr"
BUNDLED = ["EmbeddedArterial", "EmbeddedGrid", "EmbeddedStops"]


def test_bundled_town_names():
    assert set(BUNDLED) <= set(bundled_town_names())


@pytest.mark.parametrize("name", BUNDLED)
def test_bundled_town_is_connected(name):
    town = load_town(name)
    graph = town.lane_graph
    assert len(graph) > 50
    assert dead_end_segments(graph) == []
    assert trapping_segments(graph) == []
    assert unreachable_junctions(graph) == []
    assert (town.lat_ref, town.lon_ref) == (42.0, 2.0)
    assert town.speed_limits_mps and all(0 < v < 30 for v in town.speed_limits_mps.values())


def _landmark_types(town: Town) -> set[str]:
    return {lm.type for lm in town.map.get_all_landmarks()}


def test_signal_kinds_per_town():
    assert _landmark_types(load_town("EmbeddedGrid")) == {"1000001"}
    assert _landmark_types(load_town("EmbeddedArterial")) == {"1000001"}
    stops = load_town("EmbeddedStops")
    assert _landmark_types(stops) == {"206"}
    assert all(lm.name == "Stop" and not lm.is_dynamic for lm in stops.map.get_all_landmarks())
    controlled = [j for j, kinds in stops.junction_controls.items() if kinds == {"206"}]
    assert len(controlled) >= 5


def test_stop_signs_one_per_approach():
    stops = load_town("EmbeddedStops")
    root = parse_opendrive(stops.xodr)
    signals = [s for s in root.iter("signal")]
    refs = [r.get("id") for r in root.iter("signalReference")]
    # every signal is referenced by each connecting road of its approach, its own road included
    assert {s.get("id") for s in signals} == set(refs)
    assert len(stops.map.get_all_landmarks()) == len(refs)
    assert all(s.get("s") == "0" and s.get("type") == "206" for s in signals)


def test_arterial_has_two_lanes_per_direction():
    graph = load_town("EmbeddedArterial").lane_graph
    assert sum(1 for s in graph.segments if s.left is not None or s.right is not None) >= 20


def test_speed_limit_units():
    root = parse_opendrive(
        '<OpenDRIVE><road id="5" length="10"><planView><geometry/></planView><lanes><laneSection>'
        '<right><lane id="-1" type="driving"><speed max="36" unit="km/h"/></lane></right>'
        "</laneSection></lanes></road></OpenDRIVE>"
    )
    assert speed_limits_mps(root) == {5: pytest.approx(10.0)}


def test_town_dir_and_explicit_xodr(tmp_path):
    shutil.copy(FIXTURE, tmp_path / "Town99.xodr")
    assert find_town_file("Town99", town_dir=tmp_path) == tmp_path / "Town99.xodr"
    assert find_town_file("town99", town_dir=tmp_path) == tmp_path / "Town99.xodr"
    town = load_town("Whatever", xodr_path=FIXTURE)
    assert town.name == "Whatever" and len(town.map.get_topology()) > 0
    assert load_town("Whatever", xodr_path=FIXTURE) is town  # cached
    assert find_town_file("EmbeddedGrid", town_dir=tmp_path) == BUNDLED_TOWNS_DIR / "EmbeddedGrid.xodr"


def test_town_not_found_lists_places_and_towns(tmp_path):
    shutil.copy(FIXTURE, tmp_path / "Town99.xodr")
    with pytest.raises(TownNotFoundError) as err:
        find_town_file("Town01", town_dir=tmp_path)
    message = str(err.value)
    assert (
        "Town01" in message and str(tmp_path) in message and "Town99" in message and "EmbeddedGrid" in message
    )
    with pytest.raises(TownNotFoundError, match="does not exist"):
        find_town_file("Town01", xodr_path=tmp_path / "missing.xodr")
    with pytest.raises(TownNotFoundError, match="not a folder"):
        find_town_file("Town01", town_dir=tmp_path / "nope")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("this is not xml", "not well-formed XML"),
        ("<osm></osm>", "root element is <osm>"),
        ("<OpenDRIVE><header/></OpenDRIVE>", "no <road>"),
        (
            '<OpenDRIVE><road id="x" length="1"><planView><geometry/></planView></road></OpenDRIVE>',
            "not numeric",
        ),
        ("", "empty"),
    ],
)
def test_invalid_opendrive_names_file(tmp_path, text, problem):
    path = tmp_path / "Broken.xodr"
    path.write_text(text)
    with pytest.raises(InvalidOpenDriveError, match=problem) as err:
        load_town("Broken", town_dir=tmp_path)
    assert "Broken.xodr" in str(err.value)
