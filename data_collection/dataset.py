"""`FrameDataset`: a buffer index as a `torch.utils.data.Dataset` of frame dicts, with sampling weights."""

from __future__ import annotations

from typing import Any

import torch
from torch.utils.data import Dataset

from .index import BufferIndex
from .sampling import frame_weights


class FrameDataset(Dataset):
    """Item i is `index.load(index.frames[i])`: the frame's record, its infraction mark, route and shard.

    Items are plain dicts (observations vary in length), so batch them with a
    `collate_fn` that suits the trainer, e.g. `collate_fn=list`.
    """

    def __init__(self, index: BufferIndex) -> None:
        self.index = index

    def __len__(self) -> int:
        return len(self.index.frames)

    def __getitem__(self, i: int) -> dict[str, Any]:
        return self.index.load(self.index.frames[i])

    def weights(self, infraction_weight: float = 100.0) -> torch.Tensor:
        """Per-item sampling weights (float64) for `torch.utils.data.WeightedRandomSampler`."""
        return torch.from_numpy(frame_weights(self.index.frames, infraction_weight))
