"""Signal sites: where a map's traffic-light or stop-sign landmarks govern lanes, with stop lines and triggers.

A landmark references a signal from a road. On junction connecting roads (how Osm2Odr and the
bundled towns place them, at s = 0) the governed junction lanes are that road's driving lanes;
the site reports, as CARLA's `get_stop_waypoints()`, the approach lanes leading into them with
the stop line at their end. A landmark on an ordinary road governs the junction lanes that
follow the lane it sits on. All landmarks sharing a signal id form one site.
"""

from __future__ import annotations

from dataclasses import dataclass

import carla
import numpy as np

from leaderboard_adapter.embedded.network import DrivingNetwork
from leaderboard_adapter.world_view import Pose2D, TriggerVolume

TRAFFIC_LIGHT_TYPE = "1000001"
STOP_SIGN_TYPE = "206"
_TRIGGER_LENGTH_M = 4.0


@dataclass(frozen=True)
class SignalSite:
    """One signal: the canonical junction segments it governs, their stop lines and a trigger box."""

    signal_id: int
    junction_id: int
    segments: tuple[int, ...]
    lanes: tuple[tuple[int, int], ...]
    stop_line: tuple[Pose2D, ...]
    trigger: TriggerVolume
    location: Pose2D


def signal_sites(town_map: carla.Map, network: DrivingNetwork, signal_type: str) -> list[SignalSite]:
    """Every site of the given OpenDRIVE signal type, ordered by signal id."""
    by_id: dict[int, list[carla.Landmark]] = {}
    for lm in town_map.get_all_landmarks():
        if str(lm.type) == signal_type:
            by_id.setdefault(_int_id(lm.id), []).append(lm)
    sites = []
    for sid in sorted(by_id):
        segs: set[int] = set()
        for lm in by_id[sid]:
            segs.update(_governed_segments(network, lm))
        if not segs:
            continue
        sites.append(_site(network, sid, sorted(segs), by_id[sid][0]))
    return sites


def _int_id(raw: str) -> int:
    try:
        return int(raw)
    except ValueError:
        return abs(hash(raw)) % (10**9)


def _governed_segments(network: DrivingNetwork, lm: carla.Landmark) -> list[int]:
    on_road = np.flatnonzero((network.road_id == lm.road_id) & network.is_canonical)
    junction = [int(i) for i in on_road if network.is_junction[i]]
    if junction:
        return junction
    # a sign on an ordinary road: the junction lanes after the lane segment that holds it
    out: list[int] = []
    for i in on_road:
        for j in network.successors[i, : network.successor_count[i]]:
            if network.is_junction[j]:
                out.append(int(j))
    return out


def _approach_lane(network: DrivingNetwork, segment: int) -> tuple[int, int]:
    """(road_id, lane_id) of the lane that leads into junction `segment` (the lane at its stop line)."""
    for pred in network.graph.segments[segment].predecessors:
        if not network.graph.segments[pred].is_junction:
            key = network.graph.segments[pred].lane_key
            return key[0], key[2]
    return int(network.road_id[segment]), int(network.lane_id[segment])


def _site(network: DrivingNetwork, sid: int, segs: list[int], lm: carla.Landmark) -> SignalSite:
    # one stop line per approach lane, as CARLA's TrafficLight.get_stop_waypoints()
    approach: dict[tuple[int, int], int] = {}
    for i in segs:
        approach.setdefault(_approach_lane(network, i), i)
    lanes = tuple(approach)
    entries = list(approach.values())
    stop_line = tuple(
        Pose2D(float(network.entry_xy[i, 0]), float(network.entry_xy[i, 1]), float(network.entry_yaw_deg[i]))
        for i in entries
    )
    # the trigger covers the approach lanes (one junction entry each) over the last metres before the line
    centre = network.entry_xy[entries].mean(axis=0)
    yaw = float(network.entry_yaw_deg[entries[0]])
    back = np.array([np.cos(np.radians(yaw)), np.sin(np.radians(yaw))]) * (_TRIGGER_LENGTH_M / 2)
    trigger = TriggerVolume(
        Pose2D(float(centre[0] - back[0]), float(centre[1] - back[1]), yaw),
        _TRIGGER_LENGTH_M,
        float(sum(network.lane_width_m[i] for i in entries)),
    )
    tr = lm.transform
    location = Pose2D(float(tr.location.x), float(tr.location.y), float(tr.rotation.yaw))
    return SignalSite(
        sid, int(network.junction_id[segs[0]]), tuple(segs), lanes, stop_line, trigger, location
    )
