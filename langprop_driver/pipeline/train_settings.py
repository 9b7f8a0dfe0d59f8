"""TrainSettings: what `langprop-drive train` does, from a TOML file and the command's flags (flags win)."""

from __future__ import annotations

import tomllib
from dataclasses import fields, replace
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

from pydantic import ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic.dataclasses import dataclass

from langprop_driver.driving import TrainingMode
from langprop_driver.errors import LangPropDriveError
from leaderboard_adapter.settings import validation_message

Fitness = Literal["closed_loop", "open_loop"]
"""How candidates are selected: by driving routes in the embedded world (closed loop, the default) or
by their score on buffer frames alone (open loop, LangProp's way, for data from CARLA only)."""
FITNESSES: tuple[str, ...] = get_args(Fitness)
Start = Literal["given", "zero-shot", "both"]
"""First pool when the starting policy is not a checkpoint: the given policy alone, the LLM's zero-shot
answers to the setup prompt alone, or both."""
STARTS: tuple[str, ...] = get_args(Start)

Positive = Annotated[int, Field(ge=1)]
Count = Annotated[int, Field(ge=0)]


@dataclass(frozen=True, config=ConfigDict(extra="forbid", strict=True))
class TrainSettings:
    """Settings of one `langprop-drive train` run (keys of the `--config` TOML file); pydantic checks each
    value's type (an int is a float, a bool is neither) and range when it is made, and `load` names the file."""

    model: str | None = None
    """LLM model name; None: OPENAI_MODEL, else the engine's default."""
    temperature: float = 0.7
    max_total_tokens: int | None = None
    """Token budget of this checkpoint folder (prompt + completion); None is unlimited."""
    max_retries: Count = 5
    """Retries of a failed LLM request (HTTP 429, 5xx, a 200 that is no chat completion, timeouts), with the
    openai client's exponential backoff (or the server's Retry-After)."""
    request_timeout_s: Annotated[float, Field(gt=0)] = 120.0
    """How long one LLM request may go unanswered before it counts as failed [s]; each retry waits as long."""
    updates: Count = 2
    """Update steps added to the starting checkpoint's."""
    mode: str = "dagger_penalty"
    """TrainingMode value: offline, dagger, dagger_penalty or online."""
    samples: Positive = 256
    """Frames drawn (with replacement, prioritised) from the buffer as the training set."""
    validation_samples: Count = 64
    """Frames drawn uniformly as the validation set (scored by the best candidate after each update); 0 none."""
    batch_size: Positive = 32
    infraction_weight: Annotated[float, Field(gt=0)] = 100.0
    """Sampling weight of a frame within `lookahead_s` before an infraction (others weigh 1)."""
    lookahead_s: Annotated[float, Field(ge=0)] = 2.0
    """How long before an infraction a frame counts as leading to it [s]."""
    online_fraction: Annotated[float, Field(ge=0, le=1)] = 0.5
    """Share of the training frames drawn from --buffer when --expert-buffer is given."""
    start: Start = "given"
    """First pool when the starting policy is not a checkpoint (see STARTS)."""
    seed: int = 0
    n_top: Positive = 2
    """Best candidates rewritten per update."""
    n_responses: Positive = 2
    """LLM answers per rewritten candidate."""
    max_keep: Positive = 8
    """Candidates kept in the pool."""
    call_timeout_s: Annotated[float, Field(gt=0)] = 2.0
    """Wall-clock limit of one candidate call during scoring [s]."""
    fitness: Fitness = "closed_loop"
    """See FITNESSES."""
    routes: str = "embedded_training"
    """Closed loop: the routes file (or bundled set) the candidates drive."""
    train_routes: str = "0,1,8,9,16,17"
    """Closed loop: the routes of that file driven for training fitness, feedback and online DAgger."""
    train_seeds: str = "11"
    """Closed loop: their seeds ('11', '11-12', '1,5')."""
    validation_routes: str = "2,3,10,11,18,19"
    """Closed loop: the routes driven to choose the best (never trained on); every bundled town, 30 to 60 km/h."""
    validation_seeds: str = "101"
    top_k: Positive = 4
    """Closed loop: new candidates per step driven (the best by open-loop score)."""
    margin: Annotated[float, Field(ge=0)] | None = None
    """Closed loop: only new candidates within this of the best open-loop score are driven; None: top_k alone."""
    validate_top: Positive = 1
    """Closed loop: the best this many by training DS are validated per step."""
    workers: Count = 0
    """Closed loop: route runs at once; 0: one per core (on Ray: the cluster's CPUs)."""
    ray: str | None = None
    """Closed loop: None for local worker processes (unless RAY_ADDRESS is set), "" for Ray at RAY_ADDRESS or on
    this machine, else the Ray cluster's address (`--ray [ADDRESS]`)."""
    online_samples: Count = 256
    """Closed loop: frames the candidates visited (labelled by the expert) drawn into the training samples."""
    town_dir: str | None = None
    """Closed loop: look towns up here first (e.g. CARLA's own maps)."""

    @field_validator("mode")
    @classmethod
    def _known_mode(cls, mode: str) -> str:
        TrainingMode.parse(mode)  # its ValueError names the modes
        return mode

    @model_validator(mode="after")
    def _pool_holds_the_rewritten(self) -> TrainSettings:
        if self.max_keep < self.n_top:
            raise ValueError(f"max_keep ({self.max_keep}) must be >= n_top ({self.n_top})")
        return self

    @property
    def training_mode(self) -> TrainingMode:
        return TrainingMode.parse(self.mode)

    @classmethod
    def load(cls, path: Path | None) -> TrainSettings:
        """Defaults, updated by the TOML file at `path` (None: none); unknown keys and bad types are errors."""
        if path is None:
            return cls()
        try:
            values = tomllib.loads(path.read_text())
        except OSError as error:
            raise LangPropDriveError(f"training config {path}: {error.strerror}") from None
        except tomllib.TOMLDecodeError as error:
            raise LangPropDriveError(f"training config {path}: {error}") from None
        return cls.from_dict(values, str(path))

    @classmethod
    def from_dict(cls, values: dict[str, Any], origin: str = "training settings") -> TrainSettings:
        """The settings of a table (a TOML file's); `LangPropDriveError` naming `origin` and each bad key."""
        try:
            return cls(**values)
        except ValidationError as error:
            raise LangPropDriveError(f"{origin}: {validation_message(error, cls)}") from None

    def overridden(self, flags: dict[str, Any]) -> TrainSettings:
        """These settings with every flag of `train` that was given (not None) in `flags` (flag name: value)."""
        given = {f.name: flags[f.name] for f in fields(self) if flags.get(f.name) is not None}
        try:
            return replace(self, **given)
        except ValidationError as error:
            raise LangPropDriveError(f"training settings: {validation_message(error, type(self))}") from None
