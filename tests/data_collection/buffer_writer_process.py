"""A writer process for the crash and concurrency tests: writes frames, reporting what is on disk.

Usage: buffer_writer_process.py BUFFER_DIR ROUTE_ID N_FRAMES FLUSH_EVERY [GO_FILE]
(N_FRAMES 0: until killed). With GO_FILE, it prints `ready` once its shard exists and
waits for GO_FILE to appear before writing frames. Prints `on_disk <n>` after each flush
and `closed <path>` once closed.
"""

from __future__ import annotations

import itertools
import sys
import time
from pathlib import Path

from buffer_helpers import FRAME_STEP, make_header, make_observation

from data_collection import ShardWriter


def main(buffer_dir: str, route_id: str, n_frames: int, flush_every: int, go_file: Path | None) -> None:
    frames = itertools.count() if n_frames == 0 else range(n_frames)
    with ShardWriter.create(buffer_dir, make_header(route_id), flush_every=flush_every) as writer:
        if go_file is not None:
            print("ready", flush=True)
            while not go_file.exists():
                time.sleep(0.001)
        for i in frames:
            on_disk = writer.frames_on_disk
            writer.add_frame(
                frame=FRAME_STEP * i,
                game_time_s=0.5 * i,
                observation=make_observation(i),
                policy_action=None,
                expert_action={"target_speed_mps": 4.0, "steer_deg": 0.0},
            )
            if writer.frames_on_disk != on_disk:
                print(f"on_disk {writer.frames_on_disk}", flush=True)
    print(f"closed {writer.path}", flush=True)


if __name__ == "__main__":
    main(
        sys.argv[1],
        sys.argv[2],
        int(sys.argv[3]),
        int(sys.argv[4]),
        Path(sys.argv[5]) if sys.argv[5:] else None,
    )
