"""Crash safety and concurrency: killed writers, truncated tails, two processes writing one dir."""

from __future__ import annotations

import os
import signal
from pathlib import Path

from buffer_helpers import FRAME_STEP, start_writer_process, write_shard

from data_collection import BufferIndex, read_shard


def test_writer_killed_mid_run_leaves_a_readable_shard_with_every_flushed_frame(tmp_path: Path) -> None:
    process = start_writer_process(tmp_path, "RouteScenario_9", n_frames=0, flush_every=7)
    assert process.stdout is not None
    reported = 0
    for line in process.stdout:
        reported = int(line.split()[1])
        if reported >= 70:
            break
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=120)  # a generous bound on reaping, not a measurement
    assert process.returncode == -signal.SIGKILL

    [path] = list(tmp_path.iterdir())
    assert path.name.endswith(".shard.jsonl.part")
    shard = read_shard(path)
    assert not shard.complete and shard.status is None
    assert len(shard.frames) >= reported
    assert [f["frame"] for f in shard.frames] == [FRAME_STEP * i for i in range(len(shard.frames))]
    assert len(BufferIndex.scan(tmp_path)) == len(shard.frames)


def test_truncated_last_line_is_ignored(tmp_path: Path) -> None:
    path = write_shard(tmp_path, n_frames=5, status=None)
    full = path.read_bytes()
    last_line_start = full.rstrip(b"\n").rfind(b"\n") + 1
    path.write_bytes(full[: last_line_start + 40])

    shard = read_shard(path)
    assert [f["frame"] for f in shard.frames] == [0, 10, 20, 30]
    assert not shard.complete and shard.status is None


def test_end_record_cut_before_its_newline_leaves_the_shard_incomplete(tmp_path: Path) -> None:
    path = write_shard(tmp_path, n_frames=3, status="Completed")
    path.write_bytes(path.read_bytes()[:-1])
    shard = read_shard(path)
    assert len(shard.frames) == 3 and not shard.complete and shard.status is None


def test_two_processes_writing_one_dir_make_two_intact_shards(tmp_path: Path) -> None:
    buffer_dir, go_file = tmp_path / "buffer", tmp_path / "go"
    processes = [
        start_writer_process(buffer_dir, route, n_frames=150, flush_every=3, go_file=go_file)
        for route in ("A", "B")
    ]
    for process in processes:
        assert process.stdout is not None and process.stdout.readline() == "ready\n"
    open_at_once = sorted(p.name for p in buffer_dir.iterdir())
    go_file.touch()
    closed = []
    for process in processes:
        out, _ = process.communicate(timeout=300)
        assert process.returncode == 0
        closed.append(Path(out.splitlines()[-1].removeprefix("closed ")))

    assert len(open_at_once) == 2 and all(name.endswith(".shard.jsonl.part") for name in open_at_once)
    assert sorted(p.name for p in buffer_dir.iterdir()) == sorted(p.name for p in closed)
    for route, path in zip(("A", "B"), closed, strict=True):
        shard = read_shard(path)
        assert shard.complete and shard.status == "Completed"
        assert shard.header.route_id == route
        assert [f["frame"] for f in shard.frames] == [FRAME_STEP * i for i in range(150)]


def test_shard_killed_between_end_record_and_rename_reads_complete(tmp_path: Path) -> None:
    finished = write_shard(tmp_path, n_frames=3, status="Completed")
    part = finished.with_name(finished.name + ".part")
    finished.rename(part)
    shard = read_shard(part)
    assert shard.complete and shard.status == "Completed" and len(shard.frames) == 3
    assert [s.path for s in BufferIndex.scan(tmp_path).shards] == [part]
