"""Generates the bundled towns: OSM layouts -> carla.Osm2Odr -> post-processed OpenDRIVE in data/towns/.

Run `python -m leaderboard_adapter.roads.town_generator` to regenerate every bundled town;
output is byte-for-byte deterministic. Writes `data/towns/osm/<Name>.osm` (the authored
layout) and `data/towns/<Name>.xodr`.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import carla
from pydantic import model_validator
from pydantic.dataclasses import dataclass

from leaderboard_adapter.roads.opendrive import DEFAULT_LAT_REF, DEFAULT_LON_REF
from leaderboard_adapter.roads.osm_layout import OsmLayout
from leaderboard_adapter.roads.town_layouts import arterial_layout, grid_layout, stops_layout
from leaderboard_adapter.roads.xodr_postprocess import postprocess
from leaderboard_adapter.settings import SETTINGS

logger = logging.getLogger(__name__)

TOWNS_DIR = Path(__file__).resolve().parent.parent / "data" / "towns"
"""Where bundled `.xodr` towns live (their OSM sources under `osm/`)."""

_WAY_TYPES = ["motorway", "trunk", "primary", "secondary", "tertiary", "unclassified", "residential"]


class JunctionControl:
    """How a generated town's intersections are controlled."""

    TRAFFIC_LIGHTS = "traffic_lights"
    STOP_SIGNS = "stop_signs"


@dataclass(frozen=True, config=SETTINGS)
class TownSpec:
    """One bundled town: its layout factory, junction control and GPS reference [deg]."""

    name: str
    layout: Callable[[], OsmLayout]
    control: str
    lat_ref: float = DEFAULT_LAT_REF
    lon_ref: float = DEFAULT_LON_REF

    @model_validator(mode="after")
    def _known(self) -> TownSpec:
        if self.control not in (JunctionControl.TRAFFIC_LIGHTS, JunctionControl.STOP_SIGNS):
            raise ValueError(f"town {self.name!r}: unknown junction control {self.control!r}")
        if not self.name.isidentifier():
            raise ValueError(f"town name {self.name!r} must be a plain identifier (it names files)")
        return self


TOWN_SPECS: tuple[TownSpec, ...] = (
    TownSpec("EmbeddedGrid", grid_layout, JunctionControl.TRAFFIC_LIGHTS),
    TownSpec("EmbeddedArterial", arterial_layout, JunctionControl.TRAFFIC_LIGHTS),
    TownSpec("EmbeddedStops", stops_layout, JunctionControl.STOP_SIGNS),
)


@contextlib.contextmanager
def _native_output_silenced() -> Iterator[None]:
    """Silence stdout/stderr at the file-descriptor level (Osm2Odr's C++ code prints progress and warnings)."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = [os.dup(1), os.dup(2)]
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        for fd in (*saved, devnull):
            os.close(fd)


def convert_osm(osm_text: str, traffic_lights: bool) -> str:
    """Raw Osm2Odr OpenDRIVE for OSM XML (lights at every junction when `traffic_lights`)."""
    settings = carla.Osm2OdrSettings()
    settings.set_osm_way_types(_WAY_TYPES)
    settings.generate_traffic_lights = traffic_lights
    settings.all_junctions_with_traffic_lights = traffic_lights
    with _native_output_silenced():
        xodr = carla.Osm2Odr.convert(osm_text, settings)
    if "<OpenDRIVE" not in xodr:
        raise RuntimeError("carla.Osm2Odr produced no OpenDRIVE (check the OSM layout)")
    return xodr


def build_town(spec: TownSpec) -> tuple[str, str]:
    """(OSM text, final OpenDRIVE text) for one town spec."""
    osm_text = spec.layout().to_osm_xml()
    lights = spec.control == JunctionControl.TRAFFIC_LIGHTS
    raw = convert_osm(osm_text, traffic_lights=lights)
    xodr = postprocess(raw, spec.name, spec.lat_ref, spec.lon_ref, stop_signs=not lights)
    return osm_text, xodr


def generate_all(out_dir: Path = TOWNS_DIR, specs: tuple[TownSpec, ...] = TOWN_SPECS) -> list[Path]:
    """Write every town's `.osm` and `.xodr` under `out_dir`; returns the `.xodr` paths."""
    (out_dir / "osm").mkdir(parents=True, exist_ok=True)
    written = []
    for spec in specs:
        osm_text, xodr = build_town(spec)
        (out_dir / "osm" / f"{spec.name}.osm").write_text(osm_text, encoding="utf-8")
        path = out_dir / f"{spec.name}.xodr"
        path.write_text(xodr, encoding="utf-8")
        logger.info("wrote %s (%d bytes)", path, len(xodr))
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out-dir", type=Path, default=TOWNS_DIR, help="folder for <Name>.xodr (default: bundled)"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    for path in generate_all(args.out_dir):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
