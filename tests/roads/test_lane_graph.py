"""LaneGraph: flat polylines, successors, and exact arc-length interpolation."""

from __future__ import annotations

import numpy as np

from leaderboard_adapter.roads.towns import load_town


def test_pose_at_returns_every_sampled_point_exactly_including_curved_junction_lanes() -> None:
    graph = load_town("EmbeddedGrid").lane_graph
    x, y, yaw = graph.pose_at(graph.segment, graph.s_m)
    assert np.max(np.hypot(x - graph.x_m, y - graph.y_m)) < 1e-6
    assert np.max(np.abs((yaw - graph.yaw_deg + 180.0) % 360.0 - 180.0)) < 1e-6


def test_pose_at_interpolates_between_points_and_clamps_at_the_ends() -> None:
    graph = load_town("EmbeddedGrid").lane_graph
    curved = next(s for s in graph.segments if s.is_junction and abs(
        (graph.yaw_deg[s.stop - 1] - graph.yaw_deg[s.first] + 180) % 360 - 180) > 60)
    k = curved.first + 3
    mid = 0.5 * (graph.s_m[k] + graph.s_m[k + 1])
    x, y, _ = graph.pose_at(np.array([curved.index]), np.array([mid]))
    assert np.hypot(x[0] - 0.5 * (graph.x_m[k] + graph.x_m[k + 1]), y[0] - 0.5 * (graph.y_m[k] + graph.y_m[k + 1])) < 1e-6
    x, y, _ = graph.pose_at(np.array([curved.index, curved.index]), np.array([-5.0, curved.length_m + 5.0]))
    assert np.hypot(x[0] - graph.x_m[curved.first], y[0] - graph.y_m[curved.first]) < 1e-6
    assert np.hypot(x[1] - graph.x_m[curved.stop - 1], y[1] - graph.y_m[curved.stop - 1]) < 1e-6


def test_every_lane_has_a_successor_and_successors_start_where_lanes_end() -> None:
    graph = load_town("EmbeddedStops").lane_graph
    for seg in graph.segments:
        assert seg.successors
        for nxt in seg.successors:
            first = graph.segments[nxt].first
            end = seg.stop - 1
            assert np.hypot(graph.x_m[first] - graph.x_m[end], graph.y_m[first] - graph.y_m[end]) <= 0.5
