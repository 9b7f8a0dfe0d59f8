"""Town: one road network (OpenDRIVE text, carla.Map, LaneGraph, speed limits, GPS reference) and how to find it.

Towns are found, in order, at an explicit `--xodr` path, in a user `--town-dir` folder of
`<Name>.xodr` files (e.g. CARLA's own Town01.xodr; CARLA ships Town10HD as `Town10HD_Opt.xodr`,
so `<Name>_Opt.xodr` is taken when `<Name>.xodr` is absent), then among the bundled towns in
`leaderboard_adapter/data/towns/`. Loading is cached per resolved file; a map without any
OpenDRIVE `<signal>` (CARLA's 2019 map versions) is logged once as a warning when loaded.
"""

from __future__ import annotations

import functools
import logging
import os
from dataclasses import field
from functools import cached_property
from pathlib import Path

import carla
from pydantic import ConfigDict, model_validator
from pydantic.dataclasses import dataclass

from leaderboard_adapter.roads.lane_graph import LaneGraph
from leaderboard_adapter.roads.opendrive import (
    InvalidOpenDriveError,
    geo_reference,
    junction_controls,
    parse_opendrive,
    speed_limits_mps,
)
from leaderboard_adapter.settings import SETTINGS

logger = logging.getLogger(__name__)

BUNDLED_TOWNS_DIR = Path(__file__).resolve().parent.parent / "data" / "towns"
"""Folder of the towns shipped with the package."""

DEFAULT_SPEED_LIMIT_MPS = 30.0 / 3.6
"""Speed limit for roads whose OpenDRIVE gives none [m/s] (CARLA's town default, 30 km/h)."""

OPTIMISED_SUFFIX = "_Opt"
"""Suffix of CARLA's layered town builds (`Town10HD_Opt.xodr` for route files' `Town10HD`)."""

CARLA_MAPS_ENV = "LANGPROP_CARLA_MAPS"
"""Environment variable naming a folder of CARLA's own OpenDRIVE maps (Town01.xodr, ...)."""

CARLA_ROOT_MAPS = Path("CarlaUE4") / "Content" / "Carla" / "Maps" / "OpenDrive"
"""Where a CARLA install (`$CARLA_ROOT`) keeps its towns' OpenDRIVE files."""

SHARED_CARLA_MAPS = Path(__file__).resolve().parents[3] / "shared" / "carla_towns"
"""`../shared/carla_towns` beside the repository checkout (where CI keeps CARLA's maps)."""

CARLA_MAPS_HINT = (
    f"set {CARLA_MAPS_ENV} or CARLA_ROOT, or put CARLA's OpenDRIVE maps in ../shared/carla_towns beside the repository"
)
"""What to do when `carla_maps_dir()` finds nothing (for messages and test skips)."""


class TownNotFoundError(LookupError):
    """No OpenDRIVE file for a town name in any searched place."""


@dataclass(frozen=True, eq=False, config=ConfigDict(SETTINGS, arbitrary_types_allowed=True))
class Town:
    """A loaded road network. Frame: CARLA world (left-handed, x east, y south), metres.

    `speed_limits_mps` maps road id -> limit [m/s]; `junction_controls` maps junction id ->
    the OpenDRIVE signal types controlling it ("1000001" light, "206" stop; empty: none).
    `lane_graph` (1 m) is built on first use. Equality and hashing are by identity.
    """

    name: str
    xodr: str
    map: carla.Map = field(repr=False)
    speed_limits_mps: dict[int, float] = field(repr=False)
    junction_controls: dict[int, frozenset[str]] = field(repr=False)
    lat_ref: float
    lon_ref: float
    source: str = ""
    signal_count: int | None = None
    """Number of OpenDRIVE `<signal>` elements (lights, stop signs, others); None: not counted."""

    @model_validator(mode="after")
    def _named_and_placed(self) -> Town:
        if not self.name:
            raise ValueError("a Town needs a name")
        if not -90.0 <= self.lat_ref <= 90.0 or not -180.0 <= self.lon_ref <= 180.0:
            raise ValueError(
                f"town {self.name!r}: geo reference ({self.lat_ref}, {self.lon_ref}) out of range"
            )
        return self

    @cached_property
    def lane_graph(self) -> LaneGraph:
        """Driving lanes as 1 m polylines with successors and neighbours."""
        return LaneGraph(self.map, resolution_m=1.0, speed_limits_mps=self.speed_limits_mps)

    @property
    def signals_note(self) -> str:
        """'' when the map has signals (or they were not counted), else a sentence naming the town and file:
        without any `<signal>` (CARLA's 2019 maps) it has no traffic lights and no stop signs."""
        if self.signal_count != 0:
            return ""
        return (
            f"town {self.name} ({self.source}) has no OpenDRIVE <signal>: "
            "no traffic lights and no stop signs (a 2019 CARLA map?)"
        )

    def speed_limit_mps(self, road_id: int) -> float:
        """The road's speed limit [m/s] (DEFAULT_SPEED_LIMIT_MPS when the map gives none)."""
        return self.speed_limits_mps.get(road_id, DEFAULT_SPEED_LIMIT_MPS)

    @staticmethod
    def from_xodr(name: str, xodr: str, source: str = "<string>") -> Town:
        """Validate OpenDRIVE text and build its carla.Map; raises InvalidOpenDriveError naming `source`."""
        root = parse_opendrive(xodr, source=source)
        try:
            town_map = carla.Map(name, xodr)
        except Exception as exc:  # carla raises RuntimeError and others on geometry it cannot build
            raise InvalidOpenDriveError(f"{source}: carla.Map could not load it ({exc})") from exc
        if not town_map.get_topology():
            raise InvalidOpenDriveError(f"{source}: carla.Map found no driving lanes")
        lat, lon = geo_reference(root)
        return Town(
            name=name,
            xodr=xodr,
            map=town_map,
            speed_limits_mps=speed_limits_mps(root),
            junction_controls=junction_controls(root),
            lat_ref=lat,
            lon_ref=lon,
            source=source,
            signal_count=sum(1 for _ in root.iter("signal")),
        )


def bundled_town_names() -> list[str]:
    """Names of the towns shipped with the package, sorted."""
    return sorted(p.stem for p in BUNDLED_TOWNS_DIR.glob("*.xodr"))


def _town_files(folder: Path) -> dict[str, Path]:
    return {p.stem: p for p in sorted(folder.glob("*.xodr"))} if folder.is_dir() else {}


def find_town_file(
    name: str, town_dir: str | os.PathLike | None = None, xodr_path: str | os.PathLike | None = None
) -> Path:
    """The OpenDRIVE file for town `name`: `xodr_path` if given, else `town_dir/<name>.xodr`, else bundled.

    In each folder names match exactly first, then case-insensitively, then as `<name>_Opt`
    (CARLA's `Town10HD_Opt.xodr` for `Town10HD`). Raises TownNotFoundError listing the places
    searched and the towns available there.
    """
    if xodr_path is not None:
        path = Path(xodr_path)
        if not path.is_file():
            raise TownNotFoundError(f"OpenDRIVE file {str(path)!r} (given for town {name!r}) does not exist")
        return path
    searched = []
    if town_dir is not None:
        folder = Path(town_dir)
        if not folder.is_dir():
            raise TownNotFoundError(f"town folder {str(folder)!r} does not exist or is not a folder")
        searched.append(folder)
    searched.append(BUNDLED_TOWNS_DIR)
    available: list[str] = []
    for folder in searched:
        files = _town_files(folder)
        if name in files:
            return files[name]
        lowered = {k.lower(): v for k, v in files.items()}
        for candidate in (name, name + OPTIMISED_SUFFIX):
            if candidate.lower() in lowered:
                return lowered[candidate.lower()]
        available.extend(f"{k} ({folder})" for k in files)
    places = ", ".join(str(f) for f in searched)
    listing = ", ".join(available) if available else "none"
    raise TownNotFoundError(f"town {name!r} not found; looked in {places}; available towns: {listing}")


@functools.lru_cache(maxsize=16)
def _load_cached(path: str, mtime_ns: int, name: str) -> Town:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidOpenDriveError(f"{path}: not UTF-8 text ({exc})") from exc
    town = Town.from_xodr(name, text, source=path)
    if town.signals_note:
        logger.warning("%s", town.signals_note)
    return town


def carla_maps_dir() -> Path | None:
    """The folder of CARLA's own OpenDRIVE maps, if any: `$LANGPROP_CARLA_MAPS`, else
    `$CARLA_ROOT/CarlaUE4/Content/Carla/Maps/OpenDrive`, else `../shared/carla_towns` beside the
    repository; the first of them that is a folder, None when none is."""
    candidates = []
    if os.environ.get(CARLA_MAPS_ENV):
        candidates.append(Path(os.environ[CARLA_MAPS_ENV]).expanduser())
    if os.environ.get("CARLA_ROOT"):
        candidates.append(Path(os.environ["CARLA_ROOT"]).expanduser() / CARLA_ROOT_MAPS)
    candidates.append(SHARED_CARLA_MAPS)
    return next((folder for folder in candidates if folder.is_dir()), None)


def load_town(
    name: str, town_dir: str | os.PathLike | None = None, xodr_path: str | os.PathLike | None = None
) -> Town:
    """Load (cached per file and modification time) the town a route file names; see `find_town_file`.

    The Town keeps the route file's `name` even when an explicit `xodr_path` is used.
    """
    path = find_town_file(name, town_dir, xodr_path).resolve()
    return _load_cached(str(path), path.stat().st_mtime_ns, name)


def load_bundled_towns() -> list[Town]:
    """Every bundled town, loaded."""
    return [load_town(name) for name in bundled_town_names()]
