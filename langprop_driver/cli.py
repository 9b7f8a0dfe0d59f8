"""The `langprop-drive` command line: evaluate agents, collect DAgger data, train policies, replay infractions, run the loop."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from langprop_driver.errors import LangPropDriveError
from leaderboard_adapter.errors import AdapterError


def _world_arguments(p: argparse.ArgumentParser) -> None:
    """Flags that choose the routes and shape the embedded world, shared by evaluate, collect and replay."""
    p.add_argument(
        "--routes", default="embedded_training", help="route XML file, or the name of a bundled route set (see `langprop-drive towns`)"
    )
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


def _run_arguments(p: argparse.ArgumentParser) -> None:
    """Flags of commands that run many routes: subset, repetitions, progress."""
    p.add_argument("--routes-subset", "--routes_subset", dest="routes_subset", default="", help="e.g. '0', '2-5', '0,3,7' (route ids)")
    p.add_argument("--repetitions", type=int, default=1, help="times each route is run (seed + repetition index)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--workers", type=int, default=0, help="route runs at once (default 0: one per core; on Ray, the cluster's CPUs)")
    _ray_argument(p)


def _ray_argument(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--ray", nargs="?", const="", default=None, metavar="ADDRESS",
        help="route runs on a Ray cluster: ADDRESS as `ray start --head` printed it; without it RAY_ADDRESS, else a Ray "
        "instance on this machine (RAY_ADDRESS alone also selects Ray)",
    )


def _evaluate_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "evaluate",
        help="run an agent over leaderboard routes in the embedded world and write leaderboard results JSON",
        description="Mirrors the CARLA leaderboard evaluator's flags; runs in the embedded world (no CARLA server).",
    )
    p.add_argument("-a", "--agent", default=None, help="agent file (defines get_entry_point()); default: the LangProp agent (agents/langprop_agent.py), "
                   "whose --agent-config defaults to the shipped baseline policy")
    p.add_argument("--agent-config", "--agent_config", dest="agent_config", default="", help="path handed to the agent's setup()")
    p.add_argument(
        "--policy",
        default=None,
        help="shorthand for `-a agents/langprop_agent.py --agent-config POLICY`: a policy checkpoint folder, a .py file, "
        "'baseline' or a .toml/.json agent config; refused before any route runs when it fails the static checks",
    )
    p.add_argument(
        "--step-timeout-s", type=float, default=None,
        help="with --policy: a slower policy call brakes the car for that step (default: the agent config's, 0.2)",
    )
    _world_arguments(p)
    _run_arguments(p)
    p.add_argument("--checkpoint", default="results/simulation_results.json", help="results JSON (leaderboard format)")
    p.add_argument("--track", default="MAP", choices=["SENSORS", "MAP", "SENSORS_QUALIFIER", "MAP_QUALIFIER"])
    p.add_argument("--resume", action="store_true", help="continue from an existing --checkpoint file")
    p.add_argument("--seed", type=int, default=0, help="world seed (traffic, pedestrians, light phases)")
    p.add_argument("--debug", type=int, default=0, help="handed to 2.x agents' constructor (debug > 0)")
    p.add_argument("--host", default="localhost", help="handed to 2.x agents' constructor (no server is contacted)")
    p.add_argument("--port", type=int, default=2000, help="handed to 2.x agents' constructor")


def _collect_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "collect",
        help="DAgger collection: the policy drives the routes, the expert labels, frames go to the replay buffer",
        description="Runs agents/dagger_agent.py over the routes in the embedded world, once per seed; one shard per "
        "route run goes to --buffer, and one leaderboard results JSON per seed to --results-dir.",
    )
    p.add_argument("--policy", default="baseline", help="a policy checkpoint folder, a .py file or 'baseline' (default)")
    p.add_argument("--candidate", default=None, help="drive with this candidate of the checkpoint instead of its best")
    p.add_argument("--buffer", type=Path, default=Path("runs/buffer"), help="replay-buffer folder the shards go to")
    p.add_argument("--results-dir", type=Path, default=None, help="where results JSON go (default: BUFFER/results)")
    p.add_argument("--seeds", default="0", help="world seeds, e.g. '0', '0-2', '1,5' (one evaluation each)")
    p.add_argument("--beta", type=float, default=0.0, help="probability per step that the expert drives (DAgger mixing)")
    p.add_argument("--frame-rate-hz", type=float, default=2.0, help="frames kept per simulated second")
    p.add_argument("--step-timeout-s", type=float, default=0.2, help="a slower policy call brakes the car for that step")
    p.add_argument("--agent-seed", type=int, default=0, help="seed of the beta mixing")
    p.add_argument("--resume", action="store_true", help="continue the results files of an interrupted collection")
    _world_arguments(p)
    _run_arguments(p)


def _train_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "train",
        help="LangProp training on the replay buffer: policy checkpoint + buffer -> new checkpoint",
        description="Scores the policy's candidates in a cascade (static checks; buffer frames against the expert's "
        "labels and infraction penalties; then driving training routes in the embedded world), keeps as best the one "
        "with the highest driving score on validation routes, asks the LLM (OPENAI_BASE_URL, OPENAI_API_KEY) to "
        "rewrite the best by training DS, shown its infractions, and writes a new checkpoint folder with a plot of the "
        "scores per update. Running the same command again resumes it.",
    )
    p.add_argument("--policy", default="baseline", help="the starting policy: a checkpoint folder, a .py file or 'baseline'")
    p.add_argument("--buffer", type=Path, action="append", required=True, help="replay-buffer folder (repeatable)")
    p.add_argument("--out", type=Path, required=True, help="the new checkpoint folder")
    p.add_argument("--config", type=Path, default=None, help="training settings (.toml); flags below override it")
    p.add_argument("--model", default=None, help="LLM model name (default: config, then OPENAI_MODEL, then gpt-4o-mini)")
    p.add_argument("--updates", type=int, default=None, help="update steps to add to the starting checkpoint")
    p.add_argument("--request-timeout-s", type=float, default=None,
                   help="seconds one LLM request may go unanswered before it is retried (default: config, then 120)")
    p.add_argument("--mode", default=None, choices=["offline", "dagger", "dagger_penalty", "online"], help="training mode")
    p.add_argument("--samples", type=int, default=None, help="frames drawn from the buffer for training")
    p.add_argument("--batch-size", type=int, default=None, help="frames per update step")
    p.add_argument("--expert-buffer", type=Path, default=None, help="offline expert-driven frames to mix in")
    p.add_argument("--online-fraction", type=float, default=None, help="share of frames from --buffer when mixing")
    p.add_argument("--infraction-weight", type=float, default=None, help="sampling weight of frames before an infraction")
    p.add_argument("--start", default=None, choices=["given", "zero-shot", "both"], help="first pool when --policy is not a checkpoint")
    p.add_argument("--seed", type=int, default=None, help="seed of sampling, batches and tie-breaks")
    p.add_argument("--fitness", default=None, choices=["closed_loop", "open_loop"],
                   help="select by driving routes in the embedded world (default) or by the buffer score alone")
    p.add_argument("--train-routes", default=None, help="closed loop: routes driven for training fitness (default 0,1,8,9,16,17)")
    p.add_argument("--train-seeds", default=None, help="closed loop: their seeds (default 11)")
    p.add_argument("--validation-routes", default=None, help="closed loop: routes that choose the best (default 2,3,10,11,18,19)")
    p.add_argument("--validation-seeds", default=None, help="closed loop: their seeds (default 101)")
    p.add_argument("--routes", default=None, help="closed loop: the routes file or bundled set (default embedded_training)")
    p.add_argument("--town-dir", default=None, help="closed loop: look towns up here first (e.g. CARLA's maps)")
    p.add_argument("--top-k", type=int, default=None, help="closed loop: new candidates driven per step (default 4)")
    p.add_argument("--workers", type=int, default=None, help="closed loop: route runs at once (default: one per core)")
    _ray_argument(p)
    p.add_argument("--no-progress", action="store_true", help="no progress bar")


def _replay_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "replay",
        help="re-simulate an infraction and film it from above (mp4), optionally with a newer policy",
        description="Takes an infraction from a results file (--results, --route-id) or a buffer shard (--shard), "
        "re-drives its route in the embedded world with the same seed, and writes a bird's-eye video around it "
        "with the policy's and the expert's actions drawn.",
    )
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--results", type=Path, help="leaderboard results JSON of an embedded evaluation or collection")
    where.add_argument("--shard", type=Path, help="a replay-buffer shard")
    p.add_argument("--route-id", default=None, help="with --results: the record, e.g. RouteScenario_3_rep0")
    p.add_argument("--kind", required=True, help="infraction kind as in results files, e.g. red_light, collisions_vehicle")
    p.add_argument("--occurrence", type=int, default=0, help="which infraction of that kind (0: the first)")
    p.add_argument("--policy", default=None, help="the policy that drove (default with --shard: the shard's)")
    p.add_argument("--compare", default=None, help="a newer policy to re-run on the same scenario (second video)")
    p.add_argument("--out", type=Path, default=Path("replay.mp4"), help="video file (mp4)")
    p.add_argument("--before-s", type=float, default=6.0, help="seconds filmed before the infraction")
    p.add_argument("--after-s", type=float, default=2.0, help="seconds filmed after it")
    p.add_argument("--seed", type=int, default=0, help="with --results: the evaluation's --seed (with --routes, "
                   "--vehicles, --walkers and --leaderboard-version: they must be the evaluation's)")
    p.add_argument("--beta", type=float, default=0.0, help="with --results: the collection's --beta")
    p.add_argument("--agent-seed", type=int, default=0, help="with --results: the collection's --agent-seed")
    _world_arguments(p)


def _towns_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("towns", help="list bundled towns and route sets")
    p.add_argument("--town-dir", type=Path, default=None, help="also list <Town>.xodr files in this folder")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="langprop-drive", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True)
    _evaluate_parser(sub)
    _collect_parser(sub)
    _train_parser(sub)
    _replay_parser(sub)
    _towns_parser(sub)
    from langprop_driver.pipeline.loop_command import add_parsers as add_loop_parsers

    add_loop_parsers(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    if not args.verbose:  # one line per LLM request is noise next to the progress bar
        for name in ("httpx", "httpx2", "openai"):
            logging.getLogger(name).setLevel(logging.WARNING)
    try:
        from langprop_driver.pipeline import command_settings as flags

        if args.command == "evaluate":
            from langprop_driver.pipeline.evaluate_command import run_evaluate

            return run_evaluate(flags.EvaluateSettings.from_flags(args))
        if args.command == "collect":
            from langprop_driver.pipeline.collect_command import run_collect

            return run_collect(flags.CollectSettings.from_flags(args))
        if args.command == "train":
            from langprop_driver.pipeline.train_command import run_train

            return run_train(flags.TrainCommandSettings.from_flags(args))
        if args.command == "replay":
            from langprop_driver.pipeline.replay_command import run_replay

            return run_replay(flags.ReplaySettings.from_flags(args))
        if args.command == "loop":
            from langprop_driver.pipeline.loop_command import run_loop

            return run_loop(flags.LoopSettings.from_flags(args), main)
        if args.command == "loop-evaluate":
            from langprop_driver.pipeline.loop_command import run_loop_evaluate

            return run_loop_evaluate(flags.LoopEvaluateSettings.from_flags(args), main)
        if args.command == "loop-train":
            from langprop_driver.pipeline.loop_command import run_loop_train

            return run_loop_train(flags.LoopTrainSettings.from_flags(args), main)
        if args.command == "towns":
            from langprop_driver.pipeline.towns_command import run_towns

            return run_towns(flags.TownsSettings.from_flags(args))
    except (AdapterError, LangPropDriveError) as error:
        print(f"langprop-drive: error: {error}", file=sys.stderr)
        return 2
    return 1


if __name__ == "__main__":
    sys.exit(main())
