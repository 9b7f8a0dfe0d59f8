"""The `langprop-drive` command line: evaluate routes in the embedded world, list towns and route sets."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from leaderboard_adapter.errors import LangPropDriveError


def _evaluate_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "evaluate",
        help="run an agent over leaderboard routes in the embedded world and write leaderboard results JSON",
        description="Mirrors the CARLA leaderboard evaluator's flags; runs in the embedded world (no CARLA server).",
    )
    p.add_argument("-a", "--agent", default="agents/route_follower_agent.py", help="agent file (defines get_entry_point())")
    p.add_argument("--agent-config", "--agent_config", dest="agent_config", default="", help="path handed to the agent's setup()")
    p.add_argument(
        "--routes", default="embedded_training", help="route XML file, or the name of a bundled route set (see `langprop-drive towns`)"
    )
    p.add_argument("--routes-subset", "--routes_subset", dest="routes_subset", default="", help="e.g. '0', '2-5', '0,3,7' (route ids)")
    p.add_argument("--repetitions", type=int, default=1, help="times each route is run (seed + repetition index)")
    p.add_argument("--checkpoint", default="results/simulation_results.json", help="results JSON (leaderboard format)")
    p.add_argument("--track", default="MAP", choices=["SENSORS", "MAP", "SENSORS_QUALIFIER", "MAP_QUALIFIER"])
    p.add_argument("--resume", action="store_true", help="continue from an existing --checkpoint file")
    p.add_argument("--seed", type=int, default=0, help="world seed (traffic, pedestrians, light phases)")
    p.add_argument(
        "--leaderboard-version",
        default="2.1",
        choices=["1.0", "2.0", "2.1"],
        help="agent construction convention, criteria thresholds and penalty scheme (2.1: additive; 1.0/2.0: multiplicative)",
    )
    p.add_argument("--town-dir", type=Path, default=None, help="folder of <Town>.xodr files searched before the bundled towns")
    p.add_argument("--xodr", type=Path, default=None, help="one OpenDRIVE file used for every route, whatever its town")
    p.add_argument("--vehicles", type=int, default=None, help="NPC vehicles (default: the world's default density)")
    p.add_argument("--walkers", type=int, default=None, help="pedestrians (default: the world's default density)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--debug", type=int, default=0, help="handed to 2.x agents' constructor (debug > 0)")
    p.add_argument("--host", default="localhost", help="handed to 2.x agents' constructor (no server is contacted)")
    p.add_argument("--port", type=int, default=2000, help="handed to 2.x agents' constructor")


def _towns_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("towns", help="list bundled towns and route sets")
    p.add_argument("--town-dir", type=Path, default=None, help="also list <Town>.xodr files in this folder")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="langprop-drive", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True)
    _evaluate_parser(sub)
    _towns_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        if args.command == "evaluate":
            from leaderboard_adapter.evaluator.evaluate_command import run_evaluate

            return run_evaluate(args)
        if args.command == "towns":
            from leaderboard_adapter.evaluator.towns_command import run_towns

            return run_towns(args)
    except LangPropDriveError as error:
        print(f"langprop-drive: error: {error}", file=sys.stderr)
        return 2
    return 1


if __name__ == "__main__":
    sys.exit(main())
