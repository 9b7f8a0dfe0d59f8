"""Hand-written baseline, not LLM output: ``drive(observation)``, a rule-based starting candidate.

Loaded as text (``BASELINE_POLICY_SOURCE``) and run in the engine's sandbox like any candidate,
so it imports only ``math``. It steers at the route point 4 to 8 m ahead (farther when faster),
cruises at the speed limit slowed for the route's curvature, stops about 2 m before the stop
line of a red light, of a yellow one it can stop for, and of a stop sign not yet stopped at (a line
already behind its front bumper, a negative distance_m, is passed: it drives on), keeps
4 m plus 1 s of headway to vehicles in its path and stops 5 m short of pedestrians in or walking
into its path. Ego frame: x forward, y left, angles positive left; metres, seconds, m/s.
"""

import math

COMFORT_DECEL_MPS2 = 3.0
"""Deceleration planned for every stop [m/s^2]."""
YELLOW_DECEL_MPS2 = 6.0
"""A yellow light is stopped for when its line is beyond the braking distance at this deceleration [m/s^2]."""
MAX_LATERAL_ACCEL_MPS2 = 2.5
"""Curve speed: sqrt(this * radius) [m/s^2]."""
STOP_LINE_MARGIN_M = 2.0
"""Stop this far before a stop line (the stop-sign zone is 0 to 4 m) [m]."""
VEHICLE_MIN_GAP_M = 4.0
"""Bumper-to-bumper gap kept to a vehicle in the path when standing [m]."""
HEADWAY_S = 1.0
"""Extra gap per m/s of ego speed [s]."""
PEDESTRIAN_MIN_GAP_M = 5.0
"""Gap kept to a pedestrian in the path [m]."""
PATH_MARGIN_M = 0.5
"""Lateral margin added to the half widths when testing whether an actor is in the path [m]."""
PEDESTRIAN_FORECAST_S = (0.0, 0.5, 1.0, 1.5, 2.0)
"""Times at which pedestrians are forecast at constant velocity [s]."""


def _steer_deg(points, speed_mps):
    """Angle [deg, left positive] to the first route point at least 4 to 8 m ahead (the last if none)."""
    lookahead_m = min(max(0.5 * speed_mps, 4.0), 8.0)
    aim = next((p for p in points if p["distance_m"] >= lookahead_m), points[-1])
    return math.degrees(math.atan2(aim["y_m"], aim["x_m"]))


def _stop_speed(distance_m, margin_m):
    """Target speed [m/s] that brings the car to rest `margin_m` before a point `distance_m` ahead."""
    return math.sqrt(2.0 * COMFORT_DECEL_MPS2 * max(distance_m - margin_m, 0.0))


def _cruise_speed(points, speed_limit_mps, half_length_m):
    """The speed limit, lowered so that every curve ahead is reached at its curve speed [m/s].

    The curvature at each route point comes from the turn between its two segments; the bend
    starts at the point before it, measured from the ego's front bumper (half a length ahead).
    """
    target = speed_limit_mps
    for i in range(1, len(points) - 1):
        a, b, c = points[i - 1], points[i], points[i + 1]
        h1 = math.atan2(b["y_m"] - a["y_m"], b["x_m"] - a["x_m"])
        h2 = math.atan2(c["y_m"] - b["y_m"], c["x_m"] - b["x_m"])
        turn = abs(math.atan2(math.sin(h2 - h1), math.cos(h2 - h1)))
        step_m = max((c["distance_m"] - a["distance_m"]) / 2.0, 0.1)
        curvature = turn / step_m
        if curvature > 1e-3:
            curve_speed = math.sqrt(MAX_LATERAL_ACCEL_MPS2 / curvature)
            to_bend_m = max(a["distance_m"] - half_length_m, 0.0)
            reachable = math.sqrt(curve_speed**2 + 2.0 * COMFORT_DECEL_MPS2 * to_bend_m)
            target = min(target, reachable)
    return target


def _signal_speed(light, stop_sign, speed_mps):
    """Target speed [m/s] for the next light and stop sign (infinite when neither asks to stop).

    A light or stop sign whose line is behind the front bumper (distance_m < 0) is passed: braking
    there would stop the car in the junction, so it is ignored.
    """
    target = math.inf
    if light is not None and light["distance_m"] < 0.0:
        light = None
    if stop_sign is not None and stop_sign["distance_m"] < 0.0:
        stop_sign = None
    if light is not None:
        stoppable = speed_mps * speed_mps / (2.0 * YELLOW_DECEL_MPS2) < light["distance_m"]
        if light["state"] == "Red" or (light["state"] == "Yellow" and stoppable):
            target = _stop_speed(light["distance_m"], STOP_LINE_MARGIN_M)
    if stop_sign is not None and not stop_sign["completed_stop"]:
        target = min(target, _stop_speed(stop_sign["distance_m"], STOP_LINE_MARGIN_M))
    return target


def _on_path(points, x_m, y_m):
    """(lateral distance [m], distance along the route [m]) of a point to the route's polyline from the ego."""
    best = (math.inf, 0.0)
    previous = (0.0, 0.0, 0.0)
    for p in points:
        ax, ay, a_s = previous
        dx, dy = p["x_m"] - ax, p["y_m"] - ay
        length2 = dx * dx + dy * dy
        t = 0.0 if length2 == 0.0 else min(max(((x_m - ax) * dx + (y_m - ay) * dy) / length2, 0.0), 1.0)
        lateral = math.hypot(ax + t * dx - x_m, ay + t * dy - y_m)
        if lateral < best[0]:
            best = (lateral, a_s + t * (p["distance_m"] - a_s))
        previous = (p["x_m"], p["y_m"], p["distance_m"])
    return best


def _vehicle_speed(points, vehicles, ego, speed_mps):
    """Target speed [m/s] keeping a gap of 4 m plus 1 s of headway to vehicles in the path."""
    target = math.inf
    for v in vehicles:
        if v["x_m"] <= 0.0:
            continue
        lateral, along = _on_path(points, v["x_m"], v["y_m"])
        if lateral > (ego["width_m"] + v["width_m"]) / 2.0 + PATH_MARGIN_M:
            continue
        gap = along - ego["length_m"] / 2.0 - v["length_m"] / 2.0
        room = gap - VEHICLE_MIN_GAP_M - HEADWAY_S * speed_mps
        lead = max(v["vx_mps"], 0.0)
        target = min(target, math.sqrt(lead * lead + 2.0 * COMFORT_DECEL_MPS2 * max(room, 0.0)))
    return target


def _pedestrian_speed(points, pedestrians, ego):
    """Target speed [m/s] stopping 5 m short of pedestrians in the path within the next 2 s."""
    target = math.inf
    for w in pedestrians:
        for t in PEDESTRIAN_FORECAST_S:
            x, y = w["x_m"] + w["vx_mps"] * t, w["y_m"] + w["vy_mps"] * t
            if x <= 0.0:
                continue
            lateral, along = _on_path(points, x, y)
            if lateral <= (ego["width_m"] + w["width_m"]) / 2.0 + PATH_MARGIN_M:
                gap = along - ego["length_m"] / 2.0 - w["length_m"] / 2.0
                target = min(target, _stop_speed(gap, PEDESTRIAN_MIN_GAP_M))
                break
    return target


def drive(observation):
    ego = observation["ego"]
    route = observation["route"]
    points = route["points"]
    speed = ego["speed_mps"]
    target = min(
        _cruise_speed(points, route["speed_limit_mps"], ego["length_m"] / 2.0),
        _signal_speed(observation["traffic_light"], observation["stop_sign"], speed),
        _vehicle_speed(points, observation["vehicles"], ego, speed),
        _pedestrian_speed(points, observation["pedestrians"], ego),
    )
    return {"target_speed_mps": float(max(target, 0.0)), "steer_deg": float(_steer_deg(points, speed))}
