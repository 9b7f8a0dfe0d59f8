"""GlobalRoutePlanner over a LaneGraph: CARLA's GRP routes as dense (point, RoadOption) traces.

The search is CARLA's (see `grp_graph`): A* over lane ends, lanes as edges weighted by their
number of 1 m steps, zero-weight lane-change links from a lane's entry where its marking permits
the change anywhere along it. A trace follows CARLA's `trace_route`:
- it starts at the point of the first lane nearest the origin's waypoint (so a keypoint at the start
  of several connectors leaving one junction entry may leave by any of them: the search starts at
  the entry they share);
- a lane change leaves where the route is and joins the new lane about 5 points further on, at the
  point nearest to it plus five (here joined by 1 m-spaced points on the chord, where CARLA jumps);
- on the last lane it stops at the first point within two steps of the raw destination or, where
  the destination's lane is this one and the trace started past it, at once; otherwise (a keypoint
  far off the road) at the lane's end, as CARLA does.

RoadOption as CARLA's `GlobalRoutePlanner._turn_decision`: points on junction lanes get
LEFT / RIGHT / STRAIGHT for the whole run of junction lanes, decided from the heading
before the junction and the heading leaving it (STRAIGHT under 35 degrees; otherwise by
the cross product, ranked against the junction's other exits); points elsewhere get
LANEFOLLOW; lane changes get CHANGELANELEFT/RIGHT.

`digraph` is the segment-level view for drawing random drives (one node per segment; "follow"
edges to successors, U-turn connectors left out unless a lane has no other way on; lane-change
edges where CARLA's planner links one).

Frame: CARLA world (left-handed: x east, y south; yaw clockwise from above), so a left
turn has a negative cross product z and a decreasing yaw.
"""

from __future__ import annotations

import math

import carla
import networkx as nx
import numpy as np

from leaderboard_adapter.geometry import wrap_deg
from leaderboard_adapter.roads.lane_graph import LaneGraph
from leaderboard_adapter.routes.grp_graph import GrpGraph, LaneChangeLink, lane_key
from leaderboard_adapter.routes.road_option import RoadOption
from leaderboard_adapter.routes.route_point import RoutePoint

TURN_THRESHOLD_DEG = 35.0
"""Heading change through a junction below which the manoeuvre is STRAIGHT [deg] (as CARLA 0.9.12+)."""

LANE_CHANGE_AHEAD_POINTS = 5
"""How many points past the nearest one a lane change joins the new lane (CARLA's `trace_route`)."""

_FOLLOW = "follow"


class RoutePlanningError(ValueError):
    """A route cannot be planned."""


class OffRoadError(RoutePlanningError):
    """A location has no driving lane to snap to (with a finite `max_offroad_m`: none within it)."""


class NoPathError(RoutePlanningError):
    """No lane path joins two locations."""


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

    def __init__(self, graph: LaneGraph, town_map: carla.Map | None = None, max_offroad_m: float = math.inf):
        if max_offroad_m <= 0:
            raise ValueError(f"max_offroad_m must be > 0, got {max_offroad_m}")
        self.graph = graph
        self.map = town_map if town_map is not None else graph.map
        self.max_offroad_m = max_offroad_m
        self.grp = GrpGraph(graph, self.map)
        self.digraph = self._segment_digraph()

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

    def _segment_digraph(self) -> nx.DiGraph:
        """One node per distinct segment; lane changes only into lanes of the same direction."""
        g = self.graph
        canon = self._canonical_segments()
        digraph = nx.DiGraph()
        digraph.add_nodes_from(sorted(set(canon.values())))
        for seg in g.segments:
            here = canon[seg.index]
            # Leaderboard routes never turn around: U-turn connectors (Osm2Odr makes some) are left
            # out unless a lane has no other way on.
            onward = [j for j in seg.successors if not g.is_u_turn(j)] or list(seg.successors)
            for j in onward:
                digraph.add_edge(here, canon[j], kind=_FOLLOW)
            for link in self.grp.links.get(seg.index, ()):
                if link.target[2] * seg.lane_key[2] > 0:
                    digraph.add_edge(here, canon[self.grp.segment_of_lane(link.target)], kind=link.option)
        return digraph

    # localisation ----------------------------------------------------------------------------
    def _waypoint(self, location: object) -> carla.Waypoint:
        x, y, z = _xyz(location)
        wp = self.map.get_waypoint(carla.Location(x, y, z), project_to_road=True, lane_type=carla.LaneType.Driving)
        if wp is None:
            raise OffRoadError(f"no driving lane near ({x:.1f}, {y:.1f})")
        wl = wp.transform.location
        offset = math.hypot(wl.x - x, wl.y - y)
        if offset > self.max_offroad_m:
            raise OffRoadError(
                f"location ({x:.1f}, {y:.1f}) is {offset:.1f} m from the nearest driving lane "
                f"(road {wp.road_id}, lane {wp.lane_id}); at most {self.max_offroad_m:.1f} m allowed"
            )
        return wp

    def offroad_m(self, location: object) -> float:
        """Distance [m] from `location` to the nearest driving lane, where CARLA's planner snaps it
        (`carla.Map.get_waypoint`).

        As CARLA's GlobalRoutePlanner, any distance is accepted by default (`max_offroad_m` is
        infinite); OffRoadError when the map has no driving lane or the lane is further than a
        finite `max_offroad_m` [m].
        """
        x, y, _ = _xyz(location)
        wl = self._waypoint(location).transform.location
        return math.hypot(wl.x - x, wl.y - y)

    def _edge_of(self, wp: carla.Waypoint, role: str) -> tuple[int, int]:
        edge = self.grp.lane_edge.get(lane_key(wp))
        if edge is None:
            loc = wp.transform.location
            raise NoPathError(
                f"the {role} ({loc.x:.1f}, {loc.y:.1f}) lies on road {wp.road_id} section {wp.section_id} "
                f"lane {wp.lane_id}, which starts no lane of the map's topology"
            )
        return edge

    # tracing ---------------------------------------------------------------------------------
    def trace_route(self, origin: object, destination: object) -> list[tuple[RoutePoint, RoadOption]]:
        """Dense (about `graph.resolution_m`) route from origin to destination with a RoadOption per point.

        `origin`/`destination`: carla.Location, Keypoint or (x, y[, z]). Each RoutePoint's
        `road_option` equals the paired RoadOption (the pair mirrors CARLA's GRP output).
        """
        start_wp, end_wp = self._waypoint(origin), self._waypoint(destination)
        start, end = self._edge_of(start_wp, "origin"), self._edge_of(end_wp, "destination")
        try:
            nodes = self.grp.node_path(start, end)
        except nx.NetworkXNoPath as exc:
            raise NoPathError(f"no lane path from node {start[0]} to node {end[0]}") from exc
        edges = [self.grp.digraph.edges[a, b] for a, b in zip(nodes, nodes[1:], strict=False)]
        lanes = [e["segment"] for e in edges if "segment" in e]
        lane_options = iter(self._junction_options(lanes))
        loc = start_wp.transform.location
        current = np.array([loc.x, loc.y, loc.z])
        points: list[RoutePoint] = []
        for i, edge in enumerate(edges):
            if "link" in edge:
                current = self._emit_lane_change(points, current, edge["link"])
            else:
                last = i == len(edges) - 1
                current = self._emit_lane(points, edge["segment"], current, next(lane_options),
                                          (_xyz(destination), end_wp) if last else None)
        return [(p, p.road_option) for p in points]

    def _xyz_of(self, seg: int) -> np.ndarray:
        g = self.graph
        info = g.segments[seg]
        return np.stack([g.x_m[info.first : info.stop], g.y_m[info.first : info.stop], g.z_m[info.first : info.stop]], 1)

    def _point(self, k: int, option: RoadOption) -> RoutePoint:
        g = self.graph
        return RoutePoint(float(g.x_m[k]), float(g.y_m[k]), float(g.z_m[k]), float(g.yaw_deg[k]), option)

    def _emit_lane(
        self,
        points: list[RoutePoint],
        seg: int,
        current: np.ndarray,
        option: RoadOption,
        destination: tuple[tuple[float, float, float], carla.Waypoint] | None,
    ) -> np.ndarray:
        """Points of lane `seg` from the one nearest `current`; on the last lane (`destination`: the raw
        location and its waypoint) up to the stop rule of the module docstring. Returns the last point."""
        xyz = self._xyz_of(seg)
        first = int(np.argmin(np.linalg.norm(xyz - current, axis=1)))
        stop = len(xyz)
        if destination is not None:
            raw, wp = destination
            dl = wp.transform.location
            if lane_key(wp) == self.graph.segments[seg].lane_key and first > int(
                np.argmin(np.linalg.norm(xyz - np.array([dl.x, dl.y, dl.z]), axis=1))
            ):
                stop = first + 1  # started past the destination on its own lane
            else:
                near = np.flatnonzero(np.linalg.norm(xyz[first:] - np.array(raw), axis=1) < 2 * self.graph.resolution_m)
                stop = first + int(near[0]) + 1 if near.size else stop
        k0 = self.graph.segments[seg].first
        for k in range(first, stop):
            self._append(points, self._point(k0 + k, option))
        return xyz[stop - 1]

    def _emit_lane_change(self, points: list[RoutePoint], current: np.ndarray, link: LaneChangeLink) -> np.ndarray:
        """From `current` into `link`'s lane, LANE_CHANGE_AHEAD_POINTS past its nearest intermediate point,
        on 1 m-spaced points of the chord between them. Returns the point joined."""
        g = self.graph
        seg = g.segments[self.grp.segment_of_lane(link.target)]
        xyz = self._xyz_of(seg.index)
        inner = xyz[1:-1]
        if len(inner):
            k = min(len(inner) - 1, int(np.argmin(np.linalg.norm(inner - current, axis=1))) + LANE_CHANGE_AHEAD_POINTS)
            joined, index = inner[k], seg.first + 1 + k
        else:
            joined, index = xyz[-1], seg.stop - 1
        near = seg.first + int(np.argmin(np.linalg.norm(xyz - current, axis=1)))
        yaw_from = float(g.yaw_deg[near])
        dyaw = wrap_deg(float(g.yaw_deg[index]) - yaw_from)
        steps = max(int(math.ceil(float(np.linalg.norm(joined[:2] - current[:2])) / g.resolution_m)), 1)
        for step in range(steps + 1):
            t = step / steps
            x, y, z = current + t * (joined - current)
            self._append(points, RoutePoint(float(x), float(y), float(z), yaw_from + t * dyaw, link.option))
        return joined

    def _append(self, points: list[RoutePoint], point: RoutePoint) -> None:
        if points:
            last = points[-1]
            if math.hypot(point.x_m - last.x_m, point.y_m - last.y_m) < 0.3 * self.graph.resolution_m:
                return
        points.append(point)

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
            for j in (g.segments[before].successors if before is not None else ())
            if j != first and g.segments[j].is_junction
        ] or [0.0]
        next_cross = _cross(cv, nv)
        if next_cross < min(alternatives):
            return RoadOption.LEFT
        if next_cross > max(alternatives):
            return RoadOption.RIGHT
        return RoadOption.LEFT if next_cross < 0 else RoadOption.RIGHT
