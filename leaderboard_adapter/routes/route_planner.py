"""GlobalRoutePlanner over a LaneGraph: A* between locations and dense (point, RoadOption) traces, as CARLA's GRP.

Graph: one node per lane segment; an edge to each successor costs the segment's length
[m]; where the road marks allow it at any point of the segment (as CARLA's GRP, which
walks the segment's waypoints), an edge to the same-direction neighbour lane costs
`lane_change_cost_m` (CARLA's GRP uses zero-cost lane-change links). A* uses the
Euclidean distance between segment entries as heuristic. A keypoint at the start of one of
several connectors leaving the same junction entry may leave by any of them (CARLA's GRP
searches from the entry node they share).

RoadOption as CARLA's `GlobalRoutePlanner._turn_decision`: points on junction lanes get
LEFT / RIGHT / STRAIGHT for the whole run of junction lanes, decided from the heading
before the junction and the heading leaving it (STRAIGHT under 35 degrees; otherwise by
the cross product, ranked against the junction's other exits); points elsewhere get
LANEFOLLOW; lane changes get CHANGELANELEFT/RIGHT. Unlike GRP, a lane change is a smooth
1 m-spaced blend over `lane_change_length_m` rather than a jump of about 5 m.

Frame: CARLA world (left-handed: x east, y south; yaw clockwise from above), so a left
turn has a negative cross product z and a decreasing yaw.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import carla
import networkx as nx
import numpy as np

from leaderboard_adapter.roads.lane_graph import LaneGraph
from leaderboard_adapter.routes.road_option import RoadOption
from leaderboard_adapter.world_view import RoutePoint

TURN_THRESHOLD_DEG = 35.0
"""Heading change through a junction below which the manoeuvre is STRAIGHT [deg] (as CARLA 0.9.12+)."""

SHARED_ENTRY_M = 1.0
"""How close [m] another lane leaving the same entry must pass to a keypoint snapped near a lane's start for
the route to leave by it instead (a junction's connectors, as CARLA's GRP that searches from their shared entry)."""

_FOLLOW = "follow"


class RoutePlanningError(ValueError):
    """A route cannot be planned."""


class OffRoadError(RoutePlanningError):
    """A location has no driving lane to snap to (with a finite `max_offroad_m`: none within it)."""


class NoPathError(RoutePlanningError):
    """No lane path joins two locations."""


@dataclass(frozen=True)
class LanePosition:
    """A location snapped to a lane: segment, arc length along it [m] and distance from the input [m]."""

    segment: int
    s_m: float
    offset_m: float


def _xyz(location: object) -> tuple[float, float, float]:
    """(x, y, z) of a carla.Location, a Keypoint-like object (x_m, y_m, z_m) or a 2/3-tuple."""
    if isinstance(location, carla.Location):
        return float(location.x), float(location.y), float(location.z)
    if hasattr(location, "x_m"):
        return float(location.x_m), float(location.y_m), float(getattr(location, "z_m", 0.0))
    values = tuple(float(v) for v in location)  # type: ignore[union-attr]
    if len(values) == 2:
        return values[0], values[1], 0.0
    if len(values) == 3:
        return values
    raise TypeError(f"expected a carla.Location, a keypoint or an (x, y[, z]) tuple, got {location!r}")


def _heading(yaw_deg: float) -> np.ndarray:
    rad = math.radians(yaw_deg)
    return np.array([math.cos(rad), math.sin(rad)])


def _cross(a: np.ndarray, b: np.ndarray) -> float:
    return float(a[0] * b[1] - a[1] * b[0])


class GlobalRoutePlanner:
    """Plans lane-level routes on one town's LaneGraph; see the module docstring."""

    def __init__(
        self,
        graph: LaneGraph,
        town_map: carla.Map | None = None,
        lane_change_cost_m: float = 20.0,
        lane_change_length_m: float = 8.0,
        max_offroad_m: float = math.inf,
    ):
        if lane_change_cost_m < 0 or lane_change_length_m <= 0 or max_offroad_m <= 0:
            raise ValueError(
                "lane_change_cost_m must be >= 0, lane_change_length_m and max_offroad_m > 0; got "
                f"{lane_change_cost_m}, {lane_change_length_m}, {max_offroad_m}"
            )
        self.graph = graph
        self.map = town_map if town_map is not None else graph.map
        self.lane_change_cost_m = lane_change_cost_m
        self.lane_change_length_m = lane_change_length_m
        self.max_offroad_m = max_offroad_m
        self.canonical = self._canonical_segments()
        self.digraph = self._build()

    # graph ----------------------------------------------------------------------------------
    def _canonical_segments(self) -> dict[int, int]:
        """Segment -> the lowest-index segment with the same lane and end points (topology lists some twice)."""
        g = self.graph
        seen: dict[tuple, int] = {}
        canonical = {}
        for seg in g.segments:
            ends = (seg.first, seg.stop - 1)
            key = (seg.lane_key, *(round(float(v), 1) for k in ends for v in (g.x_m[k], g.y_m[k])))
            canonical[seg.index] = seen.setdefault(key, seg.index)
        return canonical

    def _build(self) -> nx.DiGraph:
        g = self.graph
        canon = self.canonical
        digraph = nx.DiGraph()
        for seg in g.segments:
            if canon[seg.index] == seg.index:
                digraph.add_node(seg.index, xy=(float(g.x_m[seg.first]), float(g.y_m[seg.first])))
        for seg in g.segments:
            here = canon[seg.index]
            # Leaderboard routes never turn around: U-turn connectors (Osm2Odr makes some) are left
            # out unless a lane has no other way on.
            onward = [j for j in seg.successors if not g.is_u_turn(j)] or list(seg.successors)
            for j in onward:
                digraph.add_edge(here, canon[j], weight=max(seg.length_m, 0.1), kind=_FOLLOW)
            if seg.is_junction:
                continue
            for neighbour, option, flag in (
                (seg.left, RoadOption.CHANGELANELEFT, carla.LaneChange.Left),
                (seg.right, RoadOption.CHANGELANERIGHT, carla.LaneChange.Right),
            ):
                if neighbour is not None and self._lane_change_allowed(seg.index, flag):
                    digraph.add_edge(here, canon[neighbour], weight=self.lane_change_cost_m, kind=option)
        return digraph

    def _lane_change_allowed(self, index: int, flag: carla.LaneChange) -> bool:
        """Whether the marking permits a change towards `flag` at ANY point of segment `index`.

        As CARLA's GlobalRoutePlanner (`_lane_change_link`), which walks the segment's waypoints
        and links the lane to its neighbour from the first one whose marking permits the change:
        a lane broken for its first 35 m and solid after still links. Where no point of the
        segment maps back to its own lane the marking cannot be read: the topology is trusted.
        """
        seg = self.graph.segments[index]
        g = self.graph
        road, _, lane = seg.lane_key
        inner = range(seg.first + 1, seg.stop - 1) if seg.stop - seg.first > 2 else range(seg.first, seg.stop)
        checked = False
        for k in inner:
            loc = carla.Location(float(g.x_m[k]), float(g.y_m[k]), float(g.z_m[k]))
            wp = self.map.get_waypoint(loc, project_to_road=True, lane_type=carla.LaneType.Driving)
            if wp is None or (wp.road_id, wp.lane_id) != (road, lane):
                continue
            checked = True
            if wp.lane_change & flag:
                return True
        return not checked

    # localisation ----------------------------------------------------------------------------
    def localize(self, location: object) -> LanePosition:
        """Snap a location to the nearest driving lane (as `carla.Map.get_waypoint`).

        As CARLA's GlobalRoutePlanner, any distance is accepted by default (`max_offroad_m` is
        infinite); OffRoadError when the map has no driving lane or the lane is further than a
        finite `max_offroad_m` [m]. `LanePosition.offset_m` says how far the location was.
        """
        x, y, z = _xyz(location)
        wp = self.map.get_waypoint(
            carla.Location(x, y, z), project_to_road=True, lane_type=carla.LaneType.Driving
        )
        if wp is None:
            raise OffRoadError(f"no driving lane near ({x:.1f}, {y:.1f})")
        wl = wp.transform.location
        offset = math.hypot(wl.x - x, wl.y - y)
        if offset > self.max_offroad_m:
            raise OffRoadError(
                f"location ({x:.1f}, {y:.1f}) is {offset:.1f} m from the nearest driving lane "
                f"(road {wp.road_id}, lane {wp.lane_id}); at most {self.max_offroad_m:.1f} m allowed"
            )
        candidates = self.graph.segments_of_lane(wp.road_id, wp.section_id, wp.lane_id)
        if candidates:
            best = min(
                (self.graph.nearest_point_on(i, wl.x, wl.y) + (i,) for i in candidates),
                key=lambda t: math.hypot(self.graph.x_m[t[0]] - wl.x, self.graph.y_m[t[0]] - wl.y),
            )
            return LanePosition(self.canonical[best[2]], best[1], offset)
        segment, s = self.graph.nearest_segment(wl.x, wl.y, wp.transform.rotation.yaw)
        return LanePosition(self.canonical[segment], s, offset)

    # search ----------------------------------------------------------------------------------
    def _heuristic(self, a: int, b: int) -> float:
        ax, ay = self.digraph.nodes[a]["xy"]
        bx, by = self.digraph.nodes[b]["xy"]
        return math.hypot(ax - bx, ay - by)

    def _astar(self, source: int, target: int) -> list[int]:
        return nx.astar_path(self.digraph, source, target, heuristic=self._heuristic, weight="weight")

    def start_alternatives(self, start: LanePosition) -> list[LanePosition]:
        """`start` and the other lanes leaving the same entry point that still pass within reach of it.

        CARLA's GlobalRoutePlanner searches from the entry node of the origin's edge, which every
        connector leaving a junction entry shares, so a keypoint that `get_waypoint` puts on one
        connector near its start may leave by any of them. Here: the follow-successors of the
        origin segment's predecessors that start where it starts (within `SHARED_ENTRY_M`) and
        pass within `SHARED_ENTRY_M` of the snapped origin (the connectors have not diverged yet).
        """
        g = self.graph
        first = g.segments[start.segment].first
        x0, y0 = float(g.x_m[first]), float(g.y_m[first])
        xs, ys, _ = g.pose_at(np.array([start.segment]), np.array([start.s_m]))
        x, y = float(xs[0]), float(ys[0])
        found = [start]
        for pred in self.digraph.predecessors(start.segment):
            if self.digraph.edges[pred, start.segment]["kind"] != _FOLLOW:
                continue
            for sibling in self.digraph.successors(pred):
                if sibling in (p.segment for p in found) or self.digraph.edges[pred, sibling]["kind"] != _FOLLOW:
                    continue
                k = g.segments[sibling].first
                if math.hypot(float(g.x_m[k]) - x0, float(g.y_m[k]) - y0) > SHARED_ENTRY_M:
                    continue
                near, s_m = g.nearest_point_on(sibling, x, y)
                if math.hypot(float(g.x_m[near]) - x, float(g.y_m[near]) - y) <= SHARED_ENTRY_M:
                    found.append(LanePosition(sibling, s_m, start.offset_m))
        return found

    def path_search(self, start: LanePosition, end: LanePosition) -> list[int]:
        """Segment indices from `start` to `end` (consecutive ones joined by a follow or lane-change edge).

        The first segment may be another lane leaving `start`'s entry (see `start_alternatives`):
        the cheapest of them is taken.
        """
        best: tuple[float, list[int]] | None = None
        error: NoPathError | None = None
        for candidate in self.start_alternatives(start):
            try:
                found = self._path_from(candidate, end)
            except NoPathError as exc:
                error = error or exc
                continue
            if best is None or found[0] < best[0] - 1e-6:
                best = found
        if best is None:
            assert error is not None
            raise error
        return best[1]

    def _path_from(self, start: LanePosition, end: LanePosition) -> tuple[float, list[int]]:
        """(cost [m], segment path) from `start` on its own segment to `end`."""
        try:
            if start.segment == end.segment and end.s_m >= start.s_m - 0.5:
                return end.s_m - start.s_m, [start.segment]
            if start.segment != end.segment:
                path = self._astar(start.segment, end.segment)
                return nx.path_weight(self.digraph, path, "weight") - start.s_m + end.s_m, path
            # destination behind the origin on the same lane: leave the lane and come back
            best: list[int] | None = None
            best_cost = math.inf
            for nxt in self.digraph.successors(start.segment):
                if self.digraph.edges[start.segment, nxt]["kind"] != _FOLLOW:
                    continue
                tail = self._astar(nxt, end.segment)
                cost = nx.path_weight(self.digraph, tail, "weight")
                if cost < best_cost:
                    best, best_cost = tail, cost
            if best is None:
                raise nx.NetworkXNoPath
            head = self.digraph.edges[start.segment, best[0]]["weight"]
            return head + best_cost - start.s_m + end.s_m, [start.segment, *best]
        except nx.NetworkXNoPath as exc:
            raise NoPathError(f"no lane path from segment {start.segment} to segment {end.segment}") from exc

    # tracing ---------------------------------------------------------------------------------
    def trace_route(self, origin: object, destination: object) -> list[tuple[RoutePoint, RoadOption]]:
        """Dense (about `graph.resolution_m`) route from origin to destination with a RoadOption per point.

        `origin`/`destination`: carla.Location, Keypoint or (x, y[, z]). Each RoutePoint's
        `road_option` equals the paired RoadOption (the pair mirrors CARLA's GRP output).
        """
        start, end = self.localize(origin), self.localize(destination)
        path = self.path_search(start, end)
        options = self._junction_options(path)
        g = self.graph
        points: list[RoutePoint] = []
        seg = path[0]
        s = next(p.s_m for p in self.start_alternatives(start) if p.segment == seg)
        for pos, nxt in enumerate(path[1:], start=1):
            kind = self.digraph.edges[path[pos - 1], nxt]["kind"]
            if kind == _FOLLOW:
                self._emit(points, seg, s, g.segments[seg].length_m, options[pos - 1])
                seg, s = nxt, 0.0
            else:
                is_last = pos == len(path) - 1 and nxt == end.segment
                s = self._emit_lane_change(points, seg, s, nxt, kind, end.s_m if is_last else math.inf)
                seg = nxt
        self._emit(points, seg, s, end.s_m if seg == end.segment else g.segments[seg].length_m, options[-1])
        return [(p, p.road_option) for p in points]

    def _emit(
        self, points: list[RoutePoint], seg: int, s_from: float, s_to: float, option: RoadOption
    ) -> None:
        g = self.graph
        info = g.segments[seg]
        for k in range(info.first, info.stop):
            if g.s_m[k] < s_from - 0.5 * g.resolution_m or g.s_m[k] > s_to + 0.5 * g.resolution_m:
                continue
            self._append(
                points,
                RoutePoint(float(g.x_m[k]), float(g.y_m[k]), float(g.z_m[k]), float(g.yaw_deg[k]), option),
            )

    def _append(self, points: list[RoutePoint], point: RoutePoint) -> None:
        if points:
            last = points[-1]
            if math.hypot(point.x_m - last.x_m, point.y_m - last.y_m) < 0.3 * self.graph.resolution_m:
                return
        points.append(point)

    def _emit_lane_change(
        self, points: list[RoutePoint], seg: int, s: float, target: int, option: RoadOption, stop_s: float
    ) -> float:
        """Blend from lane `seg` at `s` into lane `target` (ending by `stop_s` on it); returns the arc length reached."""
        g = self.graph
        x0, y0, _ = (float(v[0]) for v in g.pose_at(np.array([seg]), np.array([s])))
        _, s_target = g.nearest_point_on(target, x0, y0)
        room = min(g.segments[seg].length_m - s, g.segments[target].length_m - s_target, stop_s - s_target)
        length = min(self.lane_change_length_m, max(room, 0.0))
        steps = max(int(round(length / g.resolution_m)), 1)
        for k in range(steps + 1):
            t = k / steps
            d = t * length
            xa, ya, yawa = (float(v[0]) for v in g.pose_at(np.array([seg]), np.array([s + d])))
            xb, yb, yawb = (float(v[0]) for v in g.pose_at(np.array([target]), np.array([s_target + d])))
            dyaw = (yawb - yawa + 180.0) % 360.0 - 180.0
            za, zb = self._z_at(seg, s + d), self._z_at(target, s_target + d)
            self._append(
                points,
                RoutePoint(xa + t * (xb - xa), ya + t * (yb - ya), za + t * (zb - za), yawa + t * dyaw, option),
            )
        return s_target + length + g.resolution_m

    def _z_at(self, seg: int, s_m: float) -> float:
        """Road height [m] at arc length `s_m` [m] along segment `seg` (linear between its points)."""
        g = self.graph
        info = g.segments[seg]
        return float(np.interp(s_m, g.s_m[info.first : info.stop], g.z_m[info.first : info.stop]))

    def road_options(self, path: list[int]) -> list[RoadOption]:
        """RoadOption per path segment (junction runs: the turn decision; elsewhere LANEFOLLOW)."""
        return self._junction_options(path)

    def _junction_options(self, path: list[int]) -> list[RoadOption]:
        """RoadOption per path segment: the turn decision on junction runs, LANEFOLLOW elsewhere."""
        g = self.graph
        options = [RoadOption.LANEFOLLOW] * len(path)
        pos = 0
        while pos < len(path):
            if not g.segments[path[pos]].is_junction:
                pos += 1
                continue
            end = pos
            while end + 1 < len(path) and g.segments[path[end + 1]].is_junction:
                end += 1
            before = path[pos - 1] if pos > 0 and not g.segments[path[pos - 1]].is_junction else None
            decision = self._turn_decision(before, path[pos], path[end])
            for k in range(pos, end + 1):
                options[k] = decision
            pos = end + 1
        return options

    def _exit_heading(self, seg: int) -> np.ndarray:
        return _heading(float(self.graph.yaw_deg[self.graph.segments[seg].stop - 1]))

    def _turn_decision(self, before: int | None, first: int, last: int) -> RoadOption:
        g = self.graph
        cv = (
            self._exit_heading(before)
            if before is not None
            else _heading(float(g.yaw_deg[g.segments[first].first]))
        )
        nv = self._exit_heading(last)
        deviation = math.degrees(math.acos(float(np.clip(np.dot(cv, nv), -1.0, 1.0))))
        if deviation < TURN_THRESHOLD_DEG:
            return RoadOption.STRAIGHT
        alternatives = [
            _cross(cv, self._exit_heading(j))
            for j in (self.digraph.successors(before) if before is not None else ())
            if j != first and g.segments[j].is_junction
        ] or [0.0]
        next_cross = _cross(cv, nv)
        if next_cross < min(alternatives):
            return RoadOption.LEFT
        if next_cross > max(alternatives):
            return RoadOption.RIGHT
        return RoadOption.LEFT if next_cross < 0 else RoadOption.RIGHT
