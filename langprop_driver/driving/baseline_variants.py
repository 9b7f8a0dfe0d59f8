"""Deterministic variants of the hand-written baseline policy: stand-in answers of an LLM test double.

Each variant is the baseline's source text (``BASELINE_POLICY_SOURCE``) changed by exact text
edits, so it runs in the sandbox and passes the static checks like any candidate. Every edit
must apply exactly once (:func:`replace_once` raises ``ValueError`` otherwise): a change to
``baseline_policy.py`` that an edit no longer matches fails loudly instead of silently giving
back the baseline.

Three kinds of edit (issue 14, "Evidence without a real LLM"):

- parameter changes: :func:`with_parameter` (a module constant such as ``HEADWAY_S``),
  :func:`with_steer_lookahead` (the steering look-ahead), :func:`with_cruise_fraction`;
- one rule removed: :func:`without_red_lights`, :func:`without_stop_signs`,
  :func:`without_pedestrians`;
- :func:`with_yaw_rate_weave`: a steering term proportional to the ego's yaw rate
  (``observation["ego"]["yaw_rate_dps"]``, positive left), the regression a real LLM wrote
  (issue 14). Its default gain is negative: it steers against the turn the car is making. On
  frames the baseline collected, the expert's labels steer less than the baseline in bends (the
  expert aims 2.4 m ahead of its centre at low speed, the baseline at the first route point 4 m
  or more ahead), so the term raises open-loop agreement; in closed loop the yaw rate a wheel
  angle gives grows with speed, and with the steering's lag the term makes the car weave into the
  kerb at 50 km/h (EmbeddedArterial). A positive gain (positive feedback) lowers agreement too
  and leaves the road at any speed.

:data:`VARIANT_EDITS` names the variants the test double and the closed-loop benchmark use;
:func:`variant_source` gives one's source. Ego frame: x forward, y left, angles positive left.

Measured at commit 58a7aa1, seed 0, on embedded_training routes 0, 1, 8, 9, 16, 17 (open-loop:
dagger_penalty mean score over all 2700 frames the baseline collected there; DS: mean driving
score): fast_curves 0.935 / 93.8, baseline 0.942 / 84.5, short_headway 0.898 / 81.9,
slow_cruise 0.807 / 78.8, ignores_stop_signs 0.932 / 67.7, long_lookahead 0.913 / 63.1,
yaw_rate_weave 0.946 / 60.8 (route 1: 11.3 against 57.3), ignores_red_lights 0.771 / 46.5,
ignores_pedestrians 0.914 / 26.8; Spearman rank correlation of the two: 0.25.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from types import MappingProxyType

from .baseline import BASELINE_POLICY_SOURCE

Edit = Callable[[str], str]
"""A source-to-source edit of a policy."""

YAW_RATE_WEAVE_GAIN_S = -0.5
"""Default gain of the weave's steering term: steer_deg += gain * yaw_rate_dps [deg per deg/s = s].

Chosen by measurement (see tests/fixtures/routes/closed_loop_short.xml): -0.3 and -0.4 raise
open-loop agreement more but drive like the baseline (no weave: the instability starts between
-0.4 and -0.5); from -0.7 on, agreement over all of the baseline's frames falls below the
baseline's."""
SLOW_CRUISE_FRACTION = 0.6
"""The handicapped variant "slow_cruise" cruises at this share of the speed limit [1]."""

_STEER_CALL = "_steer_deg(points, speed)"
_LOOKAHEAD_LINE = "    lookahead_m = min(max(0.5 * speed_mps, 4.0), 8.0)\n"
_CRUISE_CALL = '_cruise_speed(points, route["speed_limit_mps"], ego["length_m"] / 2.0)'
_SIGNAL_CALL = '_signal_speed(observation["traffic_light"], observation["stop_sign"], speed)'
_PEDESTRIAN_CALL = '_pedestrian_speed(points, observation["pedestrians"], ego)'
_DRIVE_DEF = "def drive(observation):\n"


def replace_once(source: str, old: str, new: str) -> str:
    """``source`` with the one occurrence of ``old`` replaced by ``new``; ValueError unless it occurs exactly once."""
    count = source.count(old)
    if count != 1:
        raise ValueError(f"baseline variant edit: expected exactly one {old!r} in the source, found {count}")
    return source.replace(old, new, 1)


def with_parameter(source: str, name: str, value: float) -> str:
    """The module constant ``name`` (a line ``NAME = ...``) set to ``value``; ValueError unless defined exactly once."""
    pattern = re.compile(rf"^{re.escape(name)} = [^\n]*$", re.MULTILINE)
    matches = pattern.findall(source)
    if len(matches) != 1:
        raise ValueError(
            f"baseline variant edit: expected exactly one '{name} = ...' line, found {len(matches)}"
        )
    return replace_once(source, matches[0], f"{name} = {float(value)!r}")


def with_steer_lookahead(source: str, gain_s: float, min_m: float, max_m: float) -> str:
    """Steer at the route point ``clip(gain_s * speed, min_m, max_m)`` ahead [s, m, m] (baseline: 0.5 s, 4 m, 8 m)."""
    line = f"    lookahead_m = min(max({float(gain_s)!r} * speed_mps, {float(min_m)!r}), {float(max_m)!r})\n"
    return replace_once(source, _LOOKAHEAD_LINE, line)


def with_cruise_fraction(source: str, fraction: float) -> str:
    """Cruise at ``fraction`` of the speed limit (still slowed for curves, signals and actors) [1]."""
    slowed = _CRUISE_CALL.replace(
        'route["speed_limit_mps"]', f'{float(fraction)!r} * route["speed_limit_mps"]'
    )
    return replace_once(source, _CRUISE_CALL, slowed)


def without_red_lights(source: str) -> str:
    """Rule removed: traffic lights are never stopped for (stop signs still are)."""
    return replace_once(source, _SIGNAL_CALL, '_signal_speed(None, observation["stop_sign"], speed)')


def without_stop_signs(source: str) -> str:
    """Rule removed: stop signs are never stopped at (traffic lights still are)."""
    return replace_once(source, _SIGNAL_CALL, '_signal_speed(observation["traffic_light"], None, speed)')


def without_pedestrians(source: str) -> str:
    """Rule removed: pedestrians are never yielded to."""
    return replace_once(source, _PEDESTRIAN_CALL, "_pedestrian_speed(points, [], ego)")


def with_yaw_rate_weave(source: str, gain_s: float = YAW_RATE_WEAVE_GAIN_S) -> str:
    """Adds ``gain_s * observation["ego"]["yaw_rate_dps"]`` to the steering [s] (see the module doc for the sign).

    The term is a module constant ``YAW_RATE_STEER_GAIN_S`` (with a docstring, as an LLM would
    write it) and one line of ``drive``: deleting that line restores the baseline's steering.
    """
    constant = (
        f"YAW_RATE_STEER_GAIN_S = {float(gain_s)!r}\n"
        '"""Steering added per deg/s of yaw rate, to damp (negative) or hold (positive) the turn the car is in [s]."""\n\n\n'
    )
    source = replace_once(source, _DRIVE_DEF, constant + _DRIVE_DEF)
    source = replace_once(
        source,
        '    speed = ego["speed_mps"]\n',
        '    speed = ego["speed_mps"]\n'
        '    steer = _steer_deg(points, speed) + YAW_RATE_STEER_GAIN_S * ego["yaw_rate_dps"]\n',
    )
    return replace_once(source, f"float({_STEER_CALL})", "float(steer)")


def _edits(*edits: Edit) -> Edit:
    def apply(source: str) -> str:
        for edit in edits:
            source = edit(source)
        return source

    return apply


VARIANT_EDITS: Mapping[str, Edit] = MappingProxyType(
    {
        "baseline": _edits(),
        "yaw_rate_weave": with_yaw_rate_weave,
        "ignores_red_lights": without_red_lights,
        "ignores_stop_signs": without_stop_signs,
        "ignores_pedestrians": without_pedestrians,
        "slow_cruise": lambda s: with_cruise_fraction(s, SLOW_CRUISE_FRACTION),
        "short_headway": lambda s: with_parameter(
            with_parameter(s, "HEADWAY_S", 0.2), "VEHICLE_MIN_GAP_M", 1.0
        ),
        "fast_curves": lambda s: with_parameter(s, "MAX_LATERAL_ACCEL_MPS2", 6.0),
        "long_lookahead": lambda s: with_steer_lookahead(s, 1.0, 8.0, 16.0),
    }
)
"""The named variants, each an edit of the baseline's source:

- baseline: unchanged;
- yaw_rate_weave: :func:`with_yaw_rate_weave` at ``YAW_RATE_WEAVE_GAIN_S``;
- ignores_red_lights, ignores_stop_signs, ignores_pedestrians: that one rule removed;
- slow_cruise: cruises at ``SLOW_CRUISE_FRACTION`` (0.6) of the speed limit (a handicapped start);
- short_headway: 1 m plus 0.2 s of headway to vehicles ahead instead of 4 m plus 1 s;
- fast_curves: curve speed from 6 m/s^2 of lateral acceleration instead of 2.5;
- long_lookahead: steers at the route point clip(1 s * speed, 8 m, 16 m) ahead instead of
  clip(0.5 s * speed, 4 m, 8 m) (route points are 2 m apart): it cuts the corners of turns.
"""


def variant_source(name: str, baseline_source: str = BASELINE_POLICY_SOURCE) -> str:
    """The source of the variant ``name`` of ``baseline_source``; KeyError naming the variants for an unknown name."""
    if name not in VARIANT_EDITS:
        raise KeyError(f"unknown baseline variant {name!r}; known: {', '.join(VARIANT_EDITS)}")
    return VARIANT_EDITS[name](baseline_source)


def variant_sources(baseline_source: str = BASELINE_POLICY_SOURCE) -> dict[str, str]:
    """Every named variant's source, in :data:`VARIANT_EDITS` order."""
    return {name: edit(baseline_source) for name, edit in VARIANT_EDITS.items()}
