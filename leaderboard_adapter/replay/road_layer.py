"""RoadLayer: the static picture of a LaneGraph's driving lanes, rasterised tile by tile on first use.

Lane surfaces are polygons a lane width wide around each segment's centre line; outside
junctions their boundaries are drawn as thin lines. Tiles of `tile_px` square pixels on the
global lattice of `PixelGrid` are drawn once and kept, so a frame's road background is a few
array copies. Tiles with no lane share one read-only background tile.
"""

from __future__ import annotations

import cv2
import numpy as np

from leaderboard_adapter.replay.palette import Palette
from leaderboard_adapter.replay.pixel_grid import SHIFT, PixelGrid
from leaderboard_adapter.roads.lane_graph import LaneGraph


class RoadLayer:
    """The lanes of `graph` at `metres_per_px`, in `palette`'s road colours."""

    def __init__(self, graph: LaneGraph, metres_per_px: float, palette: Palette, tile_px: int = 256):
        if tile_px < 16:
            raise ValueError(f"tile_px must be at least 16, got {tile_px}")
        self.metres_per_px = metres_per_px
        self.palette = palette
        self.tile_px = tile_px
        self._surfaces: list[np.ndarray] = []  # per segment: (2K, 2) polygon [m]
        self._edges: list[list[np.ndarray]] = []  # per segment: boundary polylines [m] (none in junctions)
        boxes = []
        for segment in graph.segments:
            points = graph.points(segment.index)
            yaw = np.radians(points[:, 2])
            right = np.stack([-np.sin(yaw), np.cos(yaw)], axis=1)  # y south, yaw clockwise
            half = 0.5 * segment.lane_width_m
            left_edge = points[:, :2] - half * right
            right_edge = points[:, :2] + half * right
            polygon = np.concatenate([left_edge, right_edge[::-1]])
            self._surfaces.append(polygon)
            self._edges.append([] if segment.is_junction else [left_edge, right_edge])
            boxes.append([*polygon.min(axis=0), *polygon.max(axis=0)])
        self._boxes_m = np.asarray(boxes, dtype=float).reshape(-1, 4)
        self._tiles: dict[tuple[int, int], np.ndarray] = {}
        self._empty = np.full((tile_px, tile_px, 3), palette.background, np.uint8)
        self._empty.setflags(write=False)

    def crop(self, grid: PixelGrid) -> np.ndarray:
        """A fresh (height, width, 3) uint8 BGR image of the roads in `grid`'s frame."""
        if grid.metres_per_px != self.metres_per_px:
            raise ValueError(
                f"the frame is at {grid.metres_per_px} m/px but this road layer at {self.metres_per_px} m/px"
            )
        (ox, oy), (width, height) = grid.origin_px, grid.size_px
        size = self.tile_px
        out = np.empty((height, width, 3), np.uint8)
        for ty in range(oy // size, (oy + height - 1) // size + 1):
            y0, y1 = max(oy, ty * size), min(oy + height, (ty + 1) * size)
            for tx in range(ox // size, (ox + width - 1) // size + 1):
                x0, x1 = max(ox, tx * size), min(ox + width, (tx + 1) * size)
                tile = self._tile(tx, ty)
                out[y0 - oy : y1 - oy, x0 - ox : x1 - ox] = tile[
                    y0 - ty * size : y1 - ty * size, x0 - tx * size : x1 - tx * size
                ]
        return out

    def _tile(self, tx: int, ty: int) -> np.ndarray:
        key = (tx, ty)
        if key not in self._tiles:
            self._tiles[key] = self._draw_tile(tx, ty)
        return self._tiles[key]

    def _draw_tile(self, tx: int, ty: int) -> np.ndarray:
        size = self.tile_px
        grid = PixelGrid(self.metres_per_px, (tx * size, ty * size), (size, size))
        lo = np.array([tx * size, ty * size], dtype=float) * self.metres_per_px
        hi = lo + size * self.metres_per_px
        b = self._boxes_m
        hits = np.flatnonzero(
            (b[:, 0] <= hi[0]) & (b[:, 2] >= lo[0]) & (b[:, 1] <= hi[1]) & (b[:, 3] >= lo[1])
        )
        if hits.size == 0:
            return self._empty
        tile = np.array(self._empty)
        for i in hits:  # one call per lane: a single fillPoly of overlapping polygons would XOR them
            cv2.fillPoly(tile, [grid.fixed(self._surfaces[i])], self.palette.road, cv2.LINE_8, SHIFT)
        edges = [grid.fixed(edge) for i in hits for edge in self._edges[i]]
        if edges:
            cv2.polylines(tile, edges, False, self.palette.lane_edge, 1, cv2.LINE_8, SHIFT)
        tile.setflags(write=False)
        return tile
