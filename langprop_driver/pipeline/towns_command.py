"""`langprop-drive towns`: the bundled towns (and a user folder's) and the bundled route sets."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from langprop_driver.errors import LangPropDriveError
from leaderboard_adapter.evaluator.route_sets import bundled_route_sets
from leaderboard_adapter.roads.opendrive import InvalidOpenDriveError
from leaderboard_adapter.roads.towns import TownNotFoundError, bundled_town_names, load_town
from leaderboard_adapter.routes.route_parser import parse_routes_file

from .command_settings import TownsSettings


def run_towns(settings: TownsSettings) -> int:
    console = Console()
    towns = Table(title="Towns", header_style="bold")
    for column in ("town", "source", "junctions", "lights", "stop signs"):
        towns.add_column(column)
    names = bundled_town_names()
    if settings.town_dir is not None:
        names = sorted({*names, *(p.stem for p in settings.town_dir.glob("*.xodr"))})
    for name in names:
        try:
            town = load_town(name, town_dir=settings.town_dir)
        except (TownNotFoundError, InvalidOpenDriveError) as error:
            raise LangPropDriveError(str(error)) from error
        controls = town.junction_controls
        towns.add_row(
            name,
            town.source,
            str(len(controls)),
            str(sum("1000001" in kinds for kinds in controls.values())),
            str(sum("206" in kinds for kinds in controls.values())),
        )
    console.print(towns)
    sets = Table(title="Route sets", header_style="bold")
    for column in ("name", "routes", "towns", "file"):
        sets.add_column(column)
    for name, path in bundled_route_sets().items():
        routes = parse_routes_file(path)
        sets.add_row(name, str(len(routes)), ", ".join(sorted({r.town for r in routes})), str(path))
    console.print(sets)
    return 0
