"""What each `langprop-drive` command runs with: its parsed flags as a checked pydantic model (extra="forbid").

The CLI builds one with `from_flags(args)` and hands it to the command's `run_*` function; the flags' defaults
and help stay in `cli.py` (and `loop_command.add_parsers`), so every field here is required: a model is made
from a whole parse, or in code with every value given. `train` also reads its TOML settings here, the flags
given overriding them (`TrainCommandSettings.settings`). Field names are the flags' `dest`s, in their order.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, ValidationError

from langprop_driver.errors import LangPropDriveError
from leaderboard_adapter.settings import validation_message

from .train_settings import TrainSettings


class CommandSettings(BaseModel):
    """The flags of one command, checked; `verbose` is the `langprop-drive -v` flag every command has."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    verbose: bool

    @classmethod
    def from_flags(cls, args: argparse.Namespace) -> Self:
        """The settings of a parse of the command's flags; `LangPropDriveError` naming a flag that does not fit."""
        return cls._validated({key: value for key, value in vars(args).items() if key != "command"}, args.command)

    @classmethod
    def _validated(cls, values: dict[str, Any], command: str) -> Self:
        try:
            return cls.model_validate(values)
        except ValidationError as error:
            raise LangPropDriveError(f"langprop-drive {command}: {validation_message(error, cls)}") from None


class RoutesFlags(CommandSettings):
    """`--routes` and the world's flags, shared by evaluate, collect and replay (see `cli._world_arguments`)."""

    routes: str
    leaderboard_version: str
    town_dir: Path | None
    xodr: Path | None
    vehicles: int | None
    walkers: int | None


class RunFlags(RoutesFlags):
    """Commands that run many routes: subset, repetitions, progress and the executor (`cli._run_arguments`)."""

    routes_subset: str
    repetitions: int
    no_progress: bool
    workers: int
    ray: str | None


class EvaluateSettings(RunFlags):
    """`langprop-drive evaluate`."""

    agent: str | None
    agent_config: str
    policy: str | None
    step_timeout_s: float | None
    checkpoint: str
    track: str
    resume: bool
    seed: int
    debug: int
    host: str
    port: int


class CollectSettings(RunFlags):
    """`langprop-drive collect`."""

    policy: str
    candidate: str | None
    buffer: Path
    results_dir: Path | None
    seeds: str
    beta: float
    frame_rate_hz: float
    step_timeout_s: float
    agent_seed: int
    resume: bool


class TrainCommandSettings(CommandSettings):
    """`langprop-drive train`: the run's inputs, and `settings`: the `--config` TOML's, overridden by the flags given."""

    policy: str
    buffer: list[Path]
    out: Path
    expert_buffer: Path | None
    no_progress: bool
    settings: TrainSettings

    @classmethod
    def from_flags(cls, args: argparse.Namespace) -> Self:
        flags = {key: value for key, value in vars(args).items() if key != "command"}
        settings = TrainSettings.load(flags.pop("config")).overridden(flags)
        tunable = set(TrainSettings.__pydantic_fields__)
        return cls._validated({**{k: v for k, v in flags.items() if k not in tunable}, "settings": settings}, args.command)


class ReplaySettings(RoutesFlags):
    """`langprop-drive replay`."""

    results: Path | None
    shard: Path | None
    route_id: str | None
    kind: str
    occurrence: int
    policy: str | None
    compare: str | None
    out: Path
    before_s: float
    after_s: float
    seed: int
    beta: float
    agent_seed: int


class TownsSettings(CommandSettings):
    """`langprop-drive towns`."""

    town_dir: Path | None


class LoopSettings(CommandSettings):
    """`langprop-drive loop` (its `model_dump` is the run's command log, flags in their order)."""

    run_dir: Path
    iterations: int
    policy: str
    routes: str | None
    routes_subset: str
    repetitions: int
    seeds: str
    beta: float
    beta_decay: float
    updates: int | None
    model: str | None
    train_config: Path | None
    evaluate: bool
    eval_routes: str | None
    eval_routes_subset: str | None
    collect_only: bool
    servers: int
    max_restarts: int | None
    workers: int | None
    ray: str | None
    extra: list[str]


class LoopEvaluateSettings(CommandSettings):
    """`langprop-drive loop-evaluate`."""

    policy: str | None
    agent: Path | None
    agent_config: str
    routes: str | None
    routes_subset: str
    repetitions: int
    seed: int
    checkpoint: Path
    track: str
    force: bool
    log_dir: Path | None
    max_restarts: int | None
    workers: int | None
    ray: str | None
    extra: list[str]


class LoopTrainSettings(CommandSettings):
    """`langprop-drive loop-train`."""

    run_dir: Path
    policy: str
    buffer: list[Path] | None
    out: Path | None
    updates: int | None
    model: str | None
    config: Path | None
    extra: list[str]
