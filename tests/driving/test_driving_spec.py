"""DRIVE_SPEC: the function the LLM writes and its doc, which must name every key of a real observation."""

from __future__ import annotations

import re

from driving_helpers import built_observations

from langprop_driver.driving import DRIVE_SPEC
from leaderboard_adapter.control import ACTION_KEYS
from leaderboard_adapter.observation import LIGHT_STATES, ROAD_OPTIONS


def mentioned(word: str) -> bool:
    return re.search(rf"(?<![\w.]){re.escape(word)}(?!\w)", DRIVE_SPEC.doc) is not None


def keys_of(observations: tuple[dict, ...]) -> dict[str, set[str]]:
    """The keys each section of the observations holds (lists and None sections included when present)."""
    sections: dict[str, set[str]] = {
        "top": set(),
        "ego": set(),
        "route": set(),
        "route point": set(),
        "actor": set(),
        "traffic_light": set(),
        "stop_sign": set(),
    }
    for obs in observations:
        sections["top"] |= set(obs)
        sections["ego"] |= set(obs["ego"])
        sections["route"] |= set(obs["route"])
        for point in obs["route"]["points"]:
            sections["route point"] |= set(point)
        for actor in obs["vehicles"] + obs["pedestrians"]:
            sections["actor"] |= set(actor)
        for signal in ("traffic_light", "stop_sign"):
            if obs[signal] is not None:
                sections[signal] |= set(obs[signal])
    return sections


def test_the_spec_is_drive_of_one_observation() -> None:
    assert DRIVE_SPEC.signature == "def drive(observation):"
    assert not DRIVE_SPEC.spread_args


def test_the_doc_mentions_every_key_of_observations_built_in_the_embedded_world() -> None:
    sections = keys_of(built_observations())
    assert all(sections.values()), f"the built observations left a section empty: {sections}"
    assert len(sections["top"]) == 8 and len(sections["ego"]) == 12 and len(sections["actor"]) == 10
    unmentioned = {name: sorted(k for k in keys if not mentioned(k)) for name, keys in sections.items()}
    assert unmentioned == {name: [] for name in sections}


def test_the_doc_states_frame_units_return_value_and_rules() -> None:
    doc = DRIVE_SPEC.doc
    for key in ACTION_KEYS:
        assert mentioned(key)
    for value in (*ROAD_OPTIONS, *LIGHT_STATES):
        assert f'"{value}"' in doc
    for phrase in (
        "x FORWARD",
        "y to the LEFT",
        "positive to the LEFT",
        "FRONT BUMPER",
        "None or []",
        "speed_limit_mps",
        "stop sign",
        "pedestrians",
        "Yield in junctions",
        "headway",
    ):
        assert phrase in doc, phrase
    # the key words of the doc are its key names: a typo'd key would show up here
    assert not mentioned("target_speed") and not mentioned("steer_angle")
