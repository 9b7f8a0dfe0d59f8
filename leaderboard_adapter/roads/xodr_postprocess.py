"""Post-processing of Osm2Odr output: deterministic text, geo reference, signals only at real intersections, stop signs.

Osm2Odr writes a timestamped generator comment and header date (stripped here), a
`+proj=tmerc` geo reference that CARLA cannot read (replaced by `+lat_0 +lon_0`), and,
with `all_junctions_with_traffic_lights`, lights even where two roads merely meet at a
bend (removed: only junctions with at least three incoming roads keep signals). It makes
no stop signs: `add_stop_signs` places CARLA's type-206 signals the way Osm2Odr places
lights, at s=0 of the junction's connecting roads, one signal per approach.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from leaderboard_adapter.roads.opendrive import STOP_SIGN_TYPE, junction_approaches, parse_opendrive

MIN_SIGNAL_APPROACHES = 3
"""A junction needs at least this many incoming roads to keep (or get) signals."""


def _serialise(root: ET.Element) -> str:
    ET.indent(root, space="  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _remove_signals(road: ET.Element) -> None:
    for signals in road.findall("signals"):
        road.remove(signals)


def postprocess(xodr_text: str, name: str, lat_ref: float, lon_ref: float, stop_signs: bool = False) -> str:
    """Deterministic, CARLA-ready OpenDRIVE from Osm2Odr output (see the module docstring).

    With `stop_signs`, every signal is removed first and stop signs are injected at each
    junction with at least three approaches.
    """
    root = parse_opendrive(xodr_text, source=f"Osm2Odr output for {name}")
    header = root.find("header")
    if header is None:
        raise ValueError(f"Osm2Odr output for {name} has no <header>")
    header.attrib.pop("date", None)
    header.set("name", name)
    for georef in header.findall("geoReference"):
        header.remove(georef)
    georef = ET.SubElement(header, "geoReference")
    georef.text = f"+proj=tmerc +lat_0={lat_ref:.6f} +lon_0={lon_ref:.6f}"

    approaches = junction_approaches(root)
    minor = {j for j, by_incoming in approaches.items() if len(by_incoming) < MIN_SIGNAL_APPROACHES}
    removed_ids: set[str] = set()
    for road in root.findall("road"):
        junction = int(road.get("junction", "-1"))
        if junction >= 0 and (stop_signs or junction in minor):
            removed_ids.update(sig.get("id", "") for sig in road.iter("signal"))
            _remove_signals(road)
    for controller in root.findall("controller"):
        if stop_signs or any(c.get("signalId") in removed_ids for c in controller.findall("control")):
            root.remove(controller)
    if stop_signs:
        add_stop_signs(root, approaches, minor)
    return _serialise(root)


def _signal_element(signal_id: int) -> ET.Element:
    return ET.Element(
        "signal",
        {
            "id": str(signal_id),
            "s": "0",
            "t": "0",
            "name": "Stop",
            "dynamic": "no",
            "orientation": "none",
            "zOffset": "0",
            "country": "OpenDRIVE",
            "type": STOP_SIGN_TYPE,
            "subtype": "-1",
            "value": "-1",
            "height": "0",
            "width": "0.50",
            "text": "",
            "hOffset": "0",
            "pitch": "0",
            "roll": "0",
        },
    )


def _reference_element(signal_id: int) -> ET.Element:
    return ET.Element("signalReference", {"id": str(signal_id), "s": "0.00", "t": "0.00", "orientation": "-"})


def _signals_of(road: ET.Element) -> ET.Element:
    signals = road.find("signals")
    if signals is None:
        signals = ET.SubElement(road, "signals")
    return signals


def add_stop_signs(
    root: ET.Element, approaches: dict[int, dict[int, list[ET.Element]]], skip_junctions: set[int]
) -> int:
    """Inject one type-206 stop sign per approach of every junction not in `skip_junctions`.

    The signal sits on the approach's first connecting road at s=0 (referenced there too,
    as Osm2Odr does for lights); the approach's other connecting roads hold a
    `<signalReference>` to it. Returns the number of signals added.
    """
    existing = [int(sig.get("id", "0")) for sig in root.iter("signal") if sig.get("id", "").isdigit()]
    next_id = max(existing, default=-1) + 1
    added = 0
    for junction in sorted(approaches):
        if junction in skip_junctions:
            continue
        for incoming in sorted(approaches[junction]):
            roads = approaches[junction][incoming]
            signal_id = next_id
            next_id += 1
            for k, road in enumerate(roads):
                signals = _signals_of(road)
                signals.append(_reference_element(signal_id))
                if k == 0:
                    sig = _signal_element(signal_id)
                    ET.SubElement(sig, "validity", {"fromLane": "0", "toLane": "0"})
                    signals.append(sig)
            added += 1
    return added
