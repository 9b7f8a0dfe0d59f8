"""ShardWriter: round trip, file naming, flushing, refused values, closing."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from buffer_helpers import make_header, make_observation

from data_collection import BUFFER_SCHEMA_VERSION, ShardWriter, read_shard


def test_round_trip_keeps_header_frames_and_events(tmp_path: Path) -> None:
    header = make_header(
        route_index=-1, driver="mixed", beta=0.3, world="carla", extra={"host_gpu": "h100", "ids": [1, 2]}
    )
    with ShardWriter.create(tmp_path / "buffer", header, flush_every=2) as writer:
        writer.add_frame(
            frame=120,
            game_time_s=6.0,
            observation=make_observation(1),
            policy_action={"target_speed_mps": 5.0, "steer_deg": 1.2},
            expert_action={"target_speed_mps": 4.0, "steer_deg": 1.0},
            expert_reason="vehicle",
            driver="policy",
        )
        writer.add_event(
            frame=131, game_time_s=6.55, kind="collisions_vehicle", message="hit 42", details={"actor_id": 42}
        )
        writer.add_frame(
            frame=130,
            game_time_s=6.5,
            observation=make_observation(2),
            policy_action=None,
            expert_action={"target_speed_mps": 0.0, "steer_deg": -0.5},
            driver="expert",
        )
    shard = read_shard(writer.path)

    assert shard.header == header
    assert shard.complete and shard.status == "Completed"
    assert shard.path == writer.path
    assert shard.frames == [
        {
            "frame": 120,
            "game_time_s": 6.0,
            "driver": "policy",
            "policy_action": {"target_speed_mps": 5.0, "steer_deg": 1.2},
            "expert_action": {"target_speed_mps": 4.0, "steer_deg": 1.0},
            "expert_reason": "vehicle",
            "observation": make_observation(1),
        },
        {
            "frame": 130,
            "game_time_s": 6.5,
            "driver": "expert",
            "policy_action": None,
            "expert_action": {"target_speed_mps": 0.0, "steer_deg": -0.5},
            "expert_reason": None,
            "observation": make_observation(2),
        },
    ]
    assert shard.events == [
        {
            "frame": 131,
            "game_time_s": 6.55,
            "kind": "collisions_vehicle",
            "message": "hit 42",
            "details": {"actor_id": 42},
        }
    ]
    first_line = writer.path.read_text().splitlines()[0]
    assert f'"schema_version":{BUFFER_SCHEMA_VERSION}' in first_line and '"type":"header"' in first_line


def test_a_leaderboard_route_id_names_its_repetition_once(tmp_path: Path) -> None:
    with ShardWriter.create(tmp_path, make_header("RouteScenario_3_rep1", repetition=1)) as writer:
        assert writer.path.name.startswith("RouteScenario_3_rep1_2")  # then the UTC year
    with ShardWriter.create(tmp_path, make_header("RouteScenario_3_rep1", repetition=0)) as writer:
        assert writer.path.name.startswith("RouteScenario_3_rep1_rep0_")


def test_shard_is_part_while_open_and_renamed_on_close(tmp_path: Path) -> None:
    writer = ShardWriter.create(tmp_path, make_header("Route/with spaces"))
    assert writer.path.name.endswith(".shard.jsonl.part")
    assert writer.path.name.startswith("Route-with-spaces_rep0_")
    part = writer.path
    writer.close("Failed - Agent crashed")
    assert not part.exists()
    assert writer.path.name.endswith(".shard.jsonl") and writer.path.exists()
    assert [p.name for p in tmp_path.iterdir()] == [writer.path.name]
    assert read_shard(writer.path).status == "Failed - Agent crashed"


def test_writers_in_one_process_pick_different_names(tmp_path: Path) -> None:
    paths = {ShardWriter.create(tmp_path, make_header()).path for _ in range(5)}
    assert len(paths) == 5


def test_frames_reach_disk_every_flush_every_frames_and_at_each_event(tmp_path: Path) -> None:
    writer = ShardWriter.create(tmp_path, make_header(), flush_every=3)

    def add(i: int) -> None:
        writer.add_frame(frame=i, game_time_s=0.5 * i, observation={}, policy_action=None, expert_action={})

    add(0)
    add(1)
    assert (len(read_shard(writer.path).frames), writer.frames_on_disk) == (0, 0)
    add(2)
    assert (len(read_shard(writer.path).frames), writer.frames_on_disk) == (3, 3)
    add(3)
    writer.add_event(frame=3, game_time_s=1.5, kind="red_light")
    on_disk = read_shard(writer.path)
    assert (len(on_disk.frames), len(on_disk.events), writer.frames_on_disk) == (4, 1, 4)
    assert not on_disk.complete and on_disk.status is None


def test_exception_in_with_block_closes_as_failed(tmp_path: Path) -> None:
    with pytest.raises(KeyError), ShardWriter.create(tmp_path, make_header()) as writer:
        writer.add_frame(frame=0, game_time_s=0.0, observation={}, policy_action=None, expert_action={})
        raise KeyError("boom")
    shard = read_shard(writer.path)
    assert shard.complete and shard.status == "Failed - KeyError"
    assert len(shard.frames) == 1


@pytest.mark.parametrize(
    ("observation", "message"),
    [
        (
            {"vehicles": [{"speed_mps": 1.0}, {"speed_mps": math.nan}]},
            r"observation\.vehicles\[1\]\.speed_mps is nan",
        ),
        ({"hero": {"x_m": -math.inf}}, r"observation\.hero\.x_m is -inf"),
        ({"lights": {3: "red"}}, r"observation\.lights has a int key 3"),
        ({"hero": {"speed_mps": np.float32(2.0)}}, r"observation\.hero\.speed_mps is a float32"),
    ],
)
def test_values_json_cannot_hold_are_refused_by_key_path(
    tmp_path: Path, observation: dict, message: str
) -> None:
    writer = ShardWriter.create(tmp_path, make_header(), flush_every=1)
    with pytest.raises(ValueError, match=message):
        writer.add_frame(
            frame=0, game_time_s=0.0, observation=observation, policy_action=None, expert_action={}
        )
    writer.add_frame(
        frame=1, game_time_s=0.5, observation={"ok": (1, 2)}, policy_action=None, expert_action={}
    )
    writer.close()
    assert [f["observation"] for f in read_shard(writer.path).frames] == [{"ok": [1, 2]}]


def test_nan_in_an_action_or_event_details_is_refused(tmp_path: Path) -> None:
    writer = ShardWriter.create(tmp_path, make_header())
    with pytest.raises(ValueError, match=r"policy_action\.steer_deg is nan"):
        writer.add_frame(
            frame=0, game_time_s=0.0, observation={}, policy_action={"steer_deg": math.nan}, expert_action={}
        )
    with pytest.raises(ValueError, match=r"details\.percentage is inf"):
        writer.add_event(
            frame=0, game_time_s=0.0, kind="min_speed_infractions", details={"percentage": math.inf}
        )


def test_frames_out_of_order_and_bad_stamps_are_refused(tmp_path: Path) -> None:
    writer = ShardWriter.create(tmp_path, make_header())
    writer.add_frame(frame=10, game_time_s=0.5, observation={}, policy_action=None, expert_action={})
    with pytest.raises(ValueError, match="frame 10 does not follow frame 10"):
        writer.add_frame(frame=10, game_time_s=0.5, observation={}, policy_action=None, expert_action={})
    with pytest.raises(ValueError, match="game_time_s must be a finite number"):
        writer.add_frame(frame=20, game_time_s=math.nan, observation={}, policy_action=None, expert_action={})
    with pytest.raises(ValueError, match="frame must be an int"):
        writer.add_event(frame=1.5, game_time_s=0.5, kind="red_light")


def test_mixed_shard_needs_a_driver_per_frame(tmp_path: Path) -> None:
    writer = ShardWriter.create(tmp_path, make_header(driver="mixed", beta=0.5))
    with pytest.raises(ValueError, match="needs driver="):
        writer.add_frame(frame=0, game_time_s=0.0, observation={}, policy_action=None, expert_action={})
    with pytest.raises(ValueError, match="driver must be one of"):
        writer.add_frame(
            frame=0, game_time_s=0.0, observation={}, policy_action=None, expert_action={}, driver="mixed"
        )


def test_closed_writer_refuses_records_and_closes_once(tmp_path: Path) -> None:
    writer = ShardWriter.create(tmp_path, make_header())
    writer.close("Completed")
    writer.close("Failed - again")
    assert read_shard(writer.path).status == "Completed"
    with pytest.raises(RuntimeError, match="is closed"):
        writer.add_event(frame=0, game_time_s=0.0, kind="red_light")


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"driver": "autopilot"}, "driver must be one of"),
        ({"world": "unreal"}, "world must be one of"),
        ({"beta": 1.5}, r"beta is a probability in \[0, 1\]"),
        ({"frame_rate_hz": 0.0}, "frame_rate_hz must be > 0"),
        ({"repetition": -1}, "repetition must be >= 0"),
        ({"route_index": -2}, r"route_index must be >= 0 \(or -1: unknown\)"),
        ({"seed": "7"}, "seed must be of type int, got '7'"),
        ({"beta": True}, "beta must be of type float, got True"),
        ({"extra": None}, "extra must be of type dict"),
        ({"route_id": ""}, "route_id is empty"),
        ({"extra": {"gain": math.nan}}, r"ShardHeader\.extra\.gain is nan"),
    ],
)
def test_invalid_header_is_refused(overrides: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make_header(**overrides)


def test_flush_every_must_be_positive(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="flush_every must be an int >= 1"):
        ShardWriter.create(tmp_path, make_header(), flush_every=0)
    assert list(tmp_path.iterdir()) == []
