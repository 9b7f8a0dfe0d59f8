"""Example leaderboard agent (MAP track): follows the global plan with GNSS + compass, pure pursuit and a speed PID.

EXAMPLE ONLY, until the expert agent exists: it follows the route and obeys nothing else (no traffic
lights, no stop signs, no other vehicles or pedestrians). It is written exactly as an agent for the
real CARLA leaderboard (`get_entry_point`, `autonomous_agent.AutonomousAgent`) and runs under both
conventions: leaderboard 1.0 calls `setup` before `set_global_plan`, 2.x after, so the route is read
lazily at the first `run_step`.

Localisation: the GNSS position is projected to local metres around the first plan point (x east,
y south, like CARLA's world frame) with the same Mercator scaling as the leaderboard, so the unknown
map reference cancels out; the heading comes from the IMU compass (0 = north, clockwise), i.e.
yaw = compass - 90 deg. Control: pure pursuit towards a point a speed-dependent distance ahead on
`self._global_plan`, and a PID on speed towards 6 m/s, 3.5 m/s in and just before turns.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import carla
from leaderboard.autoagents import autonomous_agent

EARTH_RADIUS_M = 6378137.0
CRUISE_SPEED_MPS = 6.0
TURN_SPEED_MPS = 3.5
TURN_SLOWDOWN_DISTANCE_M = 15.0
WHEELBASE_M = 2.85
MAX_STEER_ANGLE_RAD = math.radians(70.0)
GOAL_REACHED_M = 2.0
MAX_THROTTLE = 0.75
MAX_BRAKE = 0.5
TURN_OPTIONS = ("LEFT", "RIGHT")


def get_entry_point() -> str:
    return "RouteFollowerAgent"


@dataclass
class PID:
    """A PID controller with a clamped integral (output in the units of error times the gains)."""

    kp: float
    ki: float
    kd: float
    integral_limit: float = 10.0
    _integral: float = 0.0
    _previous_error: float | None = None

    def step(self, error: float, dt: float) -> float:
        self._integral = max(-self.integral_limit, min(self.integral_limit, self._integral + error * dt))
        derivative = 0.0 if self._previous_error is None else (error - self._previous_error) / dt
        self._previous_error = error
        return self.kp * error + self.ki * self._integral + self.kd * derivative


@dataclass(frozen=True)
class LocalProjection:
    """GPS (lat, lon) [deg] <-> local metres (x east, y south) around an origin, Mercator-scaled."""

    lat0_deg: float
    lon0_deg: float

    def to_xy(self, lat_deg: float, lon_deg: float) -> tuple[float, float]:
        scale = EARTH_RADIUS_M * math.cos(math.radians(self.lat0_deg))
        x = math.radians(lon_deg - self.lon0_deg) * scale
        north = scale * (
            math.log(math.tan(math.radians(90.0 + lat_deg) / 2.0))
            - math.log(math.tan(math.radians(90.0 + self.lat0_deg) / 2.0))
        )
        return x, -north


def _wrap_pi(angle_rad: float) -> float:
    return (angle_rad + math.pi) % (2.0 * math.pi) - math.pi


class RouteFollowerAgent(autonomous_agent.AutonomousAgent):
    """Follows `self._global_plan` with pure pursuit and a speed PID; ignores everything else (example)."""

    def setup(self, path_to_conf_file):
        self.track = autonomous_agent.Track.MAP
        self._projection: LocalProjection | None = None
        self._points: list[tuple[float, float]] = []
        self._options: list[str] = []
        self._segment = 0
        self._position: tuple[float, float] | None = None
        self._yaw_rad = 0.0
        self._last_timestamp: float | None = None
        self._speed_pid = PID(kp=0.5, ki=0.1, kd=0.0, integral_limit=2.0)

    def sensors(self):
        return [
            {"type": "sensor.other.gnss", "x": 0.0, "y": 0.0, "z": 0.0, "roll": 0.0, "pitch": 0.0, "yaw": 0.0,
             "id": "GPS"},
            {"type": "sensor.other.imu", "x": 0.0, "y": 0.0, "z": 0.0, "roll": 0.0, "pitch": 0.0, "yaw": 0.0,
             "sensor_tick": 0.05, "id": "IMU"},
            {"type": "sensor.speedometer", "reading_frequency": 20, "id": "SPEED"},
        ]

    def run_step(self, input_data, timestamp):
        if self._projection is None and not self._read_route():
            return self._brake()
        dt = 0.05 if self._last_timestamp is None else max(1e-3, timestamp - self._last_timestamp)
        self._last_timestamp = timestamp
        self._localise(input_data)
        if self._position is None:
            return self._brake()
        speed = self._speed(input_data)

        self._advance_segment()
        remaining = self._distance_to_goal()
        if remaining < GOAL_REACHED_M:
            return self._brake()

        lookahead = max(4.0, min(10.0, 2.0 + 0.8 * speed))
        target = self._point_ahead(lookahead)
        alpha = _wrap_pi(math.atan2(target[1] - self._position[1], target[0] - self._position[0]) - self._yaw_rad)
        steer_angle = math.atan2(2.0 * WHEELBASE_M * math.sin(alpha), lookahead)

        target_speed = CRUISE_SPEED_MPS
        if self._in_or_near_turn():
            target_speed = TURN_SPEED_MPS
        target_speed = min(target_speed, CRUISE_SPEED_MPS * max(0.4, math.cos(alpha)), 0.6 * remaining + 1.0)

        control = carla.VehicleControl()
        control.steer = max(-1.0, min(1.0, steer_angle / MAX_STEER_ANGLE_RAD))
        effort = self._speed_pid.step(target_speed - speed, dt)
        control.throttle = max(0.0, min(MAX_THROTTLE, effort))
        control.brake = 0.0 if effort >= 0.0 else max(0.0, min(MAX_BRAKE, -effort))
        return control

    # route

    def _read_route(self) -> bool:
        if not self._global_plan:
            return False
        first_gps = self._global_plan[0][0]
        self._projection = LocalProjection(first_gps["lat"], first_gps["lon"])
        self._points = [self._projection.to_xy(gps["lat"], gps["lon"]) for gps, _ in self._global_plan]
        self._options = [getattr(option, "name", str(option)) for _, option in self._global_plan]
        return True

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

    def _distance_to_goal(self) -> float:
        px, py = self._position
        i = self._segment + 1
        total = math.hypot(self._points[i][0] - px, self._points[i][1] - py) if len(self._points) > 1 else 0.0
        for j in range(i, len(self._points) - 1):
            total += math.hypot(self._points[j + 1][0] - self._points[j][0], self._points[j + 1][1] - self._points[j][1])
        return total

    def _in_or_near_turn(self) -> bool:
        if self._options[self._segment] in TURN_OPTIONS:
            return True
        nxt = self._segment + 1
        if nxt < len(self._points) and self._options[nxt] in TURN_OPTIONS:
            px, py = self._position
            return math.hypot(self._points[nxt][0] - px, self._points[nxt][1] - py) < TURN_SLOWDOWN_DISTANCE_M
        return False

    # sensing

    def _localise(self, input_data) -> None:
        if "GPS" in input_data:
            lat, lon = float(input_data["GPS"][1][0]), float(input_data["GPS"][1][1])
            if math.isfinite(lat) and math.isfinite(lon):
                self._position = self._projection.to_xy(lat, lon)
        if "IMU" in input_data:
            compass = float(input_data["IMU"][1][6])
            if math.isfinite(compass):
                self._yaw_rad = _wrap_pi(compass - math.pi / 2.0)

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
        self._projection = None
