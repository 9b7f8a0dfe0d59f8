"""OpenDRIVE text checks and facts read without CARLA: validity, speed limits, geo reference, junction controls.

Everything here reads the XML with ElementTree, so it is safe on any input: `carla.Map`
may crash or print on malformed OpenDRIVE, so validate with `parse_opendrive` first.
Speeds are returned in m/s (OpenDRIVE's default unit; `km/h` and `mph` are converted).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

DEFAULT_LAT_REF = 42.0
"""Latitude used by the leaderboard when the OpenDRIVE header has no `+lat_0` [deg]."""
DEFAULT_LON_REF = 2.0
"""Longitude used by the leaderboard when the OpenDRIVE header has no `+lon_0` [deg]."""

TRAFFIC_LIGHT_TYPE = "1000001"
"""OpenDRIVE signal type CARLA uses for traffic lights."""
STOP_SIGN_TYPE = "206"
"""OpenDRIVE signal type CARLA uses for stop signs."""

_UNIT_TO_MPS = {"m/s": 1.0, "km/h": 1.0 / 3.6, "mph": 0.44704}


class InvalidOpenDriveError(ValueError):
    """The text is not usable OpenDRIVE (not XML, wrong root, no roads, or rejected by carla.Map)."""


def parse_opendrive(text: str, source: str = "<string>") -> ET.Element:
    """The `<OpenDRIVE>` root element of `text`; raises InvalidOpenDriveError naming `source`."""
    if not isinstance(text, str) or not text.strip():
        raise InvalidOpenDriveError(f"{source}: empty OpenDRIVE text")
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise InvalidOpenDriveError(f"{source}: not well-formed XML ({exc})") from exc
    if root.tag != "OpenDRIVE":
        raise InvalidOpenDriveError(f"{source}: root element is <{root.tag}>, expected <OpenDRIVE>")
    roads = root.findall("road")
    if not roads:
        raise InvalidOpenDriveError(f"{source}: no <road> elements")
    for road in roads:
        if road.find("planView/geometry") is None:
            raise InvalidOpenDriveError(f"{source}: road {road.get('id')!r} has no planView geometry")
        try:
            int(road.get("id", ""))
            float(road.get("length", ""))
        except ValueError as exc:
            raise InvalidOpenDriveError(
                f"{source}: road with id={road.get('id')!r} length={road.get('length')!r} is not numeric"
            ) from exc
    return root


def _to_mps(value: str, unit: str | None) -> float:
    factor = _UNIT_TO_MPS.get((unit or "m/s").strip(), 1.0)
    return float(value) * factor


def speed_limits_mps(root: ET.Element) -> dict[int, float]:
    """Speed limit per road id [m/s]: the largest driving-lane `<speed max>`, else the road type's speed."""
    limits: dict[int, float] = {}
    for road in root.findall("road"):
        road_id = int(road.get("id", "0"))
        lane_speeds = [
            _to_mps(speed.get("max", "0"), speed.get("unit"))
            for lane in road.iter("lane")
            if lane.get("type") == "driving"
            for speed in lane.findall("speed")
            if speed.get("max") not in (None, "no limit", "undefined")
        ]
        if not lane_speeds:
            lane_speeds = [
                _to_mps(speed.get("max", "0"), speed.get("unit"))
                for speed in road.findall("type/speed")
                if speed.get("max") not in (None, "no limit", "undefined")
            ]
        positive = [v for v in lane_speeds if v > 0]
        if positive:
            limits[road_id] = max(positive)
    return limits


def geo_reference(root: ET.Element) -> tuple[float, float]:
    """(lat_0, lon_0) [deg] from the header's geoReference, as the leaderboard reads it, else (42.0, 2.0)."""
    lat, lon = DEFAULT_LAT_REF, DEFAULT_LON_REF
    for georef in root.iterfind("header/geoReference"):
        text = georef.text or ""
        lat_match = re.search(r"\+lat_0=([-+0-9.eE]+)", text)
        lon_match = re.search(r"\+lon_0=([-+0-9.eE]+)", text)
        if lat_match:
            lat = float(lat_match.group(1))
        if lon_match:
            lon = float(lon_match.group(1))
    return lat, lon


def junction_approaches(root: ET.Element) -> dict[int, dict[int, list[ET.Element]]]:
    """Junction id -> incoming road id -> the junction's connecting roads leaving it (document order)."""
    result: dict[int, dict[int, list[ET.Element]]] = {}
    for road in root.findall("road"):
        junction = int(road.get("junction", "-1"))
        if junction < 0:
            continue
        pred = road.find("link/predecessor")
        incoming = int(pred.get("elementId", "-1")) if pred is not None else -1
        result.setdefault(junction, {}).setdefault(incoming, []).append(road)
    return result


def junction_controls(root: ET.Element) -> dict[int, frozenset[str]]:
    """Junction id -> the signal types referenced by its connecting roads (empty: uncontrolled)."""
    signal_types = {sig.get("id"): sig.get("type", "") for sig in root.iter("signal")}
    controls: dict[int, set[str]] = {}
    for road in root.findall("road"):
        junction = int(road.get("junction", "-1"))
        if junction < 0:
            continue
        kinds = controls.setdefault(junction, set())
        for ref in road.iter("signalReference"):
            kind = signal_types.get(ref.get("id"))
            if kind:
                kinds.add(kind)
        for sig in road.iter("signal"):
            kinds.add(sig.get("type", ""))
    return {j: frozenset(k) for j, k in controls.items()}
