"""Connectivity checks on a LaneGraph: dead-end lanes and junctions a vehicle cannot reach or leave."""

from __future__ import annotations

import networkx as nx

from leaderboard_adapter.roads.lane_graph import LaneGraph


def segment_digraph(graph: LaneGraph, lane_changes: bool = True) -> nx.DiGraph:
    """Segments as nodes; edges to successors and, with `lane_changes`, to same-direction neighbours."""
    digraph = nx.DiGraph()
    digraph.add_nodes_from(range(len(graph)))
    for seg in graph.segments:
        digraph.add_edges_from((seg.index, j) for j in seg.successors)
        if lane_changes:
            digraph.add_edges_from((seg.index, j) for j in (seg.left, seg.right) if j is not None)
    return digraph


def dead_end_segments(graph: LaneGraph) -> list[int]:
    """Segments with no successor: a vehicle reaching their end is trapped."""
    return [seg.index for seg in graph.segments if not seg.successors]


def trapping_segments(graph: LaneGraph) -> list[int]:
    """Segments outside the largest strongly connected part: from them some lanes can never be reached again."""
    components = list(nx.strongly_connected_components(segment_digraph(graph)))
    largest = max(components, key=len)
    return sorted(i for i in range(len(graph)) if i not in largest)


def unreachable_junctions(graph: LaneGraph) -> list[int]:
    """Junction ids none of whose connecting lanes lie in the largest strongly connected part."""
    components = list(nx.strongly_connected_components(segment_digraph(graph)))
    largest = max(components, key=len)
    junctions: dict[int, bool] = {}
    for seg in graph.segments:
        if seg.is_junction:
            junctions[seg.junction_id] = junctions.get(seg.junction_id, False) or seg.index in largest
    return sorted(j for j, ok in junctions.items() if not ok)
