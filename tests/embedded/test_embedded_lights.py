"""Traffic lights and stop signs read from landmarks; light cycles per junction."""

from __future__ import annotations

import numpy as np
import pytest

from leaderboard_adapter.embedded.junction_conflicts import conflict_matrix
from leaderboard_adapter.embedded.network import DrivingNetwork
from leaderboard_adapter.embedded.signals import STOP_SIGN_TYPE, TRAFFIC_LIGHT_TYPE, signal_sites
from leaderboard_adapter.embedded.stop_signs import StopSignSystem
from leaderboard_adapter.embedded.traffic_lights import GREEN, RED, YELLOW, LightTiming, TrafficLightSystem
from leaderboard_adapter.world_view import LightState

DT = 0.05


def _system(town, timing: LightTiming, seed: int = 0):
    net = DrivingNetwork(town[1])
    sites = signal_sites(town[0], net, TRAFFIC_LIGHT_TYPE)
    return net, TrafficLightSystem(sites, timing, net.count, np.random.default_rng(seed))


def test_one_light_per_signal_with_stop_lines_at_junction_lane_starts(lights_town) -> None:
    net, lights = _system(lights_town, LightTiming())
    assert len(lights) == 48
    for site in lights.sites:
        assert all(net.is_junction[s] for s in site.segments)
        entries = net.entry_xy[list(site.segments)]
        # one stop line per approach lane (as CARLA's get_stop_waypoints), at a governed lane's start
        assert len(site.lanes) == len(site.stop_line) == len(set(site.lanes))
        for (road_id, _lane_id), pose in zip(site.lanes, site.stop_line, strict=True):
            assert np.min(np.hypot(entries[:, 0] - pose.x_m, entries[:, 1] - pose.y_m)) < 1e-6
            assert not any(net.is_junction[s] for s in np.flatnonzero(net.road_id == road_id))
        # the trigger box lies just before the stop line, on the incoming lane
        centre = site.trigger.center
        assert 1.0 < np.hypot(centre.x_m - site.stop_line[0].x_m, centre.y_m - site.stop_line[0].y_m) < 3.0


def test_lights_cycle_with_configured_timings(lights_town) -> None:
    timing = LightTiming(green_s=7.0, yellow_s=2.0, red_clearance_s=1.5)
    _, lights = _system(lights_town, timing)
    history = []
    for k in range(int(120 / DT)):
        lights.update(k * DT)
        history.append(lights.state.copy())
    states = np.array(history)
    for i in range(len(lights)):
        runs = _runs(states[:, i])
        greens = [n for s, n in runs[1:-1] if s == GREEN]
        yellows = [n for s, n in runs[1:-1] if s == YELLOW]
        assert greens and set(greens) == {round(timing.green_s / DT)}
        assert set(yellows) == {round(timing.yellow_s / DT)}
        # every green is followed by yellow, then red
        order = [s for s, _ in runs]
        for a, b in zip(order, order[1:], strict=False):
            assert (a, b) in {(GREEN, YELLOW), (YELLOW, RED), (RED, GREEN)}


def test_never_green_for_two_conflicting_approaches(lights_town) -> None:
    net, lights = _system(lights_town, LightTiming(), seed=3)
    conflicts = conflict_matrix(net)
    junction = np.array([s.junction_id for s in lights.sites])
    for k in range(int(60 / DT)):
        lights.update(k * DT)
        open_ = np.flatnonzero(lights.state != RED)
        assert len(set(junction[open_])) == len(open_), "two lights of one junction not red at once"
        for a in open_:
            for b in open_:
                if a != b:
                    assert not conflicts[np.ix_(lights.sites[a].segments, lights.sites[b].segments)].any()


def test_junction_offsets_depend_on_seed(lights_town) -> None:
    _, a = _system(lights_town, LightTiming(), seed=1)
    _, b = _system(lights_town, LightTiming(), seed=2)
    assert not np.allclose(a.offset_s, b.offset_s)


def test_freeze_pins_a_light(lights_town) -> None:
    _, lights = _system(lights_town, LightTiming())
    light_id = int(lights.ids[0])
    lights.freeze(light_id, LightState.GREEN)
    for k in range(0, 400, 7):
        lights.update(k * DT)
        assert lights.state[0] == GREEN
    with pytest.raises(KeyError):
        lights.freeze(10**6, None)


def test_invalid_timing_raises() -> None:
    with pytest.raises(ValueError, match="green"):
        LightTiming(green_s=0.0)


def test_stop_signs_from_type_206(stops_town, lights_town) -> None:
    net = DrivingNetwork(stops_town[1])
    stops = StopSignSystem(signal_sites(stops_town[0], net, STOP_SIGN_TYPE), net.count)
    assert len(stops) == 48
    assert signal_sites(stops_town[0], net, TRAFFIC_LIGHT_TYPE) == []
    # every junction lane entered from an approach has a stop line
    assert stops.segment_has_stop[net.is_junction & net.is_canonical].all()
    lights_net = DrivingNetwork(lights_town[1])
    assert signal_sites(lights_town[0], lights_net, STOP_SIGN_TYPE) == []


def _runs(values: np.ndarray) -> list[tuple[int, int]]:
    runs: list[tuple[int, int]] = []
    for v in values:
        if runs and runs[-1][0] == v:
            runs[-1] = (v, runs[-1][1] + 1)
        else:
            runs.append((int(v), 1))
    return runs
