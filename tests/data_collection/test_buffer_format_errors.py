"""Files that are not shards of this schema version: ShardFormatError naming the file and the problem."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from buffer_helpers import write_shard

from data_collection import BufferIndex, ShardFormatError, read_shard


def _rewrite_line(path: Path, number: int, change) -> None:
    lines = path.read_text().splitlines(keepends=True)
    lines[number] = json.dumps(change(json.loads(lines[number]))) + "\n"
    path.write_text("".join(lines))


def test_other_schema_version_is_refused(tmp_path: Path) -> None:
    path = write_shard(tmp_path, n_frames=2)
    _rewrite_line(path, 0, lambda header: {**header, "schema_version": 99})
    with pytest.raises(
        ShardFormatError, match=rf"{path.name}: shard schema_version 99, but this reader reads version 1"
    ):
        read_shard(path)


def test_header_with_missing_or_unknown_fields_is_refused(tmp_path: Path) -> None:
    path = write_shard(tmp_path, n_frames=2)
    _rewrite_line(
        path, 0, lambda header: {**{k: v for k, v in header.items() if k != "town"}, "weather": "rain"}
    )
    with pytest.raises(ShardFormatError, match=r"missing \['town'\], unknown \['weather'\]"):
        read_shard(path)


def test_header_with_invalid_value_is_refused(tmp_path: Path) -> None:
    path = write_shard(tmp_path, n_frames=2)
    _rewrite_line(path, 0, lambda header: {**header, "driver": "autopilot"})
    with pytest.raises(
        ShardFormatError, match=rf"{path.name}: invalid header: ShardHeader.driver must be one of"
    ):
        read_shard(path)


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"", "no complete header line"),
        (b"hello world\n", "line 1: not a JSON record"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "line 1: not a JSON record"),
        (b"[1, 2, 3]\n", "line 1: a record must be a JSON object"),
        (b'{"type": "frame", "frame": 0}\n', "the first record is not a header"),
    ],
)
def test_garbage_file_is_refused_by_name(tmp_path: Path, content: bytes, problem: str) -> None:
    path = tmp_path / "notes.shard.jsonl"
    path.write_bytes(content)
    with pytest.raises(ShardFormatError, match=problem) as caught:
        read_shard(path)
    assert str(path) in str(caught.value)


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("{not json\n", "line 3: not a JSON record"),
        ('{"type": "photo"}\n', "line 3: unknown record type 'photo'"),
        (
            '{"type": "event", "frame": 1, "game_time_s": 0.5, "kind": "red_light", "message": ""}\n',
            "line 3: event record has no 'details' field",
        ),
        (
            '{"type": "event", "frame": 1, "game_time_s": "late", "kind": "red_light", "message": "", "details": {}}\n',
            "line 3: event record field 'game_time_s' is 'late'",
        ),
    ],
)
def test_corrupt_record_in_the_middle_is_refused_by_file_and_line(
    tmp_path: Path, line: str, problem: str
) -> None:
    path = write_shard(tmp_path, n_frames=4)
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(lines[:2] + [line] + lines[2:]))
    with pytest.raises(ShardFormatError, match=rf"{path.name}, {problem}"):
        read_shard(path)


def test_record_after_the_end_record_is_refused(tmp_path: Path) -> None:
    path = write_shard(tmp_path, n_frames=2)
    path.write_text(path.read_text() + path.read_text().splitlines(keepends=True)[1])
    with pytest.raises(ShardFormatError, match="line 5: a record follows the end record"):
        read_shard(path)


def test_scan_names_the_bad_file_among_good_ones(tmp_path: Path) -> None:
    write_shard(tmp_path, n_frames=2)
    bad = tmp_path / "day2" / "broken.shard.jsonl.part"
    bad.parent.mkdir()
    bad.write_text("garbage\n")
    with pytest.raises(ShardFormatError, match="broken.shard.jsonl.part"):
        BufferIndex.scan(tmp_path)


def test_scan_ignores_files_not_named_as_shards(tmp_path: Path) -> None:
    write_shard(tmp_path, n_frames=2)
    (tmp_path / "metrics.jsonl").write_text("garbage\n")
    (tmp_path / ".leftover.tmp").write_text("garbage\n")
    assert len(BufferIndex.scan(tmp_path)) == 2


def test_scan_of_a_missing_dir_names_it(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"buffer directory .*nowhere does not exist"):
        BufferIndex.scan(tmp_path / "nowhere")
