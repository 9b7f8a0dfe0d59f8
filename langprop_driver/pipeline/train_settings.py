"""TrainSettings: what `langprop-drive train` does, from a TOML file and the command's flags (flags win)."""

from __future__ import annotations

import argparse
import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from langprop_driver.driving import TrainingMode
from langprop_driver.errors import LangPropDriveError

FITNESSES = ("closed_loop", "open_loop")
"""How candidates are selected: by driving routes in the embedded world (closed loop, the default) or
by their score on buffer frames alone (open loop, LangProp's way, for data from CARLA only)."""
STARTS = ("given", "zero-shot", "both")
"""First pool when the starting policy is not a checkpoint: the given policy alone, the LLM's zero-shot
answers to the setup prompt alone, or both."""


@dataclass(frozen=True)
class TrainSettings:
    """Settings of one `langprop-drive train` run (keys of the `--config` TOML file)."""

    model: str | None = None
    """LLM model name; None: OPENAI_MODEL, else the engine's default."""
    temperature: float = 0.7
    max_total_tokens: int | None = None
    """Token budget of this checkpoint folder (prompt + completion); None is unlimited."""
    max_retries: int = 5
    """Retries of a failed LLM request (HTTP 429, 5xx, a 200 that is no chat completion, timeouts), with
    exponential backoff."""
    request_timeout_s: float = 120.0
    """How long one LLM request may go unanswered before it counts as failed [s]; each retry waits as long."""
    updates: int = 2
    """Update steps added to the starting checkpoint's."""
    mode: str = "dagger_penalty"
    """TrainingMode value: offline, dagger, dagger_penalty or online."""
    samples: int = 256
    """Frames drawn (with replacement, prioritised) from the buffer as the training set."""
    validation_samples: int = 64
    """Frames drawn uniformly as the validation set (scored by the best candidate after each update); 0 none."""
    batch_size: int = 32
    infraction_weight: float = 100.0
    """Sampling weight of a frame within `lookahead_s` before an infraction (others weigh 1)."""
    lookahead_s: float = 2.0
    """How long before an infraction a frame counts as leading to it [s]."""
    online_fraction: float = 0.5
    """Share of the training frames drawn from --buffer when --expert-buffer is given."""
    start: str = "given"
    """First pool when the starting policy is not a checkpoint (see STARTS)."""
    seed: int = 0
    n_top: int = 2
    """Best candidates rewritten per update."""
    n_responses: int = 2
    """LLM answers per rewritten candidate."""
    max_keep: int = 8
    """Candidates kept in the pool."""
    call_timeout_s: float = 2.0
    """Wall-clock limit of one candidate call during scoring [s]."""
    fitness: str = "closed_loop"
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
    top_k: int = 4
    """Closed loop: new candidates per step driven (the best by open-loop score)."""
    margin: float | None = None
    """Closed loop: only new candidates within this of the best open-loop score are driven; None: top_k alone."""
    validate_top: int = 1
    """Closed loop: the best this many by training DS are validated per step."""
    workers: int = 0
    """Closed loop: route runs at once; 0: one per core (on Ray: the cluster's CPUs)."""
    ray: str | None = None
    """Closed loop: None for local worker processes (unless RAY_ADDRESS is set), "" for Ray at RAY_ADDRESS or on
    this machine, else the Ray cluster's address (`--ray [ADDRESS]`)."""
    online_samples: int = 256
    """Closed loop: frames the candidates visited (labelled by the expert) drawn into the training samples."""
    town_dir: str | None = None
    """Closed loop: look towns up here first (e.g. CARLA's own maps)."""

    def __post_init__(self) -> None:
        try:
            TrainingMode.parse(self.mode)
        except ValueError as error:
            raise LangPropDriveError(f"training settings: {error}") from None
        if self.fitness not in FITNESSES:
            raise LangPropDriveError(f"training settings: fitness must be one of {', '.join(FITNESSES)}, got {self.fitness!r}")
        if self.top_k < 1 or self.validate_top < 1 or self.workers < 0 or self.online_samples < 0:
            raise LangPropDriveError("training settings: need top_k >= 1, validate_top >= 1, workers >= 0, online_samples >= 0")
        if self.margin is not None and not self.margin >= 0:
            raise LangPropDriveError(f"training settings: margin must be >= 0, got {self.margin}")
        if self.start not in STARTS:
            raise LangPropDriveError(f"training settings: start must be one of {', '.join(STARTS)}, got {self.start!r}")
        positive = {"samples": self.samples, "batch_size": self.batch_size, "n_top": self.n_top,
                    "n_responses": self.n_responses, "max_keep": self.max_keep}  # fmt: skip
        for name, value in positive.items():
            if value < 1:
                raise LangPropDriveError(f"training settings: {name} must be >= 1, got {value}")
        if self.updates < 0 or self.validation_samples < 0 or self.max_retries < 0:
            raise LangPropDriveError("training settings: updates, validation_samples and max_retries must be >= 0")
        if self.max_keep < self.n_top:
            raise LangPropDriveError(f"training settings: max_keep ({self.max_keep}) must be >= n_top ({self.n_top})")
        if not 0.0 <= self.online_fraction <= 1.0:
            raise LangPropDriveError(f"training settings: online_fraction must be in [0, 1], got {self.online_fraction}")
        if not (self.infraction_weight > 0 and self.lookahead_s >= 0 and self.call_timeout_s > 0):
            raise LangPropDriveError("training settings: need infraction_weight > 0, lookahead_s >= 0, call_timeout_s > 0")
        if not self.request_timeout_s > 0:
            raise LangPropDriveError(f"training settings: request_timeout_s must be > 0, got {self.request_timeout_s}")

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
        known = {f.name: f for f in fields(cls)}
        unknown = sorted(set(values) - set(known))
        if unknown:
            raise LangPropDriveError(f"{origin}: unknown setting(s) {', '.join(unknown)}; known: {', '.join(known)}")
        for name, value in values.items():
            expected = _TYPES[known[name].type]
            if isinstance(value, bool) or not isinstance(value, expected):
                raise LangPropDriveError(f"{origin}: {name} must be {known[name].type}, got {value!r}")
        return cls(**values)

    def with_flags(self, args: argparse.Namespace) -> TrainSettings:
        """These settings with every flag of `train` that was given (not None)."""
        flags = {f.name: getattr(args, f.name) for f in fields(self) if getattr(args, f.name, None) is not None}
        return replace(self, **flags)


_TYPES: dict[str, tuple[type, ...]] = {
    "str | None": (str,),
    "str": (str,),
    "int | None": (int,),
    "int": (int,),
    "float": (int, float),
    "float | None": (int, float),
}
