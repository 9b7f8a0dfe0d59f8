"""Shard file names: unique per writer, `.part` while unfinished, and where to find them in a buffer dir.

A shard is written as `<name>.shard.jsonl.part` and renamed to `<name>.shard.jsonl` when
its writer closes it. `<name>` is `<route_id>_rep<repetition>_<UTC time>_<host>_<pid>_<random hex>` (the
`_rep<repetition>` only when the route id, like the leaderboard's `RouteScenario_3_rep0`, does not end so),
so writers in several processes on several hosts never pick the same name.
"""

from __future__ import annotations

import os
import re
import secrets
import socket
import time
from pathlib import Path

FINISHED_SUFFIX = ".shard.jsonl"
PART_SUFFIX = ".shard.jsonl.part"


def _slug(text: str) -> str:
    """`text` with every run of characters outside [A-Za-z0-9_.-] replaced by one '-'."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-.") or "x"


def unique_stem(route_id: str, repetition: int) -> str:
    """A shard name (without suffix) no other writer, here or on another host, will pick."""
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    host = _slug(socket.gethostname())
    run = route_id if route_id.endswith(f"_rep{repetition}") else f"{route_id}_rep{repetition}"
    return f"{_slug(run)}_{stamp}_{host}_{os.getpid()}_{secrets.token_hex(4)}"


def finished_path(path: Path) -> Path:
    """The name a shard has once closed: `path` itself if already finished."""
    name = path.name
    if name.endswith(PART_SUFFIX):
        return path.with_name(name[: -len(".part")])
    return path


def is_unfinished_name(path: Path) -> bool:
    """Whether `path` is named as a shard still being written (or whose writer died)."""
    return path.name.endswith(PART_SUFFIX)


def find_shards(buffer_dir: Path) -> list[Path]:
    """Every shard under `buffer_dir` (recursively), finished or not, sorted by path.

    Unfinished names are listed first, so a shard renamed from `.part` while the directory
    is walked is seen under at least one name; seen under both, it is listed once, finished.
    """
    if not buffer_dir.is_dir():
        raise FileNotFoundError(f"buffer directory {buffer_dir} does not exist (or is not a directory)")
    parts = list(buffer_dir.rglob(f"*{PART_SUFFIX}"))
    finished = {p for p in buffer_dir.rglob(f"*{FINISHED_SUFFIX}") if p.is_file()}
    return sorted(finished | {p for p in parts if finished_path(p) not in finished})
