"""CARLA's GlobalRoutePlanner search graph, built over a LaneGraph so that A* finds CARLA's routes.

CARLA's GRP (PythonAPI `agents/navigation/global_route_planner.py`, 0.9.10 to 0.9.16) searches a
graph whose NODES are lane ends and whose EDGES are lanes. It is rebuilt here the same way, in the
same order, so that networkx's A* (same heuristic, weights and insertion order) returns the same
node path, ties included:

- a node per distinct lane end, its position rounded to 1 m (x, y, z), numbered in topology order;
- a follow edge per topology segment (LaneGraph segment i is topology pair i) from its entry node to
  its exit node, weighted by its number of steps (points - 1; 2 where entry and exit are within one
  step, as CARLA's `len(path) + 1`); a later segment with the same rounded ends replaces the earlier;
- a zero-weight lane-change edge from a non-junction segment's entry node to the entry node of the
  lane beside it, taken at the segment's first intermediate point whose lane marking permits the
  change towards a driving lane of the same road (right checked before left at each point);
- `lane_edge`: (road, section, lane) -> (entry node, exit node) of the last segment on that lane,
  by which CARLA localises a location (`map.get_waypoint`).

CARLA also adds "loose end" edges for exits whose lane starts no segment; none of CARLA's towns
has one (Town01-07, Town10HD), and here such a lane is a dead end that localisation refuses.

Frame: CARLA world (left-handed, x east, y south); metres.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import carla
import networkx as nx
import numpy as np

from leaderboard_adapter.roads.lane_graph import LaneGraph
from leaderboard_adapter.routes.road_option import RoadOption

LaneKey = tuple[int, int, int]
"""(road_id, section_id, lane_id) of an OpenDRIVE lane."""


@dataclass(frozen=True)
class LaneChangeLink:
    """A lane change CARLA's planner allows: from `segment` (at its point `point`) into lane `target`."""

    segment: int
    point: int
    """Index into the LaneGraph's flat point arrays where the marking first permits the change."""
    option: RoadOption
    target: LaneKey


def lane_key(waypoint: carla.Waypoint) -> LaneKey:
    return waypoint.road_id, waypoint.section_id, waypoint.lane_id


class GrpGraph:
    """CARLA's GRP node graph over `lane_graph` (see the module docstring).

    `digraph` edges carry `weight` and either `segment` (follow edges) or `link` (a LaneChangeLink).
    """

    def __init__(self, lane_graph: LaneGraph, town_map: carla.Map):
        self.lane_graph = lane_graph
        self.map = town_map
        self.digraph = nx.DiGraph()
        self.lane_edge: dict[LaneKey, tuple[int, int]] = {}
        self._node_of: dict[tuple[float, float, float], int] = {}
        self._entry_node: dict[int, int] = {}
        for seg in lane_graph.segments:
            self._add_follow_edge(seg.index)
        self.links: dict[int, list[LaneChangeLink]] = {}
        entries = [entry for entry, _ in town_map.get_topology()]
        if len(entries) != len(lane_graph.segments):
            raise ValueError(f"the lane graph has {len(lane_graph.segments)} segments, the map's topology {len(entries)}")
        for seg in lane_graph.segments:
            if not seg.is_junction:
                self._link_lane_changes(seg.index, entries[seg.index])

    # building --------------------------------------------------------------------------------
    def _node(self, point: int) -> int:
        g = self.lane_graph
        xyz = tuple(float(v) for v in np.round([g.x_m[point], g.y_m[point], g.z_m[point]], 0))
        if xyz not in self._node_of:
            self._node_of[xyz] = len(self._node_of)
            self.digraph.add_node(self._node_of[xyz], xyz=np.array(xyz))
        return self._node_of[xyz]

    def _add_follow_edge(self, index: int) -> None:
        g = self.lane_graph
        seg = g.segments[index]
        entry, exit_ = self._node(seg.first), self._node(seg.stop - 1)
        span = np.array([g.x_m[seg.stop - 1] - g.x_m[seg.first], g.y_m[seg.stop - 1] - g.y_m[seg.first],
                         g.z_m[seg.stop - 1] - g.z_m[seg.first]])
        steps = 2 if np.linalg.norm(span) <= g.resolution_m else seg.stop - seg.first - 1
        self._entry_node[index] = entry
        self.lane_edge[seg.lane_key] = (entry, exit_)
        self.digraph.add_edge(entry, exit_, weight=float(steps), segment=index)

    def _path_waypoints(self, index: int, entry: carla.Waypoint) -> Iterator[tuple[int, carla.Waypoint]]:
        """(point index, waypoint) of segment `index`'s intermediate points in order, as CARLA's `path`.

        A segment whose exit is within one step of its entry has none here; CARLA's path is then the
        one waypoint a step past the entry (it may lie beyond the exit), so that one is checked.
        """
        g = self.lane_graph
        seg = g.segments[index]
        if seg.stop - seg.first == 2 and entry.transform.location.distance(self._location(seg.stop - 1)) <= g.resolution_m:
            yield from ((seg.first, ahead) for ahead in entry.next(g.resolution_m)[:1])
            return
        road, _, lane = seg.lane_key
        for k in range(seg.first + 1, seg.stop - 1):
            wp = self.map.get_waypoint(self._location(k))
            if wp is not None and (wp.road_id, wp.lane_id) == (road, lane):
                yield k, wp  # else a point of an overlapping lane: its markings are not this lane's

    def _location(self, point: int) -> carla.Location:
        g = self.lane_graph
        return carla.Location(float(g.x_m[point]), float(g.y_m[point]), float(g.z_m[point]))

    def _link_lane_changes(self, index: int, entry: carla.Waypoint) -> None:
        """Zero-weight edges to the lanes beside segment `index` (CARLA walks its intermediate points)."""
        found: set[RoadOption] = set()
        for k, wp in self._path_waypoints(index, entry):
            for option, marking, flag, beside in (
                (RoadOption.CHANGELANERIGHT, wp.right_lane_marking, carla.LaneChange.Right, wp.get_right_lane),
                (RoadOption.CHANGELANELEFT, wp.left_lane_marking, carla.LaneChange.Left, wp.get_left_lane),
            ):
                if option in found or marking is None or not marking.lane_change & flag:
                    continue
                other = beside()
                if other is None or other.lane_type != carla.LaneType.Driving or other.road_id != wp.road_id:
                    continue
                located = self.map.get_waypoint(other.transform.location)
                target = None if located is None else self.lane_edge.get(lane_key(located))
                if target is None:
                    continue
                link = LaneChangeLink(index, k, option, lane_key(located))
                self.links.setdefault(index, []).append(link)
                self.digraph.add_edge(self._entry_node[index], target[0], weight=0.0, link=link)
                found.add(option)
            if len(found) == 2:
                return

    # queries ---------------------------------------------------------------------------------
    def localize(self, location: carla.Location) -> tuple[int, int] | None:
        """(entry node, exit node) of the lane edge `map.get_waypoint(location)` lies on, or None."""
        wp = self.map.get_waypoint(location)
        return None if wp is None else self.lane_edge.get(lane_key(wp))

    def segment_of_lane(self, key: LaneKey) -> int:
        """The LaneGraph segment of lane `key`'s edge (the last segment on that lane)."""
        return int(self.digraph.edges[self.lane_edge[key]]["segment"])

    def _heuristic(self, a: int, b: int) -> float:
        return float(np.linalg.norm(self.digraph.nodes[a]["xyz"] - self.digraph.nodes[b]["xyz"]))

    def node_path(self, start: tuple[int, int], end: tuple[int, int]) -> list[int]:
        """Nodes from `start`'s entry to `end`'s entry by A*, then `end`'s exit (as CARLA's `_path_search`).

        Raises networkx.NetworkXNoPath when no lane path joins them.
        """
        return [*nx.astar_path(self.digraph, start[0], end[0], heuristic=self._heuristic, weight="weight"), end[1]]
