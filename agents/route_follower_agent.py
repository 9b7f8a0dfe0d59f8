"""Example leaderboard agent (MAP track): follows the route's lanes on the HD map with GNSS + compass,
pure pursuit and a speed PID.

The example sensor-only agent (the expert, agents/expert_agent.py, drives on privileged ground truth):
it follows the route and obeys nothing else (no traffic lights, no stop signs, no other vehicles or
pedestrians). It is written exactly as an agent for the real CARLA leaderboard (`get_entry_point`,
`autonomous_agent.AutonomousAgent`) and runs under both conventions: leaderboard 1.0 calls `setup`
before `set_global_plan`, 2.x after, so the route is read lazily at the first `run_step`.

Route: the leaderboard hands over `self._global_plan` downsampled to a point every 200 m (2.x) /
50 m (1.0) plus the points where the road option changes, too sparse to drive on curved roads. The
agent builds `carla.Map` from the first `sensor.opendrive_map` reading and densifies the plan: from
each plan point it walks the lane with `waypoint.next(1 m)` until it reaches the next plan point,
taking at each fork the branch that comes closest to that point. A segment whose trace fails (a lane
change, no lane under the point) stays the straight line between the two plan points, and so does
the whole route without a map.

Localisation: the GNSS position is converted to CARLA world metres (x east, y south) with the
leaderboard's Mercator formula (`leaderboard_adapter.autoagents.gps`) around the map's geoReference
(lat_0, lon_0; 42.0 / 2.0 when absent); without a map, around the first plan point. The heading comes
from the IMU compass (0 = north, clockwise), i.e. yaw = compass - 90 deg. Control: pure pursuit from the
rear axle towards a point 0.8 s ahead on the dense path (within the look-ahead bounds), and a PID on
speed (the control package's `WindowedPID`) towards the target speed, the turn speed in and just before
turns, and lower where the path curves (about 2 m/s^2 lateral). Wheelbase and steering lock:
`leaderboard_adapter.vehicle_spec`.

Config (optional JSON file given to `setup`; an empty path keeps the defaults): `target_speed_mps`
(6.0), `turn_speed_mps` (3.5), `min_lookahead_m` (2.5), `max_lookahead_m` (10.0).
"""

from __future__ import annotations

import json
import logging
import math

import carla
from leaderboard.autoagents import autonomous_agent

from leaderboard_adapter.autoagents.gps import GeoReference, gps_to_location
from leaderboard_adapter.control.pid import PIDParams, WindowedPID
from leaderboard_adapter.geometry import wrap_rad
from leaderboard_adapter.tick import TICK_HZ, TICK_S
from leaderboard_adapter.vehicle_spec import EGO_MAX_WHEEL_ANGLE_DEG, EGO_WHEELBASE_M

DEFAULT_CONFIG = {"target_speed_mps": 6.0, "turn_speed_mps": 3.5, "min_lookahead_m": 2.5, "max_lookahead_m": 10.0}
TURN_SLOWDOWN_DISTANCE_M = 15.0
# Front-wheel angle [rad] taken for steer = 1 (the spec's kinematic lock, as the embedded world's ego turns)
MAX_STEER_ANGLE_RAD = math.radians(EGO_MAX_WHEEL_ANGLE_DEG)
SPEED_PID = PIDParams(kp=0.5, ki=0.1, kd=0.0, window=TICK_HZ)
"""Throttle (positive) or brake (negative) per m/s of speed error; the integral covers the last second."""
MAX_LATERAL_ACCEL_MPS2 = 2.0  # sets the speed in curves: v = sqrt(a / curvature)
CURVE_BRAKE_DECEL_MPS2 = 2.0  # deceleration planned ahead of curves
MIN_CURVE_SPEED_MPS = 1.5
CURVE_WINDOW_M = 3.0  # curvature = heading change over this arc length
CURVE_HORIZON_M = 30.0  # how far ahead curves are looked for
GOAL_REACHED_M = 2.0
LOOKAHEAD_TIME_S = 0.8  # pure pursuit looks this far ahead in time, within the configured bounds [m]
MAX_THROTTLE = 0.75
MAX_BRAKE = 0.5
TURN_OPTIONS = ("LEFT", "RIGHT")
TRACE_STEP_M = 1.0  # spacing of the dense path
TRACE_SNAP_M = 3.0  # a plan point farther than this from its lane centre is not traced from / to
MAP_WAIT_S = 1.0  # game time to wait for the OpenDRIVE reading before driving on the sparse plan


def get_entry_point() -> str:
    return "RouteFollowerAgent"


def load_config(path_to_conf_file: str | None) -> dict[str, float]:
    """The agent's settings: `DEFAULT_CONFIG` updated from the JSON object in `path_to_conf_file`, if any."""
    config = dict(DEFAULT_CONFIG)
    if not path_to_conf_file:
        return config
    try:
        with open(path_to_conf_file, encoding="utf-8") as f:
            loaded = json.load(f)
    except (OSError, ValueError) as exc:
        raise ValueError(f"RouteFollowerAgent: cannot read the config file {path_to_conf_file!r}: {exc}") from exc
    if not isinstance(loaded, dict):
        raise ValueError(f"RouteFollowerAgent: the config file {path_to_conf_file!r} must hold a JSON object")
    for key, value in loaded.items():
        if key not in config:
            raise ValueError(f"RouteFollowerAgent: unknown config key {key!r} in {path_to_conf_file!r}; "
                             f"known keys: {', '.join(sorted(config))}")
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value <= 0:
            raise ValueError(f"RouteFollowerAgent: config key {key!r} must be a positive number, got {value!r}")
        config[key] = float(value)
    if config["min_lookahead_m"] > config["max_lookahead_m"]:
        raise ValueError("RouteFollowerAgent: min_lookahead_m must not exceed max_lookahead_m")
    return config


def _to_xy(lat_deg: float, lon_deg: float, geo: GeoReference) -> tuple[float, float]:
    """GPS (lat, lon) [deg] -> metres (x east, y south) around `geo`: CARLA world metres when `geo` is the map's."""
    location = gps_to_location(lat_deg, lon_deg, 0.0, geo)
    return location.x, location.y


def _xy(waypoint) -> tuple[float, float]:
    return waypoint.transform.location.x, waypoint.transform.location.y


def trace_lane(town_map, start: tuple[float, float], goal: tuple[float, float], waypoint=None):
    """(lane-centre points about `TRACE_STEP_M` apart from `start` to `goal`, both excluded; last waypoint).

    Walks `waypoint.next` from `waypoint` (by default the driving lane under `start`); at a fork it takes
    the branch whose lane (up to its end) comes closest to `goal`. (None, None) when `start` is off its
    lane or the walk does not pass within `TRACE_STEP_M` of `goal`, e.g. when the route changes lanes.
    """
    if waypoint is None:
        waypoint = town_map.get_waypoint(carla.Location(x=start[0], y=start[1], z=0.0), project_to_road=True,
                                         lane_type=carla.LaneType.Driving)
        if waypoint is None or math.dist(_xy(waypoint), start) > TRACE_SNAP_M:
            return None, None

    def closest_approach(candidate) -> float:
        ahead = [candidate, *candidate.next_until_lane_end(2.0 * TRACE_STEP_M)]
        return min(math.dist(_xy(w), goal) for w in ahead)

    points: list[tuple[float, float]] = []
    for _ in range(int(2.0 * math.dist(start, goal) / TRACE_STEP_M) + 20):
        if math.dist(_xy(waypoint), goal) <= TRACE_STEP_M:
            return points, waypoint
        successors = waypoint.next(TRACE_STEP_M)
        if not successors:
            break
        waypoint = successors[0] if len(successors) == 1 else min(successors, key=closest_approach)
        points.append(_xy(waypoint))
    return None, None


class RouteFollowerAgent(autonomous_agent.AutonomousAgent):
    """Follows the route's lanes with pure pursuit and a speed PID; ignores everything else (example)."""

    def setup(self, path_to_conf_file):
        self.track = autonomous_agent.Track.MAP
        self._config = load_config(path_to_conf_file)
        self._map = None
        self._reference = GeoReference()  # the map's geoReference
        self._map_read = False
        self._projection: GeoReference | None = None  # the origin of the metres the agent drives in
        self._points: list[tuple[float, float]] = []
        self._options: list[str] = []
        self._cumulative: list[float] = []
        self._curvature: list[float] = []
        self._segment = 0
        self._position: tuple[float, float] | None = None
        self._yaw_rad = 0.0
        self._first_timestamp: float | None = None
        self._last_timestamp: float | None = None
        self._speed_pid = WindowedPID(SPEED_PID)

    def sensors(self):
        return [
            {"type": "sensor.other.gnss", "x": 0.0, "y": 0.0, "z": 0.0, "roll": 0.0, "pitch": 0.0, "yaw": 0.0,
             "id": "GPS"},
            {"type": "sensor.other.imu", "x": 0.0, "y": 0.0, "z": 0.0, "roll": 0.0, "pitch": 0.0, "yaw": 0.0,
             "sensor_tick": TICK_S, "id": "IMU"},
            {"type": "sensor.speedometer", "reading_frequency": TICK_HZ, "id": "SPEED"},
            {"type": "sensor.opendrive_map", "reading_frequency": 1e-4, "id": "OpenDRIVE"},
        ]

    def run_step(self, input_data, timestamp):
        self._read_map(input_data)
        if self._first_timestamp is None:
            self._first_timestamp = timestamp
        if self._projection is None:
            waiting_for_map = not self._map_read and timestamp - self._first_timestamp < MAP_WAIT_S
            if waiting_for_map or not self._read_route():
                return self._brake()
        dt = TICK_S if self._last_timestamp is None else max(1e-3, timestamp - self._last_timestamp)
        self._last_timestamp = timestamp
        self._localise(input_data)
        if self._position is None:
            return self._brake()
        speed = self._speed(input_data)

        self._advance_segment()
        remaining = self._distance_to_goal()
        if remaining < GOAL_REACHED_M:
            return self._brake()

        config = self._config
        lookahead = max(config["min_lookahead_m"], min(config["max_lookahead_m"], LOOKAHEAD_TIME_S * speed))
        target = self._point_ahead(lookahead)
        # pure pursuit steers the rear axle (half a wheelbase behind the GNSS at the centre) onto an arc through target
        rear_x = self._position[0] - 0.5 * EGO_WHEELBASE_M * math.cos(self._yaw_rad)
        rear_y = self._position[1] - 0.5 * EGO_WHEELBASE_M * math.sin(self._yaw_rad)
        alpha = wrap_rad(math.atan2(target[1] - rear_y, target[0] - rear_x) - self._yaw_rad)
        distance = max(1.0, math.hypot(target[0] - rear_x, target[1] - rear_y))
        steer_angle = math.atan2(2.0 * EGO_WHEELBASE_M * math.sin(alpha), distance)

        cruise_speed = config["target_speed_mps"]
        target_speed = min(cruise_speed, config["turn_speed_mps"]) if self._in_or_near_turn() else cruise_speed
        target_speed = min(target_speed, self._curve_speed_limit(), cruise_speed * max(0.4, math.cos(alpha)),
                           0.6 * remaining + 1.0)

        control = carla.VehicleControl()
        control.steer = max(-1.0, min(1.0, steer_angle / MAX_STEER_ANGLE_RAD))
        effort = self._speed_pid.step(target_speed - speed, dt)
        control.throttle = max(0.0, min(MAX_THROTTLE, effort))
        control.brake = 0.0 if effort >= 0.0 else max(0.0, min(MAX_BRAKE, -effort))
        return control

    # route

    def _read_map(self, input_data) -> None:
        """Build the map and its GPS reference once, from the first OpenDRIVE reading."""
        if self._map_read or "OpenDRIVE" not in input_data:
            return
        self._map_read = True
        xodr = input_data["OpenDRIVE"][1]["opendrive"]
        try:
            self._reference = GeoReference.from_opendrive(xodr)
            self._map = carla.Map("route", xodr)
        except Exception:  # an unusable map: drive on the sparse plan
            logging.getLogger(__name__).exception("RouteFollowerAgent: cannot build the map; following the sparse plan")
            self._map = None

    def _read_route(self) -> bool:
        if not self._global_plan:
            return False
        if self._map is not None:
            self._projection = self._reference
        else:
            self._projection = GeoReference(self._global_plan[0][0]["lat"], self._global_plan[0][0]["lon"])
        sparse = [_to_xy(gps["lat"], gps["lon"], self._projection) for gps, _ in self._global_plan]
        sparse_options = [getattr(option, "name", str(option)) for _, option in self._global_plan]
        self._points, self._options = [sparse[0]], [sparse_options[0]]
        waypoint = None  # where the previous segment's trace ended, so forks right after a plan point are chosen
        for i in range(len(sparse) - 1):
            traced = None
            if self._map is not None:
                traced, waypoint = trace_lane(self._map, sparse[i], sparse[i + 1], waypoint)
                if traced is None:
                    traced, waypoint = trace_lane(self._map, sparse[i], sparse[i + 1])
            # a traced lane ends within a step of the plan point and goes on from there; else a straight line
            if traced is not None:
                for point in traced:
                    self._add_point(point, sparse_options[i])
            else:
                self._add_point(sparse[i + 1], sparse_options[i + 1])
        self._add_point(sparse[-1], sparse_options[-1])
        self._cumulative = [0.0]
        for (ax, ay), (bx, by) in zip(self._points[:-1], self._points[1:], strict=True):
            self._cumulative.append(self._cumulative[-1] + math.hypot(bx - ax, by - ay))
        self._curvature = self._path_curvature()
        return True

    def _add_point(self, point: tuple[float, float], option: str) -> None:
        """Append a path point; `option` is the road option of the path from it to the next point."""
        if math.dist(point, self._points[-1]) > 0.1:
            self._points.append(point)
            self._options.append(option)

    def _path_curvature(self) -> list[float]:
        """Curvature [1/m] at each point: heading change from its segment to the one `CURVE_WINDOW_M` ahead."""
        points, cumulative = self._points, self._cumulative
        headings = [math.atan2(b[1] - a[1], b[0] - a[0]) for a, b in zip(points[:-1], points[1:], strict=True)]
        curvature = [0.0] * len(points)
        j = 0
        for i in range(len(headings)):
            j = max(i, j)
            while j + 1 < len(headings) and cumulative[j] - cumulative[i] < CURVE_WINDOW_M:
                j += 1
            arc = 0.5 * (cumulative[j] + cumulative[j + 1]) - 0.5 * (cumulative[i] + cumulative[i + 1])
            curvature[i] = abs(wrap_rad(headings[j] - headings[i])) / max(arc, 1.0)
        return curvature

    def _curve_speed_limit(self) -> float:
        """The highest speed from which every curve within `CURVE_HORIZON_M` can be reached slowly enough."""
        limit, start = math.inf, self._arc_position()
        i = self._segment
        while i < len(self._points) and self._cumulative[i] - start < CURVE_HORIZON_M:
            if self._curvature[i] > 0.0:
                curve_speed = max(MIN_CURVE_SPEED_MPS, math.sqrt(MAX_LATERAL_ACCEL_MPS2 / self._curvature[i]))
                distance = max(0.0, self._cumulative[i] - start)
                limit = min(limit, math.sqrt(curve_speed**2 + 2.0 * CURVE_BRAKE_DECEL_MPS2 * distance))
            i += 1
        return limit

    def _segment_projection(self, i: int) -> tuple[float, float]:
        """(fraction along segment i -> i+1, distance from it) of the current position."""
        (ax, ay), (bx, by) = self._points[i], self._points[i + 1]
        px, py = self._position
        dx, dy = bx - ax, by - ay
        length_sq = dx * dx + dy * dy
        t = 0.0 if length_sq == 0.0 else ((px - ax) * dx + (py - ay) * dy) / length_sq
        cx, cy = ax + max(0.0, min(1.0, t)) * dx, ay + max(0.0, min(1.0, t)) * dy
        return t, math.hypot(px - cx, py - cy)

    def _advance_segment(self) -> None:
        """Move to the nearest of the next few segments (never back), then past finished ones."""
        last_segment = len(self._points) - 2
        if last_segment < 0:
            return
        best, best_distance = self._segment, self._segment_projection(self._segment)[1]
        for i in range(self._segment + 1, min(self._segment + 4, last_segment + 1)):
            distance = self._segment_projection(i)[1]
            if distance < best_distance - 0.5:
                best, best_distance = i, distance
        self._segment = best
        while self._segment < last_segment and self._segment_projection(self._segment)[0] >= 1.0:
            self._segment += 1

    def _point_ahead(self, distance_m: float) -> tuple[float, float]:
        i = self._segment
        if len(self._points) == 1:
            return self._points[0]
        t, _ = self._segment_projection(i)
        (ax, ay), (bx, by) = self._points[i], self._points[i + 1]
        t = max(0.0, min(1.0, t))
        x, y = ax + t * (bx - ax), ay + t * (by - ay)
        while True:
            nx, ny = self._points[i + 1]
            step = math.hypot(nx - x, ny - y)
            if step >= distance_m or i + 2 >= len(self._points):
                if step == 0.0:
                    return nx, ny
                f = min(1.0, distance_m / step)
                return x + f * (nx - x), y + f * (ny - y)
            distance_m -= step
            x, y = nx, ny
            i += 1

    def _arc_position(self) -> float:
        """How far along the path [m] the current position projects."""
        if len(self._points) == 1:
            return 0.0
        i = self._segment
        t = max(0.0, min(1.0, self._segment_projection(i)[0]))
        return self._cumulative[i] + t * (self._cumulative[i + 1] - self._cumulative[i])

    def _distance_to_goal(self) -> float:
        if len(self._points) == 1:
            return math.dist(self._position, self._points[0])
        return self._cumulative[-1] - self._arc_position()

    def _in_or_near_turn(self) -> bool:
        """Whether the path from here to `TURN_SLOWDOWN_DISTANCE_M` ahead lies in a turn."""
        here, i = self._arc_position(), self._segment
        while i < len(self._points) and (i == self._segment or self._cumulative[i] - here < TURN_SLOWDOWN_DISTANCE_M):
            if self._options[i] in TURN_OPTIONS:
                return True
            i += 1
        return False

    # sensing

    def _localise(self, input_data) -> None:
        if "GPS" in input_data:
            lat, lon = float(input_data["GPS"][1][0]), float(input_data["GPS"][1][1])
            if math.isfinite(lat) and math.isfinite(lon):
                self._position = _to_xy(lat, lon, self._projection)
        if "IMU" in input_data:
            compass = float(input_data["IMU"][1][6])
            if math.isfinite(compass):
                self._yaw_rad = wrap_rad(compass - math.pi / 2.0)

    @staticmethod
    def _speed(input_data) -> float:
        if "SPEED" not in input_data:
            return 0.0
        speed = input_data["SPEED"][1].get("speed")
        return float(speed) if speed is not None else 0.0

    @staticmethod
    def _brake() -> carla.VehicleControl:
        control = carla.VehicleControl()
        control.throttle = 0.0
        control.steer = 0.0
        control.brake = 1.0
        return control

    def destroy(self):
        self._map = None
        self._projection = None
