"""ExpertParams: every threshold, gain and margin of the expert autopilot, with units."""

from __future__ import annotations

from dataclasses import field, replace
from typing import Annotated

from pydantic import Field, model_validator
from pydantic.dataclasses import dataclass

from leaderboard_adapter.control.idm import EXPERT_IDM, IdmParams
from leaderboard_adapter.settings import STRICT_SETTINGS, one_line_validator
from leaderboard_adapter.vehicle_spec import EGO_MAX_WHEEL_ANGLE_DEG, EGO_MAX_WHEEL_RATE_DPS, EGO_WHEELBASE_M

_Positive = Annotated[float, Field(gt=0)]
_NonNegative = Annotated[float, Field(ge=0)]
_Margins = tuple[_NonNegative, _NonNegative]
"""(length, width) [m], each >= 0."""


@dataclass(frozen=True, config=STRICT_SETTINGS)
class ForecastParams:
    """Collision forecasting: horizon and step [s] (0 < step_s <= horizon_s), ego acceleration assumed while
    speeding up [m/s^2], and the margins (length, width) [m] added to other actors' boxes (the ego's box is its
    own size)."""

    horizon_s: _Positive = 3.0
    step_s: _Positive = 0.1
    ego_accel_mps2: float = 1.5
    ego_decel_mps2: float = 3.0
    vehicle_margin_m: _Margins = (2.0, 0.8)
    walker_margin_m: _Margins = (2.0, 1.4)
    standing_margin_m: _Margins = (0.6, 0.4)
    """Box margins for vehicles standing still (below `standing_speed_mps`): a yielding vehicle inside a
    junction is passed with this clearance instead of waited for (it waits for the ego too)."""
    committed_margin_m: _Margins = (0.2, 0.1)
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
    wheelbase_m: _Positive = EGO_WHEELBASE_M
    max_wheel_angle_deg: _Positive = EGO_MAX_WHEEL_ANGLE_DEG
    max_wheel_rate_dps: _Positive = EGO_MAX_WHEEL_RATE_DPS
    """The ego's steering as the forecast rolls it out (a Lincoln MKZ as the embedded world models it):
    it turns no tighter than wheelbase / tan(max angle) (4.9 m), so on a tighter junction corner it
    swings wide of its path, and the forecast places its boxes where it will really be."""
    sweep_reach_m: _NonNegative = 20.0
    sweep_step_m: _Positive = 1.0
    sweep_speed_mps: _Positive = 2.0
    """Standing vehicles are also checked against the ground the ego sweeps over this reach [m] (every
    step [m]), rolled out at this speed (its look-ahead is the controller's at a corner): a car standing
    at its stop line where the ego's body swings through a tight turn is seen before the ego enters the
    junction, not in it."""

    _one_line = one_line_validator(qualify=True)

    @model_validator(mode="after")
    def _step_within_horizon(self) -> ForecastParams:
        if not self.step_s <= self.horizon_s:
            raise ValueError(f"ForecastParams.step_s must be at most horizon_s ({self.horizon_s!r}), got {self.step_s!r}")
        return self


@dataclass(frozen=True, config=STRICT_SETTINGS)
class ExpertParams:
    """The expert's settings (SI units; distances to stop lines are from the front bumper)."""

    speed_limit_factor: _Positive = 1.0
    """Cruise speed as a fraction of the speed limit."""
    max_lateral_accel_mps2: _Positive = 2.5
    """Sets the speed in curves: v = sqrt(a / curvature)."""
    curve_decel_mps2: _Positive = 2.5
    """Deceleration planned ahead of curves."""
    idm_horizon_s: _Positive = 0.5
    """The target speed is the speed IDM reaches after this time at its current acceleration."""
    leader: IdmParams = EXPERT_IDM
    pedestrian: IdmParams = replace(EXPERT_IDM, min_gap_m=4.0, time_headway_s=0.25)
    light: IdmParams = replace(EXPERT_IDM, min_gap_m=1.5, time_headway_s=0.1, comfort_decel_mps2=3.0)
    stop_sign: IdmParams = replace(EXPERT_IDM, min_gap_m=1.0, time_headway_s=0.1, comfort_decel_mps2=3.0)
    hazard: IdmParams = replace(EXPERT_IDM, min_gap_m=1.0, time_headway_s=0.1)
    junction_yield: IdmParams = replace(EXPERT_IDM, min_gap_m=0.5, time_headway_s=0.1, comfort_decel_mps2=3.0)
    """Waiting at a junction's entry while a contact is forecast inside the junction."""
    firm_stop_decel_mps2: _Positive = 6.0
    """A contact forecast inside a junction makes the ego wait at its entry when it can stop there at no
    more than this deceleration (else it brakes for the contact itself)."""
    yellow_stop_decel_mps2: _Positive = 6.0
    """On yellow, stop when the ego can stop before the line at no more than this deceleration."""
    yellow_clear_s: _Positive = 2.5
    """...and otherwise too, unless its tail clears the line within this time at its speed (CARLA's yellow
    phase lasts 3 s)."""
    path_lateral_margin_m: _NonNegative = 0.4
    """An actor is on the ego's path when its centre is within half the two widths plus this of the path."""
    leader_max_heading_deg: Annotated[float, Field(gt=0, lt=90)] = 45.0
    """A vehicle on the path heading within this of the path is followed (with its speed), else a standing obstacle."""
    forecast: ForecastParams = field(default_factory=ForecastParams)

    _one_line = one_line_validator(qualify=True)
