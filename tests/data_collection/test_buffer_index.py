"""BufferIndex: which frames an infraction follows, route filters, order, loading frames by offset."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from buffer_helpers import make_header, make_observation, write_shard

from data_collection import BufferIndex, ShardFormatError, ShardWriter, read_shard
from data_collection.infractions import InfractionMark, mark_frames


def test_frames_up_to_lookahead_before_an_event_are_marked() -> None:
    times = [0.5 * i for i in range(12)]  # 0 .. 5.5 s
    marks = mark_frames(times, [(4.55, "collisions_vehicle")], lookahead_s=2.0)
    marked = {t: m for t, m in zip(times, marks, strict=True) if m is not None}
    assert sorted(marked) == [3.0, 3.5, 4.0, 4.5]  # 2.55 s before is too early; 5.0 s is after
    assert marked[3.0] == InfractionMark(("collisions_vehicle",), 1.55)
    assert marked[4.5] == InfractionMark(("collisions_vehicle",), 0.05)


def test_window_ends_are_inclusive_despite_float_rounding() -> None:
    marks = mark_frames([4.55, 6.55, 6.56], [(6.55, "red_light")], lookahead_s=2.0)
    assert marks == [InfractionMark(("red_light",), 2.0), InfractionMark(("red_light",), 0.0), None]


def test_a_frame_before_several_events_lists_their_kinds_and_the_nearest() -> None:
    events = [
        (3.0, "red_light"),
        (2.0, "collisions_vehicle"),
        (2.5, "collisions_vehicle"),
        (9.0, "route_dev"),
    ]
    [mark] = mark_frames([1.5], events, lookahead_s=2.0)
    assert mark == InfractionMark(("collisions_vehicle", "red_light"), 0.5)


def test_scan_marks_frames_of_the_event_shard_only(tmp_path: Path) -> None:
    hit = write_shard(tmp_path, "RouteScenario_1", n_frames=20, events=[(6.0, "collisions_vehicle")])
    write_shard(tmp_path, "RouteScenario_2", n_frames=20)
    index = BufferIndex.scan(tmp_path, lookahead_s=2.0)

    assert len(index) == 40
    flagged = index.frames_with_infractions()
    assert [(ref.shard, ref.game_time_s) for ref in flagged] == [(hit, t) for t in (4.0, 4.5, 5.0, 5.5, 6.0)]
    assert [ref.seconds_before for ref in flagged] == [2.0, 1.5, 1.0, 0.5, 0.0]
    assert all(ref.kinds == ("collisions_vehicle",) for ref in flagged)
    calm = [ref for ref in index.frames if not ref.infraction]
    assert all(ref.kinds == () and ref.seconds_before is None for ref in calm)
    assert index.frames_from_route("RouteScenario_2") == [ref for ref in index.frames if ref.shard != hit]


def test_lookahead_and_event_kinds_change_the_marking(tmp_path: Path) -> None:
    write_shard(tmp_path, n_frames=20, events=[(6.0, "collisions_vehicle"), (9.5, "route_timeout")])
    assert len(BufferIndex.scan(tmp_path, lookahead_s=0.5).frames_with_infractions()) == 4
    only_collisions = BufferIndex.scan(tmp_path, lookahead_s=1.0, event_kinds=["collisions_vehicle"])
    assert [ref.game_time_s for ref in only_collisions.frames_with_infractions()] == [5.0, 5.5, 6.0]
    with pytest.raises(ValueError, match="lookahead_s must be >= 0"):
        BufferIndex.scan(tmp_path, lookahead_s=-1.0)


def test_load_returns_the_frame_with_its_mark_route_and_shard(tmp_path: Path) -> None:
    path = write_shard(tmp_path, "RouteScenario_5", n_frames=8, events=[(3.2, "red_light")])
    index = BufferIndex.scan(tmp_path)

    loaded = index.load(index.frames[3])
    assert loaded == {
        "frame": 30,
        "game_time_s": 1.5,
        "driver": "policy",
        "policy_action": {"target_speed_mps": 5.0, "steer_deg": 1.2},
        "expert_action": {"target_speed_mps": 4.0, "steer_deg": 1.0},
        "expert_reason": "vehicle",
        "observation": make_observation(3),
        "infraction": {"kinds": ["red_light"], "seconds_before": 1.7},
        "route_id": "RouteScenario_5",
        "shard": str(path),
    }
    assert index.load(index.frames[0])["infraction"] is None
    assert [index.load(ref)["observation"] for ref in index.frames] == [make_observation(i) for i in range(8)]


def test_order_is_by_shard_path_then_position_and_repeats(tmp_path: Path) -> None:
    for route in ("B", "A", "C"):
        write_shard(tmp_path / route[0].lower(), route, n_frames=3)
    first, second = BufferIndex.scan(tmp_path), BufferIndex.scan(tmp_path)
    assert first.frames == second.frames
    assert [(ref.route_id, ref.frame) for ref in first.frames] == [(r, f) for r in "ABC" for f in (0, 10, 20)]
    assert [s.header.route_id for s in first.shards] == ["A", "B", "C"]


def test_unfinished_shards_are_indexed_and_load_after_being_closed(tmp_path: Path) -> None:
    writer = ShardWriter.create(tmp_path, make_header("RouteScenario_7"), flush_every=1)
    for i in range(3):
        writer.add_frame(
            frame=i, game_time_s=0.5 * i, observation={"i": i}, policy_action=None, expert_action={}
        )
    writer.add_event(frame=3, game_time_s=1.0, kind="collisions_pedestrian")
    index = BufferIndex.scan(tmp_path)
    [summary] = index.shards
    assert (summary.complete, summary.status, summary.n_frames) == (False, None, 3)
    assert [ref.infraction for ref in index.frames] == [True, True, True]

    writer.close()
    assert not index.frames[0].shard.exists()
    assert [index.load(ref)["observation"] for ref in index.frames] == [{"i": 0}, {"i": 1}, {"i": 2}]
    [closed] = BufferIndex.scan(tmp_path).shards
    assert (closed.path, closed.complete, closed.status) == (writer.path, True, "Completed")


def test_scan_of_an_empty_dir_is_empty(tmp_path: Path) -> None:
    index = BufferIndex.scan(tmp_path)
    assert (index.frames, index.shards, index.frames_with_infractions()) == ([], [], [])


def test_reading_without_observations_gives_the_same_frames_less_observations(tmp_path: Path) -> None:
    path = write_shard(tmp_path, n_frames=6, events=[(1.2, "red_light")])
    full, light = read_shard(path), read_shard(path, observations=False)
    assert light.frames == [{k: v for k, v in f.items() if k != "observation"} for f in full.frames]
    assert (light.events, light.frame_offsets, light.complete) == (
        full.events,
        full.frame_offsets,
        full.complete,
    )


def test_scan_reads_frames_laid_out_other_than_the_writer_does(tmp_path: Path) -> None:
    """Observation first, or an "observation" key nested in an action: the scan still reads the frame."""
    path = write_shard(tmp_path, n_frames=1, status=None)
    reordered = {
        "observation": {"hero": {"speed_mps": 2.0}},
        "type": "frame",
        "frame": 10,
        "game_time_s": 0.5,
        "driver": "expert",
        "policy_action": {"steer_deg": 0.0, "observation": {"seen": True}},
        "expert_action": {},
        "expert_reason": None,
    }
    with path.open("a") as file:
        file.write(json.dumps(reordered) + "\n")
        file.write(json.dumps({**reordered, "frame": 20, "game_time_s": 1.0}, separators=(",", ":")) + "\n")
    index = BufferIndex.scan(tmp_path)
    assert [(ref.frame, ref.driver) for ref in index.frames] == [
        (0, "policy"),
        (10, "expert"),
        (20, "expert"),
    ]
    assert index.load(index.frames[2])["policy_action"] == {"steer_deg": 0.0, "observation": {"seen": True}}


def test_a_corrupt_observation_is_found_when_the_frame_is_loaded(tmp_path: Path) -> None:
    path = write_shard(tmp_path, n_frames=3)
    path.write_bytes(path.read_bytes().replace(b'"traffic_light":null', b'"traffic_light":nul!', 1))
    index = BufferIndex.scan(tmp_path)
    assert len(index) == 3
    index.load(index.frames[1])
    with pytest.raises(
        ShardFormatError, match=rf"{path.name}, byte {index.frames[0].offset_bytes}: not a JSON record"
    ):
        index.load(index.frames[0])
    with pytest.raises(ShardFormatError, match=rf"{path.name}, line 2: not a JSON record"):
        read_shard(path)
