"""BirdseyeRenderer: a north-up top-down BGR picture of a WorldView (roads, route, signals, actors, hero).

Drawing order: roads (the cached `RoadLayer`), the route, traffic-light and stop-sign stop
lines, other vehicles and walkers, the hero, then the optional `Overlay`. Boxes are the
actors' full lengths and widths along their yaw, with their front edge in black. Frames
follow the hero (centred on it) or, with `follow_ego=False`, stay centred on the route's
bounding box. Rendering reads the view only; it never changes the world.
"""

from __future__ import annotations

import math

import carla
import cv2
import numpy as np

from leaderboard_adapter.geometry import box_corners
from leaderboard_adapter.replay.overlay import Overlay, draw_overlay
from leaderboard_adapter.replay.palette import BGR, Palette
from leaderboard_adapter.replay.pixel_grid import SHIFT, PixelGrid
from leaderboard_adapter.replay.road_layer import RoadLayer
from leaderboard_adapter.roads.lane_graph import LaneGraph
from leaderboard_adapter.world_view import ActorKind, Pose2D, WorldView

STOP_BAR_LENGTH_M = 3.0
"""Length of a drawn stop line across its lane [m]."""
STOP_BAR_WIDTH_M = 0.6
"""Width of a drawn stop line along the lane [m] (at least 2 px)."""
STOP_SIGN_RADIUS_M = 0.9
"""Radius of the octagon drawn at a stop sign [m]."""
ROUTE_THICKNESS_PX = 2
_CULL_MARGIN_M = 10.0


class BirdseyeRenderer:
    """Renders WorldViews of one town as `size_px` square BGR frames at `metres_per_px`.

    `roads`: the town's LaneGraph, or its carla.Map (a LaneGraph is built from it).
    """

    def __init__(
        self,
        roads: LaneGraph | carla.Map,
        size_px: int = 640,
        metres_per_px: float = 0.125,
        follow_ego: bool = True,
        palette: Palette | None = None,
    ):
        if isinstance(size_px, bool) or not isinstance(size_px, int) or size_px < 32:
            raise ValueError(f"size_px must be an int >= 32, got {size_px!r}")
        if not (math.isfinite(metres_per_px) and metres_per_px > 0):
            raise ValueError(f"metres_per_px must be a positive number, got {metres_per_px!r}")
        if isinstance(roads, carla.Map):
            roads = LaneGraph(roads)
        elif not isinstance(roads, LaneGraph):
            raise TypeError(f"roads must be a LaneGraph or a carla.Map, got {type(roads).__name__}")
        self.size_px = size_px
        self.metres_per_px = metres_per_px
        self.follow_ego = follow_ego
        self.palette = palette if palette is not None else Palette()
        self.road_layer = RoadLayer(roads, metres_per_px, self.palette)

    def grid_for(self, view: WorldView) -> PixelGrid:
        """The pixel mapping of the frame `render(view)` draws (where any world point lands in it)."""
        size = (self.size_px, self.size_px)
        if self.follow_ego:
            hero = view.hero()
            return PixelGrid.centred_on(hero.x_m, hero.y_m, self.metres_per_px, size)
        route = view.route()
        if not route:
            raise ValueError("follow_ego=False centres the frame on the route, but the view's route is empty")
        xy = np.array([(p.x_m, p.y_m) for p in route])
        centre = 0.5 * (xy.min(axis=0) + xy.max(axis=0))
        return PixelGrid.centred_on(float(centre[0]), float(centre[1]), self.metres_per_px, size)

    def render(self, view: WorldView, overlay: Overlay | None = None) -> np.ndarray:
        """A (size_px, size_px, 3) uint8 BGR frame of `view`, north up, with `overlay` drawn last."""
        grid = self.grid_for(view)
        image = self.road_layer.crop(grid)
        route = view.route()
        if route:
            line = grid.fixed(np.array([(p.x_m, p.y_m) for p in route]))
            cv2.polylines(image, [line], False, self.palette.route, ROUTE_THICKNESS_PX, cv2.LINE_8, SHIFT)
        self._draw_signals(image, grid, view)
        self._draw_actors(image, grid, view)
        hero = view.hero()
        self._draw_boxes(
            image,
            grid,
            box_corners(hero.x_m, hero.y_m, np.radians(hero.yaw_deg), hero.length_m, hero.width_m)[None],
            self.palette.ego,
        )
        if overlay is not None:
            draw_overlay(image, grid, hero, overlay, self.palette)
        return image

    # ------------------------------------------------------------------ layers
    def _visible(self, grid: PixelGrid, x_m: np.ndarray, y_m: np.ndarray) -> np.ndarray:
        """Mask of points close enough to the frame to matter."""
        cx, cy = grid.centre_m()
        reach = 0.5 * math.hypot(*grid.size_px) * grid.metres_per_px + _CULL_MARGIN_M
        return np.hypot(np.asarray(x_m) - cx, np.asarray(y_m) - cy) <= reach

    def _draw_signals(self, image: np.ndarray, grid: PixelGrid, view: WorldView) -> None:
        width_px = max(2, int(round(grid.length_px(STOP_BAR_WIDTH_M))))
        for light in view.traffic_lights():
            self._draw_stop_lines(image, grid, light.stop_line, self.palette.light(light.state), width_px)
        for sign in view.stop_signs():
            self._draw_stop_lines(image, grid, sign.stop_line, self.palette.stop_sign, width_px)
            if self._visible(grid, sign.location.x_m, sign.location.y_m):
                angles = np.radians(22.5 + 45.0 * np.arange(8))
                octagon = np.stack(
                    [
                        sign.location.x_m + STOP_SIGN_RADIUS_M * np.cos(angles),
                        sign.location.y_m + STOP_SIGN_RADIUS_M * np.sin(angles),
                    ],
                    axis=1,
                )
                cv2.fillConvexPoly(image, grid.fixed(octagon), self.palette.stop_sign_face, cv2.LINE_8, SHIFT)

    def _draw_stop_lines(
        self, image: np.ndarray, grid: PixelGrid, poses: tuple[Pose2D, ...], colour: BGR, width_px: int
    ) -> None:
        """A bar across the lane at each stop-line pose (pose: lane centre, facing the direction of travel)."""
        bars = []
        for pose in poses:
            if not self._visible(grid, pose.x_m, pose.y_m):
                continue
            yaw = math.radians(pose.yaw_deg)
            right = np.array([-math.sin(yaw), math.cos(yaw)]) * (0.5 * STOP_BAR_LENGTH_M)
            centre = np.array([pose.x_m, pose.y_m])
            bars.append(grid.fixed(np.stack([centre - right, centre + right])))
        if bars:
            cv2.polylines(image, bars, False, colour, width_px, cv2.LINE_8, SHIFT)

    def _draw_actors(self, image: np.ndarray, grid: PixelGrid, view: WorldView) -> None:
        actors = view.actors()
        if not len(actors):
            return
        near = self._visible(grid, actors.x_m, actors.y_m)
        corners = box_corners(
            actors.x_m[near],
            actors.y_m[near],
            np.radians(actors.yaw_deg[near]),
            actors.length_m[near],
            actors.width_m[near],
        )
        kinds = actors.kinds[near]
        for kind, colour in (
            (ActorKind.VEHICLE, self.palette.vehicle),
            (ActorKind.WALKER, self.palette.walker),
        ):
            self._draw_boxes(image, grid, corners[kinds == int(kind)], colour)

    def _draw_boxes(self, image: np.ndarray, grid: PixelGrid, corners_m: np.ndarray, colour: BGR) -> None:
        """Filled boxes (corners (N, 4, 2) [m], front-right first) with their front edge in the heading colour."""
        if not len(corners_m):
            return
        boxes = grid.fixed(corners_m)
        for box in boxes:  # one call per box: one fillPoly of overlapping boxes would XOR them
            cv2.fillConvexPoly(image, box, colour, cv2.LINE_8, SHIFT)
        cv2.polylines(image, list(boxes[:, :2]), False, self.palette.heading, 2, cv2.LINE_8, SHIFT)
