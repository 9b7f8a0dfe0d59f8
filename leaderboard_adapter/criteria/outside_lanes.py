"""OutsideLanesCriterion: the leaderboard's OutsideRouteLanesTest (distance driven outside the route's lanes).

Each tick the hero is "outside" when either:
- its distance to the nearest driving (or parking, if nearer) lane centre exceeds
  lane_width / 2 + ALLOWED_OUT_DISTANCE (0.5 m in 2.x, 1.3 m in 1.0); or
- it is in a lane of the wrong direction: on entering a new (road_id, lane_id) outside a
  junction, right after a junction the hero's yaw is compared with the lane's (wrong when
  they differ by 120 deg or more), otherwise a jump of the lane direction by more than
  150 deg between consecutive waypoints toggles the wrong-lane state (1.0: any other lane
  change clears it). Inside junctions it is never wrong-lane.
Route progress: from the current index the next WINDOWS_SIZE = 3 points are tested with
the dot-product rule (1.0 with the map waypoint's direction at each route point); every
passed point adds its 3-D distance from the previous index to the travelled distance,
and to the wrong distance when the hero is outside at that tick. One event at the end
(`finish`), when any distance was driven outside: details `distance` [m] and
`percentage` (of the travelled route distance), message "Agent went outside its route
lanes for about {m} meters ({p}% of the completed route)".
"""

from __future__ import annotations

from leaderboard_adapter.criteria.hero_tick import HeroTick
from leaderboard_adapter.criteria.lane_probe import LaneProbe
from leaderboard_adapter.criteria.route_track import RouteTrack
from leaderboard_adapter.criteria.version import LeaderboardVersion
from leaderboard_adapter.scoring.infractions import InfractionEvent, InfractionType


class OutsideLanesCriterion:
    """OutsideRouteLanesTest (see the module docstring)."""

    MAX_VEHICLE_ANGLE_DEG = 120.0
    MAX_WAYPOINT_ANGLE_DEG = 150.0
    WINDOWS_SIZE = 3

    def __init__(self, track: RouteTrack, version: LeaderboardVersion):
        self.track = track
        self.version = version
        self.allowed_out_m = 0.5 if version is LeaderboardVersion.V2_X else 1.3
        self._use_map_direction = version is LeaderboardVersion.V1_0
        self._index = 0
        self._outside_lane_active = False
        self._wrong_lane_active = False
        self._last_road_lane: tuple[int, int] | None = None
        self._last_wp_junction: bool | None = None
        self._last_wp_yaw = 0.0
        self.total_distance_m = 0.0
        self.wrong_distance_m = 0.0
        self._last_frame = 0
        self._last_time_s = 0.0
        self._last_location = (0.0, 0.0, 0.0)

    @property
    def percentage(self) -> float:
        """Wrong distance as a percentage of the travelled route distance (0 before any progress)."""
        return 100.0 * self.wrong_distance_m / self.total_distance_m if self.total_distance_m > 0 else 0.0

    @property
    def is_outside(self) -> bool:
        return self._outside_lane_active or self._wrong_lane_active

    def update(self, hero: HeroTick, lane: LaneProbe) -> None:
        if lane.waypoint is None:
            return
        if self._last_wp_junction is None:  # the leaderboard takes its first waypoint at construction
            self._last_wp_junction = lane.is_junction
            self._last_wp_yaw = lane.wp_yaw_deg
        self._outside_lane_active = self._outside_driving_lanes(hero, lane)
        self._update_wrong_lane(hero, lane)
        self._last_frame, self._last_time_s = hero.frame, hero.time_s
        self._last_location = (hero.x_m, hero.y_m, hero.z_m)

        track, n = self.track, len(self.track)
        outside = self.is_outside
        for index in range(self._index + 1, min(self._index + self.WINDOWS_SIZE + 1, n)):
            if track.is_passed(index, hero.x_m, hero.y_m, self._use_map_direction):
                new_dist = track.distance_3d(self._index, index)
                self.total_distance_m += new_dist
                if outside:
                    self.wrong_distance_m += new_dist
                self._index = index

    def _outside_driving_lanes(self, hero: HeroTick, lane: LaneProbe) -> bool:
        distance = lane.distance_to_lane_centre_m(hero.x_m, hero.y_m)
        width = lane.lane_width_m
        parking_distance, parking_width = lane.parking_distance_m(hero.x_m, hero.y_m)
        if distance >= parking_distance:
            distance, width = parking_distance, parking_width
        return distance > width / 2.0 + self.allowed_out_m

    def _update_wrong_lane(self, hero: HeroTick, lane: LaneProbe) -> None:
        road_lane = (lane.road_id, lane.lane_id)
        if lane.is_junction:
            self._wrong_lane_active = False
        elif road_lane != self._last_road_lane:
            if self._last_wp_junction:
                angle = (lane.wp_yaw_deg % 360 - hero.yaw_deg % 360) % 360
                limit = self.MAX_VEHICLE_ANGLE_DEG
                self._wrong_lane_active = not (angle < limit or angle > 360 - limit)
            else:
                angle = (self._last_wp_yaw % 360 - lane.wp_yaw_deg % 360) % 360
                limit = self.MAX_WAYPOINT_ANGLE_DEG
                if self.version is LeaderboardVersion.V2_X:
                    if limit < angle < 360 - limit:
                        self._wrong_lane_active = not self._wrong_lane_active
                elif limit <= angle <= 360 - limit:
                    self._wrong_lane_active = not self._wrong_lane_active
                else:
                    self._wrong_lane_active = False
        self._last_road_lane = road_lane
        self._last_wp_junction = lane.is_junction
        self._last_wp_yaw = lane.wp_yaw_deg

    def finish(self) -> list[InfractionEvent]:
        """The single end-of-route event, or nothing when no distance was driven outside."""
        if self.wrong_distance_m <= 0:
            return []
        percentage = self.percentage
        message = (
            f"Agent went outside its route lanes for about {round(self.wrong_distance_m, 3)} meters "
            f"({round(percentage, 2)}% of the completed route)"
        )
        x, y, z = self._last_location
        return [
            InfractionEvent(
                InfractionType.OUTSIDE_ROUTE_LANES_INFRACTION,
                message,
                self._last_frame,
                self._last_time_s,
                x,
                y,
                z,
                None,
                {"distance": self.wrong_distance_m, "percentage": percentage},
            )
        ]
