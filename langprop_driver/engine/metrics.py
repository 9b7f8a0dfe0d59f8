"""Metrics: one JSON line per step in metrics.jsonl, and TensorBoard scalars when it is installed."""

from __future__ import annotations

import json
import logging
import math
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)


class MetricsWriter:
    """Appends ``{"step": k, "train/...": ...}`` lines; on resume, drops lines past the resumed step."""

    def __init__(self, run_dir: Path, resume_step: int, tensorboard: bool = False) -> None:
        self.path = run_dir / "metrics.jsonl"
        if self.path.is_file():
            kept = [
                line
                for line in self.path.read_text().splitlines()
                if line and json.loads(line)["step"] <= resume_step
            ]
            self.path.write_text("".join(line + "\n" for line in kept))
        self._tensorboard = None
        if tensorboard:
            try:
                from torch.utils.tensorboard import SummaryWriter
            except ImportError:
                logger.warning(
                    "TensorBoard is not installed (pip install tensorboard); writing metrics.jsonl only"
                )
            else:
                self._tensorboard = SummaryWriter(str(run_dir / "tensorboard"))

    def write(self, step: int, values: dict[str, Any]) -> None:
        with self.path.open("a") as stream:
            stream.write(json.dumps({"step": step, **values}, sort_keys=True) + "\n")
        if self._tensorboard is not None:
            for name, value in values.items():
                if isinstance(value, int | float) and math.isfinite(value):
                    self._tensorboard.add_scalar(name, value, step)
            self._tensorboard.flush()

    def close(self) -> None:
        if self._tensorboard is not None:
            self._tensorboard.close()
