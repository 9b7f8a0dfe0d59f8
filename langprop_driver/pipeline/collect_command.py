"""`langprop-drive collect`: DAgger collection in the embedded world, one evaluation of the DAgger agent per seed.

The policy drives (the expert with probability `--beta`), the expert labels every step, and the
DAgger agent writes one replay-buffer shard per route run; the route runs of every seed go to the
executor at once (`--workers` local processes, or Ray with `--ray`), and their shards come back to this process, which writes them
into `--buffer` together with the run's record. Each seed's evaluation keeps a leaderboard results file
in `--results-dir` (`collect_seed<s>.json`), so an interrupted collection goes on with `--resume`:
finished routes are skipped, and the runs that were cut off are driven again (a cut-off run leaves no
shard: the buffer holds exactly the shards of the recorded runs).
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
from dataclasses import asdict
from pathlib import Path

from data_collection import BufferIndex, ShardFormatError
from langprop_driver.agent_paths import DAGGER_AGENT
from langprop_driver.agent_runtime.config import AgentConfig, absolute_policy
from langprop_driver.agent_runtime.policy_source import checked_policy
from langprop_driver.errors import LangPropDriveError
from langprop_driver.pipeline.command_settings import CollectSettings
from langprop_driver.pipeline.evaluate_command import (
    EvaluationRequest,
    evaluate_runs,
    plan_from,
    world_config_for,
)
from leaderboard_adapter.evaluator.route_runner import AgentSpec
from leaderboard_adapter.executor import ExecutorSettings, executor_for

logger = logging.getLogger(__name__)
AGENT_CONFIG_FILE = "dagger_config.json"
_SEEDS = re.compile(r"(\d+)(?:-(\d+))?")


def parse_seeds(text: str) -> list[int]:
    """Seeds of `--seeds`: '0', '0-2' (inclusive), '1,5,7' or a mix; each >= 0 and once, in the order given."""
    seeds: list[int] = []
    for part in text.replace(" ", "").split(","):
        match = _SEEDS.fullmatch(part)
        low, high = (int(match[1]), int(match[2] or match[1])) if match else (1, 0)
        if high < low:
            raise LangPropDriveError(f"--seeds {text!r}: {part!r} is not a seed >= 0 or an ascending range like 0-2")
        for seed in range(low, high + 1):
            if seed in seeds:
                raise LangPropDriveError(f"--seeds {text!r}: seed {seed} is given twice")
            seeds.append(seed)
    return seeds


def dagger_config(settings: CollectSettings) -> AgentConfig:
    """The DAgger agent's settings for this collection; a policy that does not exist or fails the trainer's
    static checks is an error here, before any route runs."""
    config = AgentConfig.from_dict({
        "policy": absolute_policy(settings.policy),
        "candidate": settings.candidate,
        "step_timeout_s": settings.step_timeout_s,
        "beta": settings.beta,
        "buffer_dir": str(settings.buffer.resolve()),
        "frame_rate_hz": settings.frame_rate_hz,
        "seed": settings.agent_seed,
    })  # fmt: skip
    checked_policy(config)
    return config


def _buffer_summary(buffer: Path) -> str:
    try:
        index = BufferIndex.scan(buffer)
    except (FileNotFoundError, ShardFormatError) as error:
        return f"buffer {buffer}: cannot be indexed ({error})"
    marked = len(index.frames_with_infractions())
    return f"buffer {buffer}: {len(index.shards)} shards, {len(index.frames)} frames, {marked} before an infraction"


def run_collect(settings: CollectSettings) -> int:
    """Run the collection of the `collect` flags; the process exit code."""
    seeds = parse_seeds(settings.seeds)
    runs = plan_from(settings)
    world_config = world_config_for(settings.vehicles, settings.walkers)
    config = dagger_config(settings)
    results_dir = settings.results_dir if settings.results_dir is not None else settings.buffer / "results"
    results_dir.mkdir(parents=True, exist_ok=True)
    settings.buffer.mkdir(parents=True, exist_ok=True)
    config_path = results_dir / AGENT_CONFIG_FILE
    config_text = json.dumps({k: v for k, v in asdict(config).items() if v is not None}, indent=2) + "\n"
    config_path.write_text(config_text)
    agent = AgentSpec(DAGGER_AGENT, str(config_path.resolve()), settings.leaderboard_version, "MAP")
    print(f"collect: seeds {settings.seeds}, {len(seeds)} x {len(runs)} route runs, policy {settings.policy}, beta {settings.beta}")
    with contextlib.closing(executor_for(ExecutorSettings(settings.workers, settings.ray))) as executor:
        requests = [
            EvaluationRequest(
                runs=runs,
                agent=agent,
                world_config=world_config,
                checkpoint=results_dir / f"collect_seed{seed}.json",
                seed=seed,
                leaderboard_version=settings.leaderboard_version,
                executor=executor,
                resume=settings.resume,
                progress=not settings.no_progress,
                output_dir=settings.buffer,
                agent_config_text=config_text,
            )
            for seed in seeds
        ]
        code = evaluate_runs(*requests)
        if code != 0:
            return code
    print(_buffer_summary(settings.buffer))
    return 0
