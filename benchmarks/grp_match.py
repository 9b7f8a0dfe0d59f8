"""Benchmark: our route interpolation against CARLA's own GlobalRoutePlanner on published route files.

Usage: python benchmarks/grp_match.py ROUTES.xml [ROUTES.xml ...] [--grp-root DIR] [--town-dir DIR] [--jobs N]

The route files everyone runs, taken from their repositories:

    git -C carla-simulator/leaderboard show leaderboard-1.0:data/routes_training.xml > /tmp/routes_training.xml
    git -C carla-simulator/leaderboard show leaderboard-1.0:data/routes_testing.xml > /tmp/routes_testing.xml
    git -C carla-simulator/leaderboard show leaderboard-1.0:data/routes_devtest.xml > /tmp/routes_devtest.xml
    git -C autonomousvision/transfuser show HEAD:leaderboard/data/longest6/longest6.xml > /tmp/longest6.xml
    python benchmarks/grp_match.py /tmp/routes_training.xml /tmp/routes_testing.xml \\
        /tmp/routes_devtest.xml /tmp/longest6.xml --grp-root $CARLA_ROOT/PythonAPI/carla --jobs 2

`--grp-root` is a folder holding CARLA's PythonAPI `agents` package (0.9.10 to 0.9.16; default
`$CARLA_ROOT/PythonAPI/carla`); the reference planner is imported from there only. `--town-dir`
is a folder of CARLA's OpenDRIVE maps (default: `carla_maps_dir()`). The newer planner, which takes
the unit vector of each topology segment with `Location.make_unit_vector()`, raises
`RuntimeError: length > 2.0f * ...` on the 2019 Town03's zero-length segment; the 0.9.12/0.9.13 file
(`agents.tools.misc.vector`) builds it, with the same routes elsewhere. A planner that raises is a
mismatch, its error printed.

Each DISTINCT route (same town and keypoints, counted once across all files) whose town is
available is interpolated twice on the same `carla.Map`: by ours (`interpolate_route`, as the
evaluator plans it) and by CARLA's GlobalRoutePlanner at 1 m, as the leaderboard's
`interpolate_trajectory` does (one `trace_route` per consecutive keypoint pair, the traces
concatenated). The two match when every point of each route lies within MAX_DEVIATION_M of the
other's polyline (the same lanes; 3D, so a bridge is not the road below it) and their lengths
differ by at most MAX_LENGTH_ERROR of the reference's.

Printed: one line per mismatch (route, files, both lengths, the largest deviation and where),
a summary per file, the routes skipped because their town is missing, the largest deviation and
length error over all compared routes, and last
`grp_match_ratio: X` (matched / compared distinct routes).
"""

from __future__ import annotations

import argparse
import functools
import importlib
import inspect
import logging
import math
import os
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from leaderboard_adapter.roads.towns import TownNotFoundError, carla_maps_dir, find_town_file, load_town
from leaderboard_adapter.routes.interpolation import RouteInterpolationError, interpolate_trajectory
from leaderboard_adapter.routes.route_config import Keypoint
from leaderboard_adapter.routes.route_parser import RouteFileError, parse_routes_file

MAX_DEVIATION_M = 5.0
"""Largest distance of a point of either route from the other's polyline for "same lanes" [m]."""

MAX_LENGTH_ERROR = 0.02
"""Largest |ours - reference| / reference route length for a match [-]."""

HOP_RESOLUTION_M = 1.0
"""Sampling of both planners [m] (the leaderboard's `interpolate_trajectory(..., hop_resolution=1.0)`)."""

KEY_DECIMALS = 2
"""Keypoint coordinates are rounded to this many decimals [m] when routes are compared for identity."""

_CHUNK = 512

logger = logging.getLogger(__name__)


# comparison ------------------------------------------------------------------------------------
def polyline_length_m(points: np.ndarray) -> float:
    """Length of a polyline of (N, 2 or 3) points [m]."""
    if len(points) < 2:
        return 0.0
    return float(np.linalg.norm(np.diff(points, axis=0), axis=1).sum())


def distances_to_polyline(points: np.ndarray, polyline: np.ndarray) -> np.ndarray:
    """Distance of each of `points` (N, D) to the nearest point of the polyline `polyline` (M, D) [m]."""
    points = np.asarray(points, dtype=float)
    polyline = np.asarray(polyline, dtype=float)
    if len(polyline) == 1:
        return np.linalg.norm(points - polyline[0], axis=1)
    a, b = polyline[:-1], polyline[1:]
    ab = b - a
    ab2 = np.maximum((ab * ab).sum(axis=1), 1e-12)
    out = np.empty(len(points))
    for lo in range(0, len(points), _CHUNK):
        p = points[lo : lo + _CHUNK, None, :]
        t = np.clip(((p - a) * ab).sum(axis=2) / ab2, 0.0, 1.0)
        nearest = a + t[..., None] * ab
        out[lo : lo + _CHUNK] = np.sqrt(((p - nearest) ** 2).sum(axis=2)).min(axis=1)
    return out


@dataclass(frozen=True)
class Comparison:
    """Our dense route against the reference's: lengths [m], the largest deviation [m] and where it is."""

    length_ours_m: float
    length_reference_m: float
    deviation_m: float
    deviation_on: str
    """Which route the farthest point belongs to: "ours" or "reference"."""
    deviation_index: int
    deviation_xyz: tuple[float, float, float]
    deviation_s_m: float
    """Arc length of the farthest point along its own route [m]."""

    @property
    def length_error(self) -> float:
        """(ours - reference) / reference [-]."""
        return (self.length_ours_m - self.length_reference_m) / max(self.length_reference_m, 1e-9)

    def matches(self, max_deviation_m: float = MAX_DEVIATION_M, max_length_error: float = MAX_LENGTH_ERROR) -> bool:
        """Same lanes (deviation within `max_deviation_m`) and length within `max_length_error`."""
        return self.deviation_m <= max_deviation_m and abs(self.length_error) <= max_length_error


def compare_polylines(ours: np.ndarray, reference: np.ndarray) -> Comparison:
    """Compare two dense routes given as (N, 2 or 3) point arrays (see `Comparison`)."""
    ours = np.asarray(ours, dtype=float)
    reference = np.asarray(reference, dtype=float)
    if len(ours) == 0 or len(reference) == 0:
        raise ValueError(f"both routes need points, got {len(ours)} and {len(reference)}")
    worst = None
    for name, own, other in (("ours", ours, reference), ("reference", reference, ours)):
        d = distances_to_polyline(own, other)
        k = int(np.argmax(d))
        if worst is None or d[k] > worst[0]:
            worst = (float(d[k]), name, k, own)
    assert worst is not None
    deviation, name, k, own = worst
    s = polyline_length_m(own[: k + 1])
    xyz = tuple(float(v) for v in own[k]) + (0.0,) * (3 - own.shape[1])
    return Comparison(
        length_ours_m=polyline_length_m(ours),
        length_reference_m=polyline_length_m(reference),
        deviation_m=deviation,
        deviation_on=name,
        deviation_index=k,
        deviation_xyz=xyz[:3],  # type: ignore[arg-type]
        deviation_s_m=s,
    )


# route files -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Occurrence:
    """Where a route appears: file and route id."""

    file: str
    route_id: str


@dataclass(frozen=True)
class DistinctRoute:
    """One town and keypoint sequence, with every (file, id) that names it (first occurrence first)."""

    town: str
    keypoints: tuple[Keypoint, ...]
    occurrences: tuple[Occurrence, ...]

    @property
    def label(self) -> str:
        first = self.occurrences[0]
        also = "".join(f", {Path(o.file).name} {o.route_id}" for o in self.occurrences[1:])
        return f"{self.town} route {first.route_id} ({Path(first.file).name}{also})"


def route_key(town: str, keypoints: Sequence[Keypoint]) -> tuple:
    """Identity of a route across files: town and keypoints rounded to KEY_DECIMALS."""
    return (town, tuple(tuple(round(v, KEY_DECIMALS) for v in (k.x_m, k.y_m, k.z_m)) for k in keypoints))


def distinct_routes(files: Sequence[str | os.PathLike]) -> list[DistinctRoute]:
    """The distinct routes of `files` in first-seen order (same town and keypoints: one route)."""
    keypoints: dict[tuple, tuple[Keypoint, ...]] = {}
    seen: dict[tuple, list[Occurrence]] = {}
    for file in files:
        for route in parse_routes_file(file):
            key = route_key(route.town, route.keypoints)
            keypoints.setdefault(key, route.keypoints)
            seen.setdefault(key, []).append(Occurrence(str(file), route.id))
    return [DistinctRoute(key[0], keypoints[key], tuple(occ)) for key, occ in seen.items()]


# reference planner -----------------------------------------------------------------------------
class GrpRootError(RuntimeError):
    """The folder given as --grp-root does not hold CARLA's `agents` package."""


def default_grp_root() -> Path | None:
    """`$CARLA_ROOT/PythonAPI/carla`, or None without CARLA_ROOT."""
    root = os.environ.get("CARLA_ROOT")
    return Path(root).expanduser() / "PythonAPI" / "carla" if root else None


def check_grp_root(grp_root: Path | None) -> Path:
    """`grp_root` resolved, or GrpRootError saying what to pass."""
    if grp_root is None:
        raise GrpRootError(
            "no reference planner: pass --grp-root DIR (a folder holding CARLA's PythonAPI `agents` "
            "package, e.g. $CARLA_ROOT/PythonAPI/carla) or set CARLA_ROOT"
        )
    module = grp_root / "agents" / "navigation" / "global_route_planner.py"
    if not module.is_file():
        raise GrpRootError(
            f"--grp-root {str(grp_root)!r} holds no CARLA agents package ({module} is missing); "
            "point it at a folder containing CARLA's PythonAPI `agents` (e.g. $CARLA_ROOT/PythonAPI/carla)"
        )
    return grp_root.resolve()


@functools.cache
def _grp_module(grp_root: str):
    if grp_root not in sys.path:
        sys.path.insert(0, grp_root)
    module = importlib.import_module("agents.navigation.global_route_planner")
    origin = Path(module.__file__ or "").resolve()
    if Path(grp_root) not in origin.parents:
        raise GrpRootError(f"agents.navigation.global_route_planner was imported from {origin}, not {grp_root}")
    return module


@functools.cache
def reference_planner(grp_root: str, town_name: str, town_dir: str):
    """CARLA's GlobalRoutePlanner on the town's carla.Map at HOP_RESOLUTION_M (cached per process).

    0.9.12 and later take `(map, sampling_resolution)`; 0.9.10/0.9.11 take a GlobalRoutePlannerDAO
    and need `setup()`, as leaderboard 1.0's `interpolate_trajectory` builds it.
    """
    module = _grp_module(grp_root)
    town = load_town(town_name, town_dir=town_dir)
    parameters = inspect.signature(module.GlobalRoutePlanner.__init__).parameters
    if "dao" in parameters:
        dao_module = importlib.import_module("agents.navigation.global_route_planner_dao")
        grp = module.GlobalRoutePlanner(dao_module.GlobalRoutePlannerDAO(town.map, HOP_RESOLUTION_M))
        grp.setup()
        return grp
    return module.GlobalRoutePlanner(town.map, HOP_RESOLUTION_M)


def reference_route(grp, keypoints: Sequence[Keypoint]) -> np.ndarray:
    """The leaderboard's dense route: one GRP trace per consecutive keypoint pair, concatenated (N, 3)."""
    import carla

    points = []
    for a, b in zip(keypoints, keypoints[1:], strict=False):
        trace = grp.trace_route(carla.Location(a.x_m, a.y_m, a.z_m), carla.Location(b.x_m, b.y_m, b.z_m))
        points.extend((w.transform.location.x, w.transform.location.y, w.transform.location.z) for w, _ in trace)
    return np.array(points, dtype=float).reshape(-1, 3)


# running ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RouteResult:
    """One distinct route's outcome: its comparison, or the error of a planner that failed."""

    route: DistinctRoute
    comparison: Comparison | None
    error: str = ""

    @property
    def matched(self) -> bool:
        return self.comparison is not None and not self.error and self.comparison.matches()

    def describe(self) -> str:
        if self.comparison is None:
            return f"MISMATCH {self.route.label}: {self.error}"
        c = self.comparison
        x, y, z = c.deviation_xyz
        return (
            f"MISMATCH {self.route.label}: ours {c.length_ours_m:.1f} m, GRP {c.length_reference_m:.1f} m "
            f"({100 * c.length_error:+.1f} %), largest deviation {c.deviation_m:.1f} m on {c.deviation_on} "
            f"at ({x:.1f}, {y:.1f}, {z:.1f}), {c.deviation_s_m:.0f} m along it"
        )


def compare_route(route: DistinctRoute, grp_root: str, town_dir: str) -> RouteResult:
    """Interpolate `route` with both planners and compare them (planning errors become the result's error)."""
    town = load_town(route.town, town_dir=town_dir)
    route_id = route.occurrences[0].route_id
    try:
        ours = interpolate_trajectory(town, route.keypoints, HOP_RESOLUTION_M, route_id=route_id)
    except RouteInterpolationError as exc:
        return RouteResult(route, None, f"our planner failed: {exc}")
    try:
        reference = reference_route(reference_planner(grp_root, route.town, town_dir), route.keypoints)
    except Exception as exc:  # the reference is third-party code: any failure is reported, not raised
        return RouteResult(route, None, f"CARLA's GRP failed: {type(exc).__name__}: {exc}")
    ours_xyz = np.array([(p.x_m, p.y_m, p.z_m) for p in ours], dtype=float)
    return RouteResult(route, compare_polylines(ours_xyz, reference))


def _compare_town(routes: list[DistinctRoute], grp_root: str, town_dir: str) -> list[RouteResult]:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    return [compare_route(r, grp_root, town_dir) for r in routes]


def run(
    routes: Sequence[DistinctRoute], grp_root: Path, town_dir: Path, jobs: int
) -> tuple[list[RouteResult], list[DistinctRoute]]:
    """(results of the routes whose town is available, routes skipped for a missing town)."""
    available: dict[str, bool] = {}
    for town in {r.town for r in routes}:
        try:
            find_town_file(town, town_dir=town_dir)
            available[town] = True
        except TownNotFoundError:
            available[town] = False
    skipped = [r for r in routes if not available[r.town]]
    by_town: dict[str, list[DistinctRoute]] = {}
    for r in routes:
        if available[r.town]:
            by_town.setdefault(r.town, []).append(r)
    groups = sorted(by_town.values(), key=len, reverse=True)
    work: Callable[[list[DistinctRoute]], list[RouteResult]] = functools.partial(
        _compare_town, grp_root=str(grp_root), town_dir=str(town_dir)
    )
    if jobs <= 1:
        outcomes = [work(g) for g in groups]
    else:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            outcomes = list(pool.map(work, groups))
    order = {r: k for k, r in enumerate(routes)}
    results = sorted((res for group in outcomes for res in group), key=lambda res: order[res.route])
    return results, skipped


def summary_lines(files: Sequence[str], results: Sequence[RouteResult], skipped: Sequence[DistinctRoute]) -> list[str]:
    """One line per file (its routes, each counted by its distinct route's outcome), then the totals."""
    lines = []
    for file in files:
        mine = [res for res in results if any(o.file == file for o in res.route.occurrences)]
        gone = [r for r in skipped if any(o.file == file for o in r.occurrences)]
        count = sum(sum(o.file == file for o in res.route.occurrences) for res in mine)
        ok = sum(sum(o.file == file for o in res.route.occurrences) for res in mine if res.matched)
        missing = sum(sum(o.file == file for o in r.occurrences) for r in gone)
        lines.append(
            f"{Path(file).name}: {count} routes compared, {ok} match, {count - ok} mismatch, "
            f"{missing} skipped (town missing)"
        )
    matched = sum(res.matched for res in results)
    lines.append(
        f"distinct routes: {len(results) + len(skipped)}, compared {len(results)}, match {matched}, "
        f"mismatch {len(results) - matched}, skipped {len(skipped)}"
    )
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("routes", nargs="*", help="leaderboard route files (1.0 or 2.x XML)")
    parser.add_argument("--grp-root", type=Path, default=default_grp_root(),
                        help="folder holding CARLA's PythonAPI `agents` package (default $CARLA_ROOT/PythonAPI/carla)")
    parser.add_argument("--town-dir", type=Path, default=carla_maps_dir(),
                        help="folder of CARLA's OpenDRIVE maps (default: carla_maps_dir())")
    parser.add_argument("--jobs", type=int, default=1, help="worker processes (one town per task)")
    args = parser.parse_args(argv)
    if not args.routes:
        parser.error("give at least one route file (see the module docstring for the published ones)")
    if args.jobs < 1:
        parser.error(f"--jobs must be at least 1, got {args.jobs}")
    if args.town_dir is None or not args.town_dir.is_dir():
        parser.error(f"--town-dir {args.town_dir} is not a folder of OpenDRIVE maps")
    try:
        grp_root = check_grp_root(args.grp_root)
        routes = distinct_routes(args.routes)
    except (GrpRootError, RouteFileError) as exc:
        parser.error(str(exc))
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    results, skipped = run(routes, grp_root, args.town_dir, args.jobs)
    for res in results:
        if not res.matched:
            print(res.describe())
    for route in skipped:
        print(f"SKIPPED {route.label}: town {route.town} not in {args.town_dir}")
    for line in summary_lines([str(f) for f in args.routes], results, skipped):
        print(line)
    compared = [res for res in results if res.comparison is not None]
    if compared:
        far = max(compared, key=lambda res: res.comparison.deviation_m)
        long = max(compared, key=lambda res: abs(res.comparison.length_error))
        print(f"largest deviation: {far.comparison.deviation_m:.2f} m ({far.route.label}); largest length "
              f"error: {100 * long.comparison.length_error:+.2f} % ({long.route.label})")
    ratio = sum(res.matched for res in results) / len(results) if results else math.nan
    print(f"grp_match_ratio: {ratio:.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
