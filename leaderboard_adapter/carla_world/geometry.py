"""Poses and trigger volumes moved from an actor's local frame into CARLA's world frame.

CARLA's world frame is left-handed (x east, y south, z up; yaw in degrees, clockwise seen
from above). A `carla.BoundingBox` of an actor (its `bounding_box`, or a traffic sign's
`trigger_volume`) has its `location` and `rotation` in the actor's local frame: the box
centre in the world is the actor's transform applied to that location, and its world yaw
is the actor's yaw plus the box's yaw. Distances in metres.
"""

from __future__ import annotations

import math

import carla
import numpy as np

from leaderboard_adapter.world_view import Pose2D, TriggerVolume


def pose_from_transform(transform: carla.Transform) -> Pose2D:
    """The planar pose (x, y [m], yaw [deg]) of a `carla.Transform`."""
    return Pose2D(float(transform.location.x), float(transform.location.y), float(transform.rotation.yaw))


def box_center_in_world(actor_transform: carla.Transform, box: carla.BoundingBox) -> carla.Location:
    """The world location of the centre of `box`, given in the frame of the actor at `actor_transform`."""
    center = carla.Location(box.location.x, box.location.y, box.location.z)
    actor_transform.transform(center)  # in place
    return center


def trigger_volume_in_world(actor_transform: carla.Transform, box: carla.BoundingBox) -> TriggerVolume:
    """`box` (actor-local, e.g. a traffic light's `trigger_volume`) as a world-frame `TriggerVolume`.

    Full length and width are twice the box's extents along its own x and y.
    """
    center = box_center_in_world(actor_transform, box)
    yaw_deg = float(actor_transform.rotation.yaw) + float(box.rotation.yaw)
    return TriggerVolume(
        center=Pose2D(float(center.x), float(center.y), yaw_deg),
        length_m=2.0 * float(box.extent.x),
        width_m=2.0 * float(box.extent.y),
    )


def points_in_trigger(
    x_m: np.ndarray, y_m: np.ndarray, trigger: TriggerVolume, scale: float = 1.0
) -> np.ndarray:
    """Boolean mask: which world points (x_m, y_m) lie inside `trigger`, its sides scaled by `scale`."""
    yaw = math.radians(trigger.center.yaw_deg)
    dx = np.asarray(x_m, dtype=float) - trigger.center.x_m
    dy = np.asarray(y_m, dtype=float) - trigger.center.y_m
    along = dx * math.cos(yaw) + dy * math.sin(yaw)
    across = -dx * math.sin(yaw) + dy * math.cos(yaw)
    return (np.abs(along) <= 0.5 * scale * trigger.length_m) & (
        np.abs(across) <= 0.5 * scale * trigger.width_m
    )


def trigger_sample_points(
    trigger: TriggerVolume, step_m: float, scale: float = 1.0
) -> tuple[np.ndarray, np.ndarray]:
    """A grid of world points (x_m, y_m) covering `trigger` (its sides scaled by `scale`), about `step_m` apart."""
    half_l = 0.5 * scale * trigger.length_m
    half_w = 0.5 * scale * trigger.width_m
    along = np.linspace(-half_l, half_l, max(2, int(math.ceil(2 * half_l / step_m)) + 1))
    across = np.linspace(-half_w, half_w, max(2, int(math.ceil(2 * half_w / step_m)) + 1))
    a, c = (g.ravel() for g in np.meshgrid(along, across))
    yaw = math.radians(trigger.center.yaw_deg)
    x = trigger.center.x_m + a * math.cos(yaw) - c * math.sin(yaw)
    y = trigger.center.y_m + a * math.sin(yaw) + c * math.cos(yaw)
    return x, y
