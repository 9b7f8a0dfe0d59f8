"""The expert's per-frame context: actors as named columns, the frame read once, and its reasons as an enum."""

from __future__ import annotations

import json

import numpy as np
from expert_helpers import EGO_LENGTH_M, actor_record, observation_double, pedestrian_record

from expert import Actors, Expert, ExpertFrame, ExpertReason

RECORDS = [
    actor_record(7, 12.0, -3.5, heading_deg=90.0, vx_mps=0.0, vy_mps=4.0, length_m=4.9, width_m=2.1),
    actor_record(9, 30.0, 0.0, vx_mps=6.0),
    actor_record(11, -8.0, 3.5, heading_deg=180.0, vx_mps=-3.0),
]


def test_actors_hold_the_records_fields_as_named_columns() -> None:
    a = Actors.from_records(RECORDS)
    assert len(a) == 3
    np.testing.assert_array_equal(a.x_m, [12.0, 30.0, -8.0])
    np.testing.assert_array_equal(a.y_m, [-3.5, 0.0, 3.5])
    np.testing.assert_array_equal(a.heading_deg, [90.0, 0.0, 180.0])
    np.testing.assert_array_equal(a.length_m, [4.9, 4.5, 4.5])
    np.testing.assert_array_equal(a.width_m, [2.1, 1.9, 1.9])
    np.testing.assert_array_equal(a.speed_mps, [4.0, 6.0, 3.0])
    np.testing.assert_allclose(a.heading_rad, [np.pi / 2, 0.0, np.pi])
    assert a.id.dtype == np.int64 and a.id.tolist() == [7, 9, 11]


def test_actors_select_drop_and_join_by_rows() -> None:
    a = Actors.from_records(RECORDS)
    assert a.take(np.array([False, True, True])).id.tolist() == [9, 11]
    assert a.take(np.array([2, 0])).x_m.tolist() == [-8.0, 12.0]
    assert a.without({9, None}).id.tolist() == [7, 11]
    both = Actors.concat(a, Actors.from_records([pedestrian_record(3, 5.0, 1.0)]))
    assert both.id.tolist() == [7, 9, 11, 3] and both.length_m[-1] == 0.5


def test_no_records_give_empty_columns() -> None:
    empty = Actors.from_records([])
    assert len(empty) == 0 and empty.x_m.shape == (0,) and empty.id.dtype == np.int64
    assert len(empty.without({1})) == 0 and len(Actors.concat(empty, empty)) == 0


def test_the_frame_reads_the_observation_once() -> None:
    light = {"id": 3, "state": "Red", "distance_m": 20.0}
    obs = observation_double(speed_mps=5.0, vehicles=RECORDS, pedestrians=[pedestrian_record(4, 9.0, 2.0)], traffic_light=light)
    obs["route"]["distance_to_junction_m"] = 25
    frame = ExpertFrame.from_observation(obs)
    assert (frame.speed_mps, frame.length_m, frame.yaw_rate_dps, frame.standing_s) == (5.0, EGO_LENGTH_M, 0.0, 0.0)
    assert (frame.speed_limit_mps, frame.in_junction, frame.distance_to_junction_m) == (13.89, False, 25.0)
    assert frame.traffic_light is light and frame.stop_sign is None
    assert frame.vehicles.id.tolist() == [7, 9, 11] and frame.walkers.id.tolist() == [4]
    assert frame.path.length_m > 0.0
    assert ExpertFrame.from_observation(observation_double()).distance_to_junction_m is None


def test_reasons_are_the_recorded_strings() -> None:
    assert [r.value for r in ExpertReason] == [
        "cruise", "red_light", "yellow_light", "stop_sign", "vehicle", "pedestrian", "hazard", "junction_yield",
    ]  # fmt: skip
    decision = Expert().act(observation_double(speed_mps=5.0, traffic_light={"id": 3, "state": "Red", "distance_m": 8.0}))
    assert decision.reason is ExpertReason.RED_LIGHT and decision.reason == "red_light"
    assert isinstance(decision.reason, str) and f"{decision.reason}" == "red_light"
    assert json.dumps({"expert_reason": decision.reason}) == '{"expert_reason": "red_light"}'
