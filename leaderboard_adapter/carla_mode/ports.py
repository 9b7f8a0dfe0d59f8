"""TCP ports of CARLA servers: free port ranges found by binding, and waiting until a port accepts connections."""

from __future__ import annotations

import random
import socket
import time
from collections.abc import Callable

PORT_RANGE = (20000, 32000)
"""Where free ports are drawn from: below Linux's ephemeral ports (32768+), away from CARLA's defaults
(RPC 2000-2002, traffic manager 8000)."""

POLL_S = 0.2
"""How often [s] `wait_for_port` tries to connect."""


def port_is_free(port: int) -> bool:
    """Whether a TCP socket can bind `port` on all interfaces right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("", port))
        except OSError:
            return False
    return True


def free_port_ranges(count: int, span: int, rng: random.Random | None = None, attempts: int = 2000) -> list[int]:
    """`count` base ports, each with the `span - 1` ports after it free too, no two ranges overlapping.

    Drawn at random from PORT_RANGE, so that parallel callers rarely pick the same range (a CARLA server
    takes its RPC port and the two after it). RuntimeError when too few are found in `attempts` draws.
    """
    if count < 1 or span < 1:
        raise ValueError("count and span must be >= 1")
    rng = rng or random.Random()
    chosen: list[int] = []
    for _ in range(attempts):
        base = rng.randrange(PORT_RANGE[0], PORT_RANGE[1] - span)
        if any(abs(base - other) < span for other in chosen):
            continue
        if all(port_is_free(base + offset) for offset in range(span)):
            chosen.append(base)
            if len(chosen) == count:
                return chosen
    raise RuntimeError(f"found only {len(chosen)} of {count} free port ranges of {span} in {attempts} attempts")


def accepts_connections(host: str, port: int, timeout_s: float = 1.0) -> bool:
    """Whether `host:port` accepts a TCP connection within `timeout_s` [s] (it is closed at once)."""
    try:
        with socket.create_connection((host, port), timeout=timeout_s):
            return True
    except OSError:
        return False


def wait_for_port(host: str, port: int, timeout_s: float, still_running: Callable[[], bool] | None = None) -> bool:
    """Wait until `host:port` accepts connections: True then; False after `timeout_s` [s] or as soon as
    `still_running()` (the process that should listen) says False."""
    deadline = time.monotonic() + timeout_s
    while True:
        if still_running is not None and not still_running():
            return False
        if accepts_connections(host, port, timeout_s=min(1.0, max(timeout_s, 0.1))):
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(POLL_S)
