"""The expert autopilot: an `Action` for an observation, in the manner of PDM-Lite.

Per frame: a cruise speed from the speed limit and the path's curvature; obstacles on the
path (a leading vehicle, a pedestrian, a red or stoppable yellow light's stop line, an
uncompleted stop sign); forecast collisions with every vehicle and walker ahead (the ego
driving on at its planned speed, others at constant velocity; at a stop-sign junction,
standing vehicles may start); IDM towards each obstacle; the target speed is the lowest
candidate. Steering aims at the path point a speed-dependent look-ahead ahead. A light or stop
sign whose line is behind the front bumper (negative `distance_m`) is passed and ignored.
It reads only the observation (docs/observation.md), so it drives and labels alike on the
embedded world and on CARLA.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from expert.actors import Actors
from expert.collisions import PredictedHit, predicted_hits, swept_hits
from expert.frame import ExpertFrame
from expert.obstacles import Obstacle, on_path_obstacles
from expert.params import ExpertParams
from expert.path import EgoPath
from expert.reasons import ExpertReason
from expert.signals import ahead, light_obstacle, stop_sign_obstacle
from leaderboard_adapter.control import Action, lookahead_distance_m, steer_towards
from leaderboard_adapter.control.idm import idm_target_speed


@dataclass(frozen=True)
class ExpertDecision:
    """The expert's action, and what set its speed: `reason` (CRUISE, RED_LIGHT, VEHICLE, ...) and actor id."""

    action: Action
    reason: ExpertReason
    actor_id: int | None = None


class Expert:
    """Rule-based privileged autopilot; stateless: `act` depends on the observation alone."""

    def __init__(self, params: ExpertParams | None = None):
        self.params = params if params is not None else ExpertParams()

    def act(self, observation: dict) -> ExpertDecision:
        frame = ExpertFrame.from_observation(observation)
        speed = frame.speed_mps
        cruise = self._cruise_speed(frame.path, frame.speed_limit_mps)
        signals, followed = self._path_obstacles(frame)
        candidates = [(self._idm(ob, speed, cruise), ob) for ob in signals + followed]
        # forecast collisions with everyone not already followed on the path, at the speed planned so far
        planned = cruise
        for ob in signals + followed:
            planned = min(planned, self._idm(ob, speed, planned))
        followed_ids = {ob.actor_id for ob in followed}
        hazards = self._hazards(frame, self._forecast_hits(frame, planned, followed_ids))
        candidates += [(self._idm(ob, speed, cruise), ob) for ob in hazards]
        target, reason, actor = cruise, ExpertReason.CRUISE, None
        for v, ob in candidates:
            if v < target:
                target, reason, actor = v, ob.reason, ob.actor_id
        aim_x, aim_y, _ = frame.path.pose_at(np.array(lookahead_distance_m(speed)))
        steer = steer_towards(float(aim_x), float(aim_y))
        return ExpertDecision(Action(target_speed_mps=float(target), steer_deg=steer), reason, actor)

    def _idm(self, obstacle: Obstacle, speed: float, cruise: float) -> float:
        return idm_target_speed(speed, cruise, obstacle.gap_m, obstacle.speed_mps, obstacle.idm, self.params.idm_horizon_s)

    def _cruise_speed(self, path: EgoPath, speed_limit_mps: float) -> float:
        """The speed limit share, lowered so every curve ahead is reached at its curve speed."""
        p = self.params
        v_curve = path.curvature_speed_mps(p.max_lateral_accel_mps2)
        reachable = np.sqrt(v_curve**2 + 2.0 * p.curve_decel_mps2 * path.s_m)
        return float(min(p.speed_limit_factor * speed_limit_mps, reachable.min()))

    def _path_obstacles(self, frame: ExpertFrame) -> tuple[list[Obstacle], list[Obstacle]]:
        """(stop lines of a light or stop sign to stop at, leading vehicles and pedestrians on the path)."""
        p = self.params
        light = light_obstacle(
            frame.traffic_light, frame.speed_mps, frame.length_m, p.light, p.yellow_stop_decel_mps2, p.yellow_clear_s
        )
        stop = stop_sign_obstacle(frame.stop_sign, p.stop_sign)
        signals = [ob for ob in (light, stop) if ob is not None]
        leaders = on_path_obstacles(
            frame.path, frame.vehicles, frame.length_m, frame.width_m, p.path_lateral_margin_m,
            p.leader_max_heading_deg, p.leader, ExpertReason.VEHICLE, aligned_only=True,
        )
        people = on_path_obstacles(
            frame.path, frame.walkers, frame.length_m, frame.width_m, p.path_lateral_margin_m,
            p.leader_max_heading_deg, p.pedestrian, ExpertReason.PEDESTRIAN,
        )
        return signals, leaders + people

    def _forecast_hits(self, frame: ExpertFrame, planned: float, followed: set[int | None]) -> list[PredictedHit]:
        """Forecast contacts with the vehicles and walkers not `followed` on the path, the ego driving on
        towards `planned` [m/s] (at least a crawl, so a standing ego still sees what it would drive into).

        At a stop-sign junction the ego is about to cross (having stopped, and still patient), standing
        vehicles nearby may start; standing vehicles get smaller margins (tighter still inside a
        junction), and are also checked against the ground the ego's body sweeps (`swept_hits`).
        """
        fp = self.params.forecast
        free_v = frame.vehicles.without(followed)
        free_w = frame.walkers.without(followed)
        start_accel = None
        v_speeds = free_v.speed_mps
        stop = ahead(frame.stop_sign)
        patient = frame.speed_mps < fp.ego_standing_speed_mps and frame.standing_s < fp.start_patience_s
        if stop is not None and stop["completed_stop"] and patient and len(free_v):
            # about to cross a stop-sign junction: standing vehicles nearby may start into it
            near = np.hypot(free_v.x_m, free_v.y_m) < fp.start_radius_m
            start_accel = np.where((v_speeds < 1.0) & near, fp.start_accel_mps2, 0.0)
        # move at least at a crawl in the forecast, so a standing ego still sees what it would drive into
        plan = max(planned, 2.0)
        standing = v_speeds < fp.standing_speed_mps
        if start_accel is not None:
            standing &= start_accel == 0.0
        standing_margin = fp.committed_margin_m if frame.in_junction else fp.standing_margin_m
        v_margin = np.where(standing[:, None], standing_margin, fp.vehicle_margin_m)
        w_margin = np.broadcast_to(np.asarray(fp.walker_margin_m, float), (len(free_w), 2))
        # vehicles and walkers in one forecast: the ego's rollout is computed once
        start = None if start_accel is None else np.concatenate([start_accel, np.zeros(len(free_w))])
        actors, margins = Actors.concat(free_v, free_w), np.concatenate([v_margin, w_margin])
        length, width, yaw_rate = frame.length_m, frame.width_m, frame.yaw_rate_dps
        hits = predicted_hits(frame.path, frame.speed_mps, plan, length, width, actors, margins, fp, start, yaw_rate)
        if np.any(standing):
            seen = {h.actor_id for h in hits}
            swept = swept_hits(frame.path, length, width, free_v.take(standing), v_margin[standing], fp, yaw_rate)
            hits += [h for h in swept if h.actor_id not in seen]
        return hits

    def _hazards(self, frame: ExpertFrame, hits: list[PredictedHit]) -> list[Obstacle]:
        """The forecast contacts `hits` as obstacles: where they would happen; but before a junction, a
        contact inside it means waiting at its entry (at a light, behind its stop line: a car waiting
        across the line would run it once it turns red) when the ego can stop there firmly enough."""
        p = self.params
        to_junction = frame.distance_to_junction_m
        if frame.in_junction or to_junction is None:
            return [Obstacle(h.ego_distance_m, 0.0, p.hazard, ExpertReason.HAZARD, h.actor_id) for h in hits]
        light = ahead(frame.traffic_light)
        wait_at = min(to_junction, float(light["distance_m"])) if light is not None else to_junction
        can_stop = wait_at > frame.speed_mps * frame.speed_mps / (2.0 * p.firm_stop_decel_mps2)
        out = []
        for h in hits:
            inside = h.ego_distance_m >= to_junction
            if inside and can_stop:
                out.append(Obstacle(wait_at, 0.0, p.junction_yield, ExpertReason.JUNCTION_YIELD, h.actor_id))
            else:
                out.append(Obstacle(h.ego_distance_m, 0.0, p.hazard, ExpertReason.HAZARD, h.actor_id))
        return out
