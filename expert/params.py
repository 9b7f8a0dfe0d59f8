"""ExpertParams: every threshold, gain and margin of the expert autopilot, with units."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from leaderboard_adapter.control.idm import EXPERT_IDM, IdmParams
from leaderboard_adapter.vehicle_spec import EGO_MAX_WHEEL_ANGLE_DEG, EGO_MAX_WHEEL_RATE_DPS, EGO_WHEELBASE_M


@dataclass(frozen=True)
class ForecastParams:
    """Collision forecasting: horizon and step [s], ego acceleration assumed while speeding up [m/s^2],
    and the margins (length, width) [m] added to other actors' boxes (the ego's box is its own size)."""

    horizon_s: float = 3.0
    step_s: float = 0.1
    ego_accel_mps2: float = 1.5
    ego_decel_mps2: float = 3.0
    vehicle_margin_m: tuple[float, float] = (2.0, 0.8)
    walker_margin_m: tuple[float, float] = (2.0, 1.4)
    standing_margin_m: tuple[float, float] = (0.6, 0.4)
    """Box margins for vehicles standing still (below `standing_speed_mps`): a yielding vehicle inside a
    junction is passed with this clearance instead of waited for (it waits for the ego too)."""
    committed_margin_m: tuple[float, float] = (0.2, 0.1)
    """Box margins for standing vehicles once the ego is inside a junction: it cannot wait there (the car
    it would wait for may be waiting for it to clear the junction), so only what its body would really
    touch, within the rollout's accuracy, stops it."""
    standing_speed_mps: float = 0.5
    start_accel_mps2: float = 2.0
    """Acceleration assumed for a standing vehicle near a stop-sign junction the ego is about to cross."""
    start_radius_m: float = 25.0
    """How far from the ego standing vehicles are assumed to start moving (stop-sign junctions only)."""
    start_patience_s: float = 4.0
    """After standing this long at a stop sign the ego stops assuming standing vehicles start: they wait
    for it (an NPC yields to a car in front of it), and both waiting would be a deadlock. The assumption
    holds only while the ego stands (below `ego_standing_speed_mps`): once it moves off it is not made
    again, or a creeping start would restart the count and the wait would never end."""
    ego_standing_speed_mps: float = 0.1
    """The observation's `standing_s` threshold: below this speed the ego stands."""
    wheelbase_m: float = EGO_WHEELBASE_M
    max_wheel_angle_deg: float = EGO_MAX_WHEEL_ANGLE_DEG
    max_wheel_rate_dps: float = EGO_MAX_WHEEL_RATE_DPS
    """The ego's steering as the forecast rolls it out (a Lincoln MKZ as the embedded world models it):
    it turns no tighter than wheelbase / tan(max angle) (4.9 m), so on a tighter junction corner it
    swings wide of its path, and the forecast places its boxes where it will really be."""
    sweep_reach_m: float = 20.0
    sweep_step_m: float = 1.0
    sweep_speed_mps: float = 2.0
    """Standing vehicles are also checked against the ground the ego sweeps over this reach [m] (every
    step [m]), rolled out at this speed (its look-ahead is the controller's at a corner): a car standing
    at its stop line where the ego's body swings through a tight turn is seen before the ego enters the
    junction, not in it."""

    def __post_init__(self) -> None:
        if self.horizon_s <= 0 or not 0 < self.step_s <= self.horizon_s:
            raise ValueError("ForecastParams: need 0 < step_s <= horizon_s")
        if min(self.vehicle_margin_m + self.walker_margin_m + self.standing_margin_m + self.committed_margin_m) < 0:
            raise ValueError("ForecastParams: box margins must be >= 0")
        if min(self.wheelbase_m, self.max_wheel_angle_deg, self.max_wheel_rate_dps, self.sweep_step_m) <= 0:
            raise ValueError(
                "ForecastParams: wheelbase_m, max_wheel_angle_deg, max_wheel_rate_dps and sweep_step_m must be positive"
            )
        if self.sweep_reach_m < 0 or self.sweep_speed_mps <= 0:
            raise ValueError("ForecastParams: need sweep_reach_m >= 0 and sweep_speed_mps > 0")


@dataclass(frozen=True)
class ExpertParams:
    """The expert's settings (SI units; distances to stop lines are from the front bumper)."""

    speed_limit_factor: float = 1.0
    """Cruise speed as a fraction of the speed limit."""
    max_lateral_accel_mps2: float = 2.5
    """Sets the speed in curves: v = sqrt(a / curvature)."""
    curve_decel_mps2: float = 2.5
    """Deceleration planned ahead of curves."""
    idm_horizon_s: float = 0.5
    """The target speed is the speed IDM reaches after this time at its current acceleration."""
    leader: IdmParams = EXPERT_IDM
    pedestrian: IdmParams = replace(EXPERT_IDM, min_gap_m=4.0, time_headway_s=0.25)
    light: IdmParams = replace(EXPERT_IDM, min_gap_m=1.5, time_headway_s=0.1, comfort_decel_mps2=3.0)
    stop_sign: IdmParams = replace(EXPERT_IDM, min_gap_m=1.0, time_headway_s=0.1, comfort_decel_mps2=3.0)
    hazard: IdmParams = replace(EXPERT_IDM, min_gap_m=1.0, time_headway_s=0.1)
    junction_yield: IdmParams = replace(EXPERT_IDM, min_gap_m=0.5, time_headway_s=0.1, comfort_decel_mps2=3.0)
    """Waiting at a junction's entry while a contact is forecast inside the junction."""
    firm_stop_decel_mps2: float = 6.0
    """A contact forecast inside a junction makes the ego wait at its entry when it can stop there at no
    more than this deceleration (else it brakes for the contact itself)."""
    yellow_stop_decel_mps2: float = 6.0
    """On yellow, stop when the ego can stop before the line at no more than this deceleration."""
    yellow_clear_s: float = 2.5
    """...and otherwise too, unless its tail clears the line within this time at its speed (CARLA's yellow
    phase lasts 3 s)."""
    path_lateral_margin_m: float = 0.4
    """An actor is on the ego's path when its centre is within half the two widths plus this of the path."""
    leader_max_heading_deg: float = 45.0
    """A vehicle on the path heading within this of the path is followed (with its speed), else a standing obstacle."""
    forecast: ForecastParams = field(default_factory=ForecastParams)

    def __post_init__(self) -> None:
        positive = ("speed_limit_factor", "max_lateral_accel_mps2", "curve_decel_mps2", "idm_horizon_s")
        for name in positive + ("firm_stop_decel_mps2", "yellow_stop_decel_mps2", "yellow_clear_s"):
            if getattr(self, name) <= 0:
                raise ValueError(f"ExpertParams.{name} must be positive, got {getattr(self, name)}")
        if self.path_lateral_margin_m < 0 or not 0 < self.leader_max_heading_deg < 90:
            raise ValueError("ExpertParams: path_lateral_margin_m >= 0 and 0 < leader_max_heading_deg < 90")
