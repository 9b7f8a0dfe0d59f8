"""The action documentation states the expert's rules exactly: the steering aim point, the cruise speed and
the IDM target towards a stop line, implemented here from DRIVE_DOC's words and constants (its ``#`` code lines
are executed as written), reproduce the expert's labels on every recorded frame they apply to.

Frames are recorded by driving the expert (ObservationBuilder -> Expert -> VehicleController) over both
embedded_smoke routes, with traffic and without, lights cycling: cruising, curves, a signalised junction
(red and yellow), a stop-controlled one, leaders, pedestrians and forecast hazards.
"""

from __future__ import annotations

import functools
import math
import re
from collections import Counter

import pytest
from driving_helpers import EMPTY, ExpertDriver, smoke_world

from langprop_driver.driving.spec import DRIVE_DOC
from leaderboard_adapter.criteria.criteria_set import RouteStatus
from leaderboard_adapter.embedded import WorldConfig

STEER_TOLERANCE_DEG = 1e-3
SPEED_TOLERANCE_MPS = 1e-3
"""The documented rules must match the labels to rounding, not within the score's tolerances."""
TRAFFIC = WorldConfig().with_counts(10, 10)


# ---------------------------------------------------------------- the doc's rules, as the doc words them
def _doc_code(first_line: str) -> str:
    """The block of ``#`` code lines of DRIVE_DOC starting at the one that begins with ``first_line``."""
    lines = DRIVE_DOC.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip().startswith(f"# {first_line}"))
    indent = lines[start].index("#")
    block = []
    for line in lines[start:]:
        if not line.strip().startswith("#"):
            break
        block.append(line[indent + 2 :])
    return "\n".join(block)


def _lookahead_constants() -> tuple[float, float, float, float]:
    match = re.search(
        r"lookahead_m = min\(max\(([\d.]+) \* speed_mps \+ ([\d.]+), ([\d.]+)\), ([\d.]+)\)", DRIVE_DOC
    )
    assert match, "DRIVE_DOC no longer states the look-ahead formula"
    scale, offset, low, high = (float(g) for g in match.groups())
    return scale, offset, low, high


def _idm_target():
    """The doc's ``idm_target`` function, executed as written in the doc."""
    namespace: dict = {"math": math}
    exec(_doc_code("def idm_target("), namespace)  # noqa: S102 - the doc's own code, on purpose
    return namespace["idm_target"]


def _obstacle_params(reason: str) -> tuple[float, float, float]:
    """(s0, T, b) the doc gives for a stop-line obstacle ("yellow_light": "the same" as "red_light")."""
    line = next(line for line in DRIVE_DOC.splitlines() if line.strip().startswith(f'- "{reason}"'))
    if reason == "yellow_light":
        assert "Yellow one, the same" in line
        return _obstacle_params("red_light")
    match = re.search(r"s0 (\d+(?:\.\d+)?), T (\d+(?:\.\d+)?), b (\d+(?:\.\d+)?)", line)
    assert match, f"DRIVE_DOC's {reason} line no longer gives s0, T, b"
    s0, headway, decel = (float(g) for g in match.groups())
    return s0, headway, decel


def _polyline(points: list[dict]) -> list[tuple[float, float, float]]:
    """(x, y, distance) from the ego's centre through the route points; straight-line lengths when the
    points' distances do not increase or only one point is left (the doc's words)."""
    poly = [(0.0, 0.0, 0.0)] + [(p["x_m"], p["y_m"], p["distance_m"]) for p in points]
    if len(points) == 1 or any(b[2] <= a[2] for a, b in zip(poly, poly[1:], strict=False)):
        out, s = [(0.0, 0.0, 0.0)], 0.0
        for (x0, y0, _), (x1, y1, _) in zip(poly, poly[1:], strict=False):
            s += max(math.hypot(x1 - x0, y1 - y0), 1e-6)
            out.append((x1, y1, s))
        poly = out
    return poly


def documented_steer_deg(observation: dict) -> float:
    scale, offset, low, high = _lookahead_constants()
    lookahead_m = min(max(scale * observation["ego"]["speed_mps"] + offset, low), high)
    poly = _polyline(observation["route"]["points"])
    # the segment whose ends' distances enclose the look-ahead; the last one, extended, beyond the end
    k = next((i for i in range(len(poly) - 1) if poly[i][2] <= lookahead_m < poly[i + 1][2]), len(poly) - 2)
    (x0, y0, d0), (x1, y1, d1) = poly[k], poly[k + 1]
    namespace = {"math": math, "lookahead_m": lookahead_m, "x0": x0, "y0": y0, "d0": d0, "x1": x1, "y1": y1, "d1": d1}
    exec(_doc_code("t = (lookahead_m"), namespace)  # noqa: S102 - the doc's own code, on purpose
    return namespace["steer_deg"]


def documented_cruise_mps(observation: dict) -> float:
    for words in (
        "kappa = abs(h(s_k + 2) - h(s_k - 2)) / 4",
        "v_curve = math.sqrt(2.5 / max(kappa, 1e-6)); reach_k = math.sqrt(v_curve**2 + 2 * 2.5 * s_k)",
        'cruise = min(route["speed_limit_mps"], min(reach_k over all k))',
    ):
        assert words in DRIVE_DOC, words
    poly = _polyline(observation["route"]["points"])
    s = [d for _, _, d in poly]
    headings = [math.atan2(y1 - y0, x1 - x0) for (x0, y0, _), (x1, y1, _) in zip(poly, poly[1:], strict=False)]
    headings.append(headings[-1])
    unwrapped = [headings[0]]
    for h in headings[1:]:
        step = h - unwrapped[-1]
        unwrapped.append(unwrapped[-1] + (step + math.pi) % (2 * math.pi) - math.pi)

    def h_at(distance: float) -> float:
        if distance <= s[0]:
            return unwrapped[0]
        if distance >= s[-1]:
            return unwrapped[-1]
        i = next(i for i in range(len(s) - 1) if s[i] <= distance <= s[i + 1])
        return unwrapped[i] + (distance - s[i]) / (s[i + 1] - s[i]) * (unwrapped[i + 1] - unwrapped[i])

    reach = []
    for s_k in s:
        kappa = abs(h_at(s_k + 2) - h_at(s_k - 2)) / 4
        v_curve = math.sqrt(2.5 / max(kappa, 1e-6))
        reach.append(math.sqrt(v_curve**2 + 2 * 2.5 * s_k))
    return min(observation["route"]["speed_limit_mps"], min(reach))


def documented_stop_line_mps(observation: dict, reason: str) -> float:
    signal = observation["stop_sign"] if reason == "stop_sign" else observation["traffic_light"]
    s0, headway, decel = _obstacle_params(reason)
    speed = observation["ego"]["speed_mps"]
    return _idm_target()(speed, documented_cruise_mps(observation), signal["distance_m"], 0.0, s0, headway, decel)


# ---------------------------------------------------------------- recorded frames
@functools.lru_cache(maxsize=1)
def recorded_ticks() -> tuple:
    """The expert's ticks over both smoke routes with 10 vehicles and 10 pedestrians, and over route 0 empty
    (cruising into a cycling light), seed 1, each to the route's end."""
    ticks = []
    for route_id, config in ((0, TRAFFIC), (1, TRAFFIC), (0, EMPTY)):
        driver = ExpertDriver(smoke_world(route_id, config, seed=1))
        driver.drive(lambda d: False, max_ticks=3000)
        assert driver.status is RouteStatus.COMPLETED
        ticks += driver.ticks
    return tuple(ticks)


@pytest.fixture(scope="module")
def ticks() -> tuple:
    return recorded_ticks()


def test_the_recorded_frames_cover_cruise_curves_and_stop_lines(ticks: tuple) -> None:
    reasons = Counter(t.decision.reason for t in ticks)
    assert len(ticks) > 3000 and reasons["cruise"] > 500
    assert reasons["red_light"] > 100 and reasons["yellow_light"] > 20 and reasons["stop_sign"] > 100
    assert reasons["vehicle"] > 100 and reasons["pedestrian"] > 20 and reasons["hazard"] > 20
    assert any(abs(t.decision.action.steer_deg) > 20 for t in ticks)  # the turns are in
    speeds = [t.observation["ego"]["speed_mps"] for t in ticks]
    assert min(speeds) < 0.1 and max(speeds) > 8.0  # both sides of the 2.4 m minimum look-ahead


def test_the_documented_steering_rule_reproduces_every_steering_label(ticks: tuple) -> None:
    errors = [abs(documented_steer_deg(t.observation) - t.decision.action.steer_deg) for t in ticks]
    assert max(errors) < STEER_TOLERANCE_DEG


def test_the_documented_cruise_speed_reproduces_the_label_on_cruise_frames(ticks: tuple) -> None:
    cruising = [t for t in ticks if t.decision.reason == "cruise"]
    errors = [abs(documented_cruise_mps(t.observation) - t.decision.action.target_speed_mps) for t in cruising]
    assert max(errors) < SPEED_TOLERANCE_MPS
    # curves lower it below the limit on some of them
    assert any(
        t.decision.action.target_speed_mps < t.observation["route"]["speed_limit_mps"] - 1.0 for t in cruising
    )


@pytest.mark.parametrize("reasons", [("red_light", "yellow_light"), ("stop_sign",)])
def test_the_documented_idm_target_reproduces_the_label_on_stop_line_frames(ticks: tuple, reasons: tuple) -> None:
    frames = [t for t in ticks if t.decision.reason in reasons]
    assert frames
    errors = [
        abs(documented_stop_line_mps(t.observation, t.decision.reason) - t.decision.action.target_speed_mps)
        for t in frames
    ]
    assert max(errors) < SPEED_TOLERANCE_MPS
    assert any(t.decision.action.target_speed_mps == 0.0 for t in frames)
    assert any(t.decision.action.target_speed_mps > 1.0 for t in frames)
