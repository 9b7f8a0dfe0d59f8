"""Parses leaderboard route files (1.0 `<waypoint>` and 2.x `<waypoints><position>`) into RouteConfigs.

`--routes-subset` follows the leaderboard's `RouteParser`: comma-separated route ids and
`start-end` ranges of ids (ranges run in file order, both ends must exist, the end may not
come before the start, no id twice); the selection is returned sorted by numeric id.
"""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from pathlib import Path

from leaderboard_adapter.routes.route_config import (
    Keypoint,
    RouteConfig,
    ScenarioSpec,
    TriggerPoint,
    WeatherSpec,
)
from leaderboard_adapter.settings import one_line


class RouteFileError(ValueError):
    """A route file or a route in it is malformed; the message names the file and route id."""


def select_route_ids(routes_subset: str, route_ids: list[str], source: str = "routes file") -> list[str]:
    """The ids `routes_subset` picks from `route_ids` (file order), as the leaderboard's `--routes-subset`.

    "" selects every route (file order). "0", "1,4,6", "0-3" and mixes like "0-2,7" select ids.
    """
    if not routes_subset.strip():
        return list(route_ids)
    selected: list[str] = []
    for group in routes_subset.replace(" ", "").split(","):
        if not group:
            raise RouteFileError(f"{source}: empty entry in routes subset {routes_subset!r}")
        if "-" in group:
            start, _, end = group.partition("-")
            if not start or not end or "-" in end:
                raise RouteFileError(f"{source}: malformed route range {group!r} (expected 'start-end')")
            if start not in route_ids:
                raise RouteFileError(f"{source}: couldn't find the route with id {start!r} (range {group!r})")
            if end not in route_ids:
                raise RouteFileError(f"{source}: couldn't find the route with id {end!r} (range {group!r})")
            first, last = route_ids.index(start), route_ids.index(end)
            if last < first:
                raise RouteFileError(
                    f"{source}: malformed route range {group!r}: id {end!r} comes before {start!r}"
                )
            picked = route_ids[first : last + 1]
        else:
            if group not in route_ids:
                raise RouteFileError(f"{source}: couldn't find the route with id {group!r}")
            picked = [group]
        for route_id in picked:
            if route_id in selected:
                raise RouteFileError(f"{source}: route id {route_id!r} selected twice by {routes_subset!r}")
            selected.append(route_id)
    if all(_is_int(r) for r in selected):
        selected.sort(key=int)
    return selected


def _is_int(text: str) -> bool:
    try:
        int(text)
    except ValueError:
        return False
    return True


def _float(elem: ET.Element, key: str, where: str, default: float | None = None) -> float:
    raw = elem.get(key)
    if raw is None:
        if default is not None:
            return default
        raise RouteFileError(f"{where}: <{elem.tag}> has no {key!r} attribute")
    try:
        return float(raw)
    except ValueError as exc:
        raise RouteFileError(f"{where}: <{elem.tag}> {key}={raw!r} is not a number") from exc


def _keypoints(route: ET.Element, where: str) -> tuple[tuple[Keypoint, ...], int]:
    waypoints = route.find("waypoints")
    if waypoints is not None:
        elems, version = list(waypoints.iter("position")), 2
    else:
        elems, version = list(route.iter("waypoint")), 1
    points = []
    for k, elem in enumerate(elems):
        here = f"{where} keypoint {k}"
        yaw = _float(elem, "yaw", here) if elem.get("yaw") is not None else None
        try:
            points.append(
                Keypoint(_float(elem, "x", here), _float(elem, "y", here), _float(elem, "z", here, 0.0), yaw)
            )
        except ValueError as exc:
            raise RouteFileError(f"{here}: {one_line(exc)}") from exc
    return tuple(points), version


def _weathers(route: ET.Element, where: str) -> tuple[WeatherSpec, ...]:
    container = route.find("weathers")
    if container is not None:
        specs = []
        for elem in container.iter("weather"):
            attrs = dict(elem.attrib)
            if "route_percentage" not in attrs:
                raise RouteFileError(f"{where}: <weather> inside <weathers> has no 'route_percentage'")
            pct = _float(elem, "route_percentage", where)
            attrs.pop("route_percentage")
            specs.append(WeatherSpec(pct, attrs))
        return tuple(sorted(specs, key=lambda w: w.route_percentage))
    single = route.find("weather")
    return (WeatherSpec(0.0, dict(single.attrib)),) if single is not None else ()


def _scenarios(route: ET.Element, where: str) -> tuple[ScenarioSpec, ...]:
    container = route.find("scenarios")
    if container is None:
        return ()
    specs = []
    for elem in container.iter("scenario"):
        name = elem.get("name", "")
        here = f"{where} scenario {name!r}"
        triggers, params, actors = [], {}, []
        for child in elem:
            if child.tag == "trigger_point":
                triggers.append(
                    TriggerPoint(
                        _float(child, "x", here),
                        _float(child, "y", here),
                        _float(child, "z", here, 0.0),
                        _float(child, "yaw", here, 0.0),
                    )
                )
            elif child.tag == "other_actor":
                actors.append(dict(child.attrib))
            else:
                params[child.tag] = dict(child.attrib)
        try:
            specs.append(ScenarioSpec(name, elem.get("type", ""), tuple(triggers), params, tuple(actors)))
        except ValueError as exc:
            raise RouteFileError(f"{here}: {one_line(exc)}") from exc
    return tuple(specs)


def parse_routes_text(text: str, source: str = "<string>", routes_subset: str = "") -> list[RouteConfig]:
    """RouteConfigs from route-file XML text; `source` names the file in errors."""
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise RouteFileError(f"{source}: malformed XML ({exc})") from exc
    routes = [root] if root.tag == "route" else list(root.iter("route"))
    if not routes:
        raise RouteFileError(f"{source}: no <route> elements (root is <{root.tag}>)")
    ids = []
    for k, route in enumerate(routes):
        route_id = route.get("id")
        if not route_id:
            raise RouteFileError(f"{source}: route number {k} has no 'id' attribute")
        if route_id in ids:
            raise RouteFileError(f"{source}: route id {route_id!r} appears more than once")
        ids.append(route_id)
    order = select_route_ids(routes_subset, ids, source)
    wanted = set(order)
    configs: dict[str, RouteConfig] = {}
    for route in routes:
        route_id = route.get("id", "")
        if route_id not in wanted:
            continue
        where = f"{source}: route {route_id!r}"
        town = route.get("town") or route.get("map")
        if not town:
            raise RouteFileError(f"{where} has no 'town' attribute")
        keypoints, version = _keypoints(route, where)
        if len(keypoints) < 2:
            raise RouteFileError(f"{where} has {len(keypoints)} keypoint(s); a route needs at least 2")
        configs[route_id] = RouteConfig(
            id=route_id,
            town=town,
            keypoints=keypoints,
            weathers=_weathers(route, where),
            scenarios=_scenarios(route, where),
            format_version=version,
            source=source,
        )
    return [configs[i] for i in order]


def parse_routes_file(path: str | os.PathLike, routes_subset: str = "") -> list[RouteConfig]:
    """RouteConfigs of a leaderboard route file (1.0 or 2.x), optionally only `routes_subset`."""
    file = Path(path)
    if not file.is_file():
        raise RouteFileError(f"route file {str(file)!r} does not exist")
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RouteFileError(f"{file}: cannot read ({exc})") from exc
    return parse_routes_text(text, source=str(file), routes_subset=routes_subset)
