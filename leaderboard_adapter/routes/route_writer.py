"""Writes RouteConfigs as a leaderboard 2.x route file (`<routes><route><weathers><waypoints><scenarios>`)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence

from leaderboard_adapter.routes.route_config import RouteConfig


def _num(value: float) -> str:
    return f"{value:.2f}"


def routes_to_xml(routes: Sequence[RouteConfig]) -> str:
    """Leaderboard 2.x XML text for `routes` (deterministic; keypoint z and yaw-less positions as in 2.x)."""
    root = ET.Element("routes")
    for route in routes:
        elem = ET.SubElement(root, "route", {"id": route.id, "town": route.town})
        if route.weathers:
            weathers = ET.SubElement(elem, "weathers")
            for weather in route.weathers:
                attrs = {"route_percentage": f"{weather.route_percentage:g}", **weather.attributes}
                ET.SubElement(weathers, "weather", attrs)
        waypoints = ET.SubElement(elem, "waypoints")
        for point in route.keypoints:
            ET.SubElement(
                waypoints, "position", {"x": _num(point.x_m), "y": _num(point.y_m), "z": _num(point.z_m)}
            )
        scenarios = ET.SubElement(elem, "scenarios")
        for scenario in route.scenarios:
            sc = ET.SubElement(scenarios, "scenario", {"name": scenario.name, "type": scenario.type})
            for trigger in scenario.trigger_points:
                ET.SubElement(
                    sc,
                    "trigger_point",
                    {
                        "x": _num(trigger.x_m),
                        "y": _num(trigger.y_m),
                        "z": _num(trigger.z_m),
                        "yaw": _num(trigger.yaw_deg),
                    },
                )
            for tag, attrs in scenario.parameters.items():
                ET.SubElement(sc, tag, attrs)
            for actor in scenario.other_actors:
                ET.SubElement(sc, "other_actor", actor)
    ET.indent(root, space="   ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
