"""Which junction lanes cross or merge: a boolean conflict matrix precomputed with shapely."""

from __future__ import annotations

import numpy as np
import shapely

from leaderboard_adapter.embedded.network import DrivingNetwork

_SAME_ENTRY_M = 0.5


def conflict_matrix(network: DrivingNetwork, clearance_m: float = 2.4) -> np.ndarray:
    """(S, S) bool: True where two canonical junction segments of one junction come closer than `clearance_m`.

    `clearance_m` is the centre-line distance under which two vehicles on the two lanes could
    touch (about a vehicle width plus a margin). Lanes that leave from the same entry point
    (the same incoming lane, diverging) do not conflict: car following handles them. A
    segment never conflicts with itself.
    """
    if clearance_m <= 0:
        raise ValueError(f"clearance_m must be positive, got {clearance_m}")
    n = network.count
    conflicts = np.zeros((n, n), dtype=bool)
    junction_segs = np.flatnonzero(network.is_junction & network.is_canonical)
    if junction_segs.size == 0:
        return conflicts
    lines = {
        int(i): shapely.LineString(network.graph.points(int(i))[:, :2])
        if network.graph.points(int(i)).shape[0] >= 2
        else shapely.Point(network.entry_xy[int(i)])
        for i in junction_segs
    }
    pairs_a: list[int] = []
    pairs_b: list[int] = []
    for jid in np.unique(network.junction_id[junction_segs]):
        members = junction_segs[network.junction_id[junction_segs] == jid]
        for ai, a in enumerate(members):
            for b in members[ai + 1 :]:
                if np.hypot(*(network.entry_xy[a] - network.entry_xy[b])) < _SAME_ENTRY_M:
                    continue
                pairs_a.append(int(a))
                pairs_b.append(int(b))
    if not pairs_a:
        return conflicts
    a = np.array(pairs_a)
    b = np.array(pairs_b)
    dist = shapely.distance(np.array([lines[i] for i in a]), np.array([lines[i] for i in b]))
    hit = dist < clearance_m
    conflicts[a[hit], b[hit]] = True
    conflicts[b[hit], a[hit]] = True
    # duplicates of a canonical segment share its conflicts
    return conflicts[np.ix_(network.canonical, network.canonical)]
