"""The rendered observation always shows what set the expert's speed: the actor (however far, whatever the
cut), the light or the stop sign."""

from __future__ import annotations

import json

import pytest
from driving_helpers import actor_record, observation_double, pedestrian_record
from test_driving_doc_rules import recorded_ticks

from expert import Expert
from langprop_driver.driving import ObservationRendering, render_value
from langprop_driver.driving.rendering import reason_actor_id

TIGHT = ObservationRendering(actor_range_m=5.0, max_actors=1, max_route_points=5)


def _shown(text: str) -> dict:
    return json.loads(text.split(" [left out: ")[0])


def test_a_far_standing_car_in_the_lane_is_kept_beyond_the_range_and_the_count() -> None:
    parked = [actor_record(10 + i, 4.0 + 4.0 * i, 6.0) for i in range(7)]  # beside the road, within 30 m
    far = actor_record(99, 45.0, 0.0)  # standing in the lane, 45 m ahead
    observation = observation_double(speed_mps=12.0, vehicles=[*parked, far])
    decision = Expert().act(observation)
    assert (decision.reason, decision.actor_id) == ("vehicle", 99)
    text = render_value(observation)
    shown = _shown(text)
    assert [v["id"] for v in shown["vehicles"]] == [10, 11, 12, 13, 14, 15, 99]
    assert "the 2 farthest of 8 vehicles but id 99, which sets the expert's speed" in text
    # without the option, the far car is cut like any other
    plain = _shown(render_value(observation, ObservationRendering(keep_reason_actor=False)))
    assert 99 not in [v["id"] for v in plain["vehicles"]]


def test_a_pedestrian_in_the_path_is_kept_even_with_no_actors_allowed() -> None:
    observation = observation_double(speed_mps=8.0, pedestrians=[pedestrian_record(7, 20.0, 0.3)])
    assert reason_actor_id(observation) == 7
    shown = _shown(render_value(observation, ObservationRendering(max_actors=0)))
    assert [p["id"] for p in shown["pedestrians"]] == [7]


@pytest.mark.parametrize(
    ("light", "stop"),
    [
        ({"id": 3, "state": "Red", "distance_m": 55.0}, None),
        (None, {"id": 9, "distance_m": 48.0, "completed_stop": False}),
    ],
)
def test_a_far_light_or_stop_sign_is_shown_past_the_cut_route(light: dict | None, stop: dict | None) -> None:
    observation = observation_double(speed_mps=13.0, traffic_light=light, stop_sign=stop)
    assert Expert().act(observation).reason in ("red_light", "stop_sign")
    shown = _shown(render_value(observation, TIGHT))
    assert shown["traffic_light"] == light and shown["stop_sign"] == stop
    assert len(shown["route"]["points"]) == 5


def test_on_recorded_frames_the_reason_is_always_shown_however_tight_the_rendering() -> None:
    checked = 0
    for tick in recorded_ticks():
        decision = tick.decision
        for rendering in (ObservationRendering(), TIGHT):
            shown = _shown(render_value(tick.observation, rendering))
            if decision.reason in ("red_light", "yellow_light"):
                assert shown["traffic_light"]["id"] == decision.actor_id
            elif decision.reason == "stop_sign":
                assert shown["stop_sign"]["id"] == decision.actor_id
            elif decision.actor_id is not None:
                ids = [a["id"] for a in shown["vehicles"] + shown["pedestrians"]]
                assert decision.actor_id in ids, (decision, rendering)
                checked += 1
    assert checked > 500  # vehicles, pedestrians, hazards and junction yields were among them
