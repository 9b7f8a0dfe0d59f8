"""The ego car, one place for every package: a Lincoln MKZ (the leaderboard's hero) as this project models it.

Sizes are the full extents of its bounding box (CARLA's `bounding_box.extent` doubled), the
box centred on the actor's location. Steering is the kinematic-bicycle model's front-wheel
angle: CARLA's physics control lists 70 deg for the MKZ, which a kinematic bicycle turns into a
1 m radius; 30 deg (rear-axle radius about 5 m, close to the real car's 11.8 m kerb-to-kerb
turning circle) is used by the embedded world, the expert's forecast and the route follower.
"""

from __future__ import annotations

EGO_LENGTH_M = 4.90
"""Full length of the ego's bounding box [m]."""

EGO_WIDTH_M = 2.12
"""Full width of the ego's bounding box [m]."""

EGO_HEIGHT_M = 1.52
"""Full height of the ego's bounding box [m]."""

EGO_WHEELBASE_M = 2.85
"""Distance from the rear axle to the front axle [m]; the axles sit symmetrically about the box centre."""

EGO_MAX_WHEEL_ANGLE_DEG = 30.0
"""Front-wheel angle at steer = +-1 [deg] (the kinematic model's; see the module docstring)."""

EGO_MAX_WHEEL_RATE_DPS = 90.0
"""Fastest change of the front-wheel angle [deg/s]."""

EGO_TYPE_ID = "vehicle.lincoln.mkz_2017"
"""CARLA blueprint id of the ego."""
