"""DRIVE_SPEC: the function the LLM writes, ``drive(observation)``, and its documentation (the LLM's only one).

The doc follows docs/observation.md (schema version 2) and names every key of the observation;
tests check that against an observation built by the real ObservationBuilder. It states the expert's
rules (expert/autopilot.py) exactly where they depend on the observation alone: the steering aim
point, the cruise speed and the IDM target towards a stop line; tests re-implement them from this
text and compare with the expert's labels on recorded frames.
"""

from __future__ import annotations

from string import Template

from langprop_driver.engine import FunctionSpec
from leaderboard_adapter.tick import TICK_HZ, TICK_S
from leaderboard_adapter.vehicle_spec import EGO_LENGTH_M, EGO_WIDTH_M

_DRIVE_DOC = Template("""\
Drive the ego car along its route. Called $tick_hz times per second (every $tick_s s of simulation) with the
current observation; it must be fast and must not rely on state kept between calls.

observation: a dict of privileged ground truth (no noise).
Frame: the ego frame, origin at the centre of the ego car, x FORWARD, y to the LEFT. Angles are in
degrees, positive to the LEFT (counter-clockwise seen from above). The direction of a point is
math.degrees(math.atan2(y_m, x_m)): 0 straight ahead, +90 left, -90 right, 180 behind.
Units are in the key names: _m metres, _s seconds, _mps m/s, _mps2 m/s^2, _deg degrees,
_dps degrees per second. Lengths and widths are full extents (not halves). Floats have 3 decimals.
No key is ever missing: what is absent is None or [].
- schema_version (int, 2); time_s: seconds since the route started.
- ego: the ego car.
    x_m, y_m, yaw_deg: position and heading in the CARLA world frame (x east, y south, yaw clockwise);
        only useful to recognise places, never needed to drive.
    speed_mps: speed, >= 0. vx_mps, vy_mps: velocity, forward and left.
    accel_mps2: forward acceleration (negative while braking); lateral_accel_mps2: left positive.
    yaw_rate_dps: turn rate, positive turning left.
    length_m, width_m: size of the ego car ($ego_length_m x $ego_width_m).
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
- vehicles, pedestrians: lists of the actors whose centre is within 50 m, on the ego's level (not on a bridge
  above or a road below), nearest first ([] if none).
    Each actor: id (int, stable over time); x_m, y_m: its centre (ego frame); heading_deg: where it
    points, relative to the ego (0 same direction, 180 oncoming, +90 pointing to the ego's left);
    vx_mps, vy_mps: its velocity over the ground in the ego frame (forward, left; a car ahead driving
    the ego's way at 5 m/s has vx_mps 5); speed_mps; length_m, width_m (pedestrians about 0.5 x 0.5);
    distance_m: straight-line distance between the two centres.
- traffic_light: the light governing the route's lane whose stop line the ego has not yet cleared, from
    60 m ahead, or None.
    id; state: "Red", "Yellow", "Green" or "Off"; distance_m: from the ego's FRONT BUMPER along the
    route to the stop line (0 at the line). It goes NEGATIVE once the bumper is past the line and the
    light stays reported until the rear bumper is 1 m past it (distance_m down to -(length_m + 1)):
    driving on at red across the line with the car's tail is running the light.
- stop_sign: the stop sign whose stop line is 60 m ahead down to 1 m behind the rear bumper, or None.
    id; distance_m: from the ego's FRONT BUMPER along the route to its stop line (negative once past);
    completed_stop (bool): the ego has already stood still (speed < 0.1 m/s) with its front bumper
    0 to 4 m before this line; then it may go.

Return a dict with exactly two keys, both plain numbers:
    {"target_speed_mps": float >= 0, "steer_deg": float}
target_speed_mps: the speed to drive at [m/s]; 0 brakes firmly and holds the car.
steer_deg: the direction to drive towards [deg], positive LEFT: the angle of an aim point on the route.
A controller turns them into throttle, brake and steering.

Your action is compared with an expert driver's action on the same observation. The expert decides
exactly as follows (lines marked # are Python you may reuse; math is the math module).
Steering: the expert aims at the point of the route lookahead_m along it, from the ego's CENTRE:
    lookahead_m = min(max(0.35119 * speed_mps + 0.19153, 2.4), 10.5)   # 2.4 m up to 6.3 m/s
  The route is the polyline from the ego's centre (x_m 0, y_m 0, distance 0) through the route points
  at their distance_m (when only one point is left, or the distances do not increase, use the
  straight-line lengths along the polyline instead). The aim point lies on the segment whose two
  ends' distances d0 <= lookahead_m < d1 enclose it, linearly interpolated by distance (beyond the
  last point: the last segment extended). It is NOT the nearest route point:
    # t = (lookahead_m - d0) / (d1 - d0); x = x0 + t * (x1 - x0); y = y0 + t * (y1 - y0)
    # steer_deg = math.degrees(math.atan2(y, x))
Speed: the expert's target_speed_mps is the LOWEST of the cruise speed and one IDM target per
obstacle; the label's reason names the one that set it ("cruise", "red_light", "yellow_light",
"stop_sign", "vehicle", "pedestrian", "hazard", "junction_yield").
  cruise: the speed limit, lowered so every curve ahead is reached at its curve speed:
    # on the same polyline (distances s_k, s_0 = 0 at the ego), heading h_k [rad] of the segment
    # leaving point k (the last point keeps the previous one), unwrapped (no 2*pi jumps);
    # h(s) interpolates h_k linearly in s and stays constant beyond both ends.
    # for every point k: kappa = abs(h(s_k + 2) - h(s_k - 2)) / 4           [1/m]
    #   v_curve = math.sqrt(2.5 / max(kappa, 1e-6)); reach_k = math.sqrt(v_curve**2 + 2 * 2.5 * s_k)
    # cruise = min(route["speed_limit_mps"], min(reach_k over all k))
  IDM target towards an obstacle gap_m ahead of the front bumper moving at lead_mps along the route,
  with standstill gap s0 [m], time headway T [s] and comfortable deceleration b [m/s^2]:
    # def idm_target(v, cruise, gap_m, lead_mps, s0, T, b):   # v = ego speed_mps
    #     if gap_m <= s0 and lead_mps < 0.5: return 0.0
    #     s_star = max(s0 + v * T + v * (v - lead_mps) / (2 * math.sqrt(3.0 * b)), s0)
    #     a = 3.0 * (1 - (v / max(cruise, 0.1)) ** 4 - (s_star / max(gap_m, 0.001)) ** 2)
    #     target = min(max(v + 0.5 * a, 0.0), cruise)
    #     return min(target, math.sqrt(2 * b * max(gap_m - s0 + max(lead_mps, 0) ** 2 / (2 * b), 0)))
  Obstacles (their reason, gap_m, lead_mps, s0, T, b):
  - "red_light": a Red light with distance_m >= 0: gap distance_m, lead 0, s0 1.5, T 0.1, b 3.0.
  - "yellow_light": a Yellow one, the same, unless the car cannot stop before the line at 6 m/s^2
    (speed_mps**2 / 12 >= distance_m) and its tail clears the line within 2.5 s
    (distance_m + length_m < 2.5 * speed_mps): then it goes on.
  - "stop_sign": completed_stop False and distance_m >= 0: gap distance_m, lead 0, s0 1.0, T 0.1, b 3.0.
  - A light or stop sign with a negative distance_m is passed: the expert ignores it (it never stops
    inside the junction).
  - "vehicle": a vehicle in the path heading within 45 deg of the route there: gap = its centre's
    distance along the route - ego length_m / 2 - its half length along the route; lead = its velocity
    along the route (>= 0); s0 3.0, T 0.5, b 3.5. In the path: its centre is ahead of the ego's centre
    and within (ego width_m + its width across the route) / 2 + 0.4 m of the route polyline.
  - "pedestrian": a pedestrian in the path the same way (lead 0 unless walking along the route);
    s0 4.0, T 0.25, b 3.5.
  - "hazard": a collision forecast over the next 3 s (the ego driving on along the route, the others
    keeping their velocity, boxes grown by margins): gap = where along the route the ego would touch
    it; lead 0, s0 1.0, T 0.1, b 3.5. "junction_yield": such a contact inside the junction ahead, while
    the ego can still stop before it (at 6 m/s^2): it waits at the junction's entry (or the light's
    stop line): gap = distance_to_junction_m, lead 0, s0 0.5, T 0.1, b 3.0.

Driving rules (what the score in the simulation rewards):
- Follow the route and keep to the centre of its lane.
- Never exceed route.speed_limit_mps; slow down before sharp turns and in junctions.
- Stop before the stop line for a "Red" light and a stoppable "Yellow" one; go on "Green" and "Off".
  Running a red light (the car's tail crossing the line on red) is an infraction: do not creep over
  the line; once the front bumper is past it, clear the junction rather than stop inside it.
- Stop sign: come to a full stop (speed < 0.1 m/s) with distance_m between 0 and 4; once
  completed_stop is True, go on (yielding to traffic in the junction).
- Keep a gap and time headway to the vehicle ahead in your path (for a car straight ahead the gap is
  x_m - ego length_m / 2 - its length_m / 2); stop behind standing vehicles in your path.
- Stop for pedestrians in your path or walking into it (y_m and vy_mps of opposite signs means walking
  towards your path).
- Yield in junctions: do not enter while a vehicle is crossing or about to cross your path.
- Never collide, never leave the road, and keep moving when the way is clear (do not block traffic).""")
DRIVE_DOC = _DRIVE_DOC.substitute(
    tick_hz=TICK_HZ, tick_s=f"{TICK_S:g}", ego_length_m=f"{EGO_LENGTH_M:g}", ego_width_m=f"{EGO_WIDTH_M:g}"
)

DRIVE_SPEC = FunctionSpec("drive", ("observation",), DRIVE_DOC)
"""``def drive(observation):`` returning ``{"target_speed_mps": ..., "steer_deg": ...}``."""
