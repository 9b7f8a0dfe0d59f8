"""DRIVE_SPEC: the function the LLM writes, ``drive(observation)``, and its documentation (the LLM's only one).

The doc follows docs/observation.md (schema version 1) and names every key of the observation;
tests check that against an observation built by the real ObservationBuilder.
"""

from __future__ import annotations

from langprop_driver.engine import FunctionSpec

DRIVE_DOC = """\
Drive the ego car along its route. Called 20 times per second (every 0.05 s of simulation) with the
current observation; it must be fast and must not rely on state kept between calls.

observation: a dict of privileged ground truth (no noise).
Frame: the ego frame, origin at the centre of the ego car, x FORWARD, y to the LEFT. Angles are in
degrees, positive to the LEFT (counter-clockwise seen from above). The direction of a point is
math.degrees(math.atan2(y_m, x_m)): 0 straight ahead, +90 left, -90 right, 180 behind.
Units are in the key names: _m metres, _s seconds, _mps m/s, _mps2 m/s^2, _deg degrees,
_dps degrees per second. Lengths and widths are full extents (not halves). Floats have 3 decimals.
No key is ever missing: what is absent is None or [].
- schema_version (int, 1); time_s: seconds since the route started.
- ego: the ego car.
    x_m, y_m, yaw_deg: position and heading in the CARLA world frame (x east, y south, yaw clockwise);
        only useful to recognise places, never needed to drive.
    speed_mps: speed, >= 0. vx_mps, vy_mps: velocity, forward and left.
    accel_mps2: forward acceleration (negative while braking); lateral_accel_mps2: left positive.
    yaw_rate_dps: turn rate, positive turning left.
    length_m, width_m: size of the ego car (4.9 x 2.12).
    standing_s: how long the ego has stood still (speed < 0.1 m/s) without interruption; 0 while moving.
- route: the route to follow.
    points: the next route points on the centre of the lane to drive in, 2 m apart, nearest first: up to
        25 (at least 1; fewer near the end). Each point: x_m, y_m (ego frame; y_m != 0 next to the ego
        means the ego is off the lane centre); distance_m (along the route from the ego: 2, 4, ..., 50);
        road_option: "LANEFOLLOW" (follow the lane), "LEFT", "RIGHT", "STRAIGHT" (turn left / turn right /
        go straight through a junction), "CHANGELANELEFT", "CHANGELANERIGHT" or "VOID";
        in_junction (bool): the point lies inside a junction.
    distance_to_end_m: along the route to its end (0 at the end).
    speed_limit_mps: the speed limit here (8.33 = 30 km/h, 13.89 = 50 km/h).
    in_junction (bool): the ego is inside a junction (an intersection).
    junction_ahead (bool): a junction starts at most 50 m ahead (always False while in_junction).
    distance_to_junction_m: from the ego's FRONT BUMPER along the route to that junction; None when
        junction_ahead is False.
- vehicles, pedestrians: lists of the actors whose centre is within 50 m, nearest first ([] if none).
    Each actor: id (int, stable over time); x_m, y_m: its centre (ego frame); heading_deg: where it
    points, relative to the ego (0 same direction, 180 oncoming, +90 pointing to the ego's left);
    vx_mps, vy_mps: its velocity over the ground in the ego frame (forward, left; a car ahead driving
    the ego's way at 5 m/s has vx_mps 5); speed_mps; length_m, width_m (pedestrians about 0.5 x 0.5);
    distance_m: straight-line distance between the two centres.
- traffic_light: the light governing the route's lane whose stop line is 0 to 60 m ahead, or None.
    id; state: "Red", "Yellow", "Green" or "Off"; distance_m: from the ego's FRONT BUMPER along the
    route to the stop line (0 at the line). Once the bumper is past the line the light is not reported.
- stop_sign: the stop sign whose stop line is 0 to 60 m ahead on the route, or None.
    id; distance_m: from the ego's FRONT BUMPER along the route to its stop line;
    completed_stop (bool): the ego has already stood still (speed < 0.1 m/s) with its front bumper
    0 to 4 m before this line; then it may go.

Return a dict with exactly two keys, both plain numbers:
    {"target_speed_mps": float >= 0, "steer_deg": float}
target_speed_mps: the speed to drive at [m/s]; 0 brakes firmly and holds the car.
steer_deg: the direction to drive towards [deg], positive LEFT, e.g. the angle to the route point
    4 to 8 m ahead (farther when faster): math.degrees(math.atan2(point["y_m"], point["x_m"])).
A controller turns them into throttle, brake and steering.

Driving rules:
- Follow the route and keep to the centre of its lane.
- Never exceed route.speed_limit_mps; slow down before sharp turns (points whose y_m grows quickly,
  road_option "LEFT" or "RIGHT") and in junctions.
- Stop before the stop line for a "Red" light, and for a "Yellow" one when you can still stop
  comfortably (speed_mps**2 / 12 < distance_m); go on "Green" and "Off". Driving past the line on red
  is an infraction. A target of math.sqrt(2 * 3.0 * max(distance_m - 2.0, 0)) stops about 2 m before it.
- Stop sign: come to a full stop (speed < 0.1 m/s) with distance_m between 0 and 4 (aim for 2); once
  completed_stop is True, go on (yielding to traffic in the junction).
- Keep at least 4 m and about 1 s of headway to the vehicle ahead in your path (for a car straight
  ahead the gap is x_m - ego length_m / 2 - its length_m / 2); stop behind standing vehicles in your path.
  An actor is in your path when it is ahead (x_m > 0) and within about (ego width_m + its width_m) / 2
  plus 0.5 m of the route points' line.
- Stop for pedestrians in your path or walking into it (y_m and vy_mps of opposite signs means walking
  towards your path).
- Yield in junctions: do not enter while a vehicle is crossing or about to cross your path.
- Never collide, never leave the road, and keep moving when the way is clear (do not block traffic)."""

DRIVE_SPEC = FunctionSpec("drive", ("observation",), DRIVE_DOC)
"""``def drive(observation):`` returning ``{"target_speed_mps": ..., "steer_deg": ...}``."""
