"""Generates the bundled route sets (leaderboard 2.x XML) over the bundled towns, deterministically from a seed.

Run `python -m leaderboard_adapter.routes.route_set_generator [--seed N]`. Each route is a
seeded random drive along the lane graph (no segment twice, lane changes where allowed),
reduced to sparse keypoints, one near the middle of each road stretch after a turn or
lane change and at least every second stretch otherwise, like the leaderboard's routes.
Every route is checked by interpolating it and measuring length and junction passes.

- `embedded_training.xml`: at least 20 routes of 0.5 to 2 km over all bundled towns.
- `embedded_smoke.xml`: 2 routes of 150 to 300 m for CI, one turning at a signalised
  junction, one crossing a stop-sign junction.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Callable
from pathlib import Path

import numpy as np
from pydantic import model_validator
from pydantic.dataclasses import dataclass

from leaderboard_adapter.roads.towns import Town, bundled_town_names, load_town
from leaderboard_adapter.routes.interpolation import interpolate_trajectory, planner_for
from leaderboard_adapter.routes.road_option import RoadOption
from leaderboard_adapter.routes.route_config import Keypoint, RouteConfig, WeatherSpec
from leaderboard_adapter.routes.route_planner import GlobalRoutePlanner
from leaderboard_adapter.routes.route_stats import JunctionControl, RouteStats, route_stats
from leaderboard_adapter.routes.route_writer import routes_to_xml
from leaderboard_adapter.settings import SETTINGS

logger = logging.getLogger(__name__)

ROUTES_DIR = Path(__file__).resolve().parent.parent / "data" / "routes"
"""Where the bundled route files live."""

_WEATHERS = (
    {
        "cloudiness": "5.0",
        "precipitation": "0.0",
        "precipitation_deposits": "0.0",
        "wetness": "0.0",
        "wind_intensity": "10.0",
        "sun_azimuth_angle": "45.0",
        "sun_altitude_angle": "70.0",
        "fog_density": "2.0",
    },
    {
        "cloudiness": "80.0",
        "precipitation": "60.0",
        "precipitation_deposits": "50.0",
        "wetness": "60.0",
        "wind_intensity": "40.0",
        "sun_azimuth_angle": "120.0",
        "sun_altitude_angle": "30.0",
        "fog_density": "10.0",
    },
    {
        "cloudiness": "30.0",
        "precipitation": "0.0",
        "precipitation_deposits": "0.0",
        "wetness": "0.0",
        "wind_intensity": "5.0",
        "sun_azimuth_angle": "270.0",
        "sun_altitude_angle": "10.0",
        "fog_density": "5.0",
    },
)


@dataclass(frozen=True, config=SETTINGS)
class RouteRequest:
    """What one generated route must satisfy: town, length range [m] and a check on its stats."""

    town: str
    min_length_m: float
    max_length_m: float
    accept: Callable[[RouteStats], bool] = lambda stats: len(stats.junctions) >= 3

    @model_validator(mode="after")
    def _length_range(self) -> RouteRequest:
        if not 0 < self.min_length_m < self.max_length_m:
            raise ValueError(f"bad length range {self.min_length_m}..{self.max_length_m} for {self.town}")
        return self


def _random_drive(planner: GlobalRoutePlanner, rng: np.random.Generator, length_m: float) -> list[int] | None:
    """A seeded walk of segments (follow edges, sometimes lane changes), no segment twice, never a U-turn
    (so never into a dead-end street); None if stuck."""
    g = planner.graph
    digraph = planner.digraph
    starts = sorted(n for n in digraph.nodes if not g.segments[n].is_junction and g.segments[n].length_m > 40)
    path = [int(rng.choice(starts))]
    total = 0.7 * g.segments[path[0]].length_m
    while total < length_m:
        here = path[-1]
        options = sorted(n for n in digraph.successors(here) if n not in path)
        follows = [n for n in options if digraph.edges[here, n]["kind"] == "follow" and not g.is_u_turn(n)]
        changes = [n for n in options if digraph.edges[here, n]["kind"] != "follow"]
        # no two lane changes in a row, none on the first stretch
        if (
            changes
            and len(path) > 1
            and digraph.edges[path[-2], here]["kind"] == "follow"
            and rng.random() < 0.3
        ):
            path.append(int(rng.choice(changes)))
            continue
        if not follows:
            return None
        path.append(int(rng.choice(follows)))
        total += g.segments[path[-1]].length_m
    while len(path) > 1 and (
        g.segments[path[-1]].is_junction or digraph.edges[path[-2], path[-1]]["kind"] != "follow"
    ):
        path.pop()
    return path if len(path) > 1 else None


def _drive_length_m(planner: GlobalRoutePlanner, path: list[int]) -> float:
    """Approximate length of a drive from 30 % into its first segment to 60 % into its last [m]."""
    g = planner.graph
    follows = [
        seg
        for pos, seg in enumerate(path[:-1])
        if planner.digraph.edges[seg, path[pos + 1]]["kind"] == "follow"
    ]
    lengths = [g.segments[seg].length_m for seg in [*follows, path[-1]]]
    return sum(lengths) - 0.3 * g.segments[path[0]].length_m - 0.4 * lengths[-1]


def _keypoints(planner: GlobalRoutePlanner, path: list[int]) -> tuple[Keypoint, ...]:
    """Sparse keypoints along a segment path (see the module docstring)."""
    g = planner.graph
    options = planner.road_options(path)

    def at(seg: int, fraction: float) -> Keypoint:
        k = g.segments[seg].first + int(fraction * (g.segments[seg].stop - 1 - g.segments[seg].first))
        return Keypoint(round(float(g.x_m[k]), 2), round(float(g.y_m[k]), 2), 0.0)

    points = [at(path[0], 0.3)]
    since_last = 0
    turned = False
    for pos in range(1, len(path)):
        seg = path[pos]
        kind = planner.digraph.edges[path[pos - 1], seg]["kind"]
        if g.segments[seg].is_junction:
            turned = turned or options[pos] in (RoadOption.LEFT, RoadOption.RIGHT)
            continue
        last = pos == len(path) - 1
        changing = pos + 1 < len(path) and planner.digraph.edges[seg, path[pos + 1]]["kind"] != "follow"
        if changing:
            continue  # the keypoint goes on the lane changed into
        since_last += 1
        if last:
            points.append(at(seg, 0.6))
        elif turned or kind != "follow" or since_last >= 2:
            points.append(at(seg, 0.75 if kind != "follow" else 0.5))
            since_last = 0
        turned = False
    return tuple(points)


def generate_route(
    town: Town,
    request: RouteRequest,
    rng: np.random.Generator,
    route_id: str,
    attempts: int = 400,
    taken: set[tuple] | None = None,
) -> tuple[RouteConfig, RouteStats]:
    """One route meeting `request`, drawn with `rng`, whose drive is not in `taken` (the drive is added
    to it); raises RuntimeError after `attempts` failures."""
    planner = planner_for(town)
    taken = set() if taken is None else taken
    for _ in range(attempts):
        target = rng.uniform(request.min_length_m, request.max_length_m)
        path = _random_drive(planner, rng, target)
        if path is None or (town.name, *path) in taken:
            continue
        keypoints = _keypoints(planner, path)
        if len(keypoints) < 2:
            continue
        points = interpolate_trajectory(town, keypoints, route_id=route_id)
        stats = route_stats(town, points)
        faithful = abs(stats.length_m - _drive_length_m(planner, path)) <= 0.1 * stats.length_m + 20.0
        if (
            faithful
            and request.min_length_m <= stats.length_m <= request.max_length_m
            and request.accept(stats)
        ):
            taken.add((town.name, *path))
            weather = _WEATHERS[int(rng.integers(len(_WEATHERS)))]
            later = _WEATHERS[int(rng.integers(len(_WEATHERS)))]
            config = RouteConfig(
                id=route_id,
                town=town.name,
                keypoints=keypoints,
                weathers=(WeatherSpec(0.0, dict(weather)), WeatherSpec(100.0, dict(later))),
            )
            return config, stats
    raise RuntimeError(f"could not draw a route in {town.name} meeting {request} in {attempts} attempts")


def _turns_at(control: JunctionControl, option: RoadOption) -> Callable[[RouteStats], bool]:
    return lambda stats: stats.count(option, control) >= 1


def training_requests(towns: list[str], per_town: int) -> list[RouteRequest]:
    """`per_town` long routes in each town, each through at least 3 junctions."""
    return [RouteRequest(name, 500.0, 2000.0) for name in towns for _ in range(per_town)]


def smoke_requests() -> list[RouteRequest]:
    """A signalised-junction turn in EmbeddedGrid and a stop-sign junction in EmbeddedStops, 150 to 300 m."""
    return [
        RouteRequest(
            "EmbeddedGrid",
            150.0,
            300.0,
            lambda s: s.count(RoadOption.LEFT, JunctionControl.TRAFFIC_LIGHT) >= 1,
        ),
        RouteRequest(
            "EmbeddedStops",
            150.0,
            300.0,
            lambda s: any(j.control == JunctionControl.STOP_SIGN for j in s.junctions),
        ),
    ]


def generate_set(requests: list[RouteRequest], seed: int) -> list[tuple[RouteConfig, RouteStats]]:
    """Distinct routes for `requests` in order, ids "0", "1", ...; deterministic for a seed."""
    rng = np.random.default_rng(seed)
    taken: set[tuple] = set()
    return [generate_route(load_town(r.town), r, rng, str(k), taken=taken) for k, r in enumerate(requests)]


def summarise(routes: list[tuple[RouteConfig, RouteStats]]) -> str:
    """One line per route and totals of turns by junction control."""
    lines = []
    for config, stats in routes:
        lines.append(
            f"route {config.id:>3} {config.town:<17} {stats.length_m:7.1f} m  keypoints {len(config.keypoints):2d}  "
            + " ".join(f"{j.option.name[0]}:{j.control.value}" for j in stats.junctions)
        )
    for control in JunctionControl:
        counts = {
            o.name: sum(s.count(o, control) for _, s in routes)
            for o in (RoadOption.LEFT, RoadOption.RIGHT, RoadOption.STRAIGHT)
        }
        lines.append(f"{control.value}: {counts}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--per-town", type=int, default=8, help="training routes per bundled town")
    parser.add_argument("--out-dir", type=Path, default=ROUTES_DIR)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    args.out_dir.mkdir(parents=True, exist_ok=True)
    training = generate_set(training_requests(bundled_town_names(), args.per_town), args.seed)
    smoke = generate_set(smoke_requests(), args.seed)
    for name, routes in (("embedded_training.xml", training), ("embedded_smoke.xml", smoke)):
        path = args.out_dir / name
        path.write_text(routes_to_xml([c for c, _ in routes]), encoding="utf-8")
        print(f"{path}:\n{summarise(routes)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
