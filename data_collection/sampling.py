"""Prioritised sampling of frames: weight 1 per ordinary frame, `infraction_weight` per infraction frame.

`PrioritizedSampler` draws from one index with replacement; `mixed_sample` draws a fixed
share from an online index (policy-driven DAgger data) and the rest from an offline one
(expert-driven data). Both are reproducible from a seed or a `numpy.random.Generator`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .index import BufferIndex, FrameRef

Seed = int | np.random.Generator


def frame_weights(refs: Sequence[FrameRef], infraction_weight: float) -> np.ndarray:
    """Sampling weight of each frame (float64): `infraction_weight` for infraction frames, 1 for others."""
    if not infraction_weight > 0.0:
        raise ValueError(f"infraction_weight must be > 0, got {infraction_weight!r}")
    flags = np.fromiter((ref.infraction for ref in refs), dtype=bool, count=len(refs))
    return np.where(flags, float(infraction_weight), 1.0)


def _check_count(n: int) -> None:
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 0:
        raise ValueError(f"the number of frames to draw must be an int >= 0, got {n!r}")


class PrioritizedSampler:
    """Draws frames of one index with replacement, with probability proportional to their weight."""

    def __init__(self, index: BufferIndex, infraction_weight: float = 100.0, seed: Seed = 0) -> None:
        if not index.frames:
            raise ValueError("cannot sample from an index with no frames (is the buffer dir empty?)")
        self.frames = index.frames
        weights = frame_weights(index.frames, infraction_weight)
        self.probabilities = weights / weights.sum()
        """Probability of drawing each of `frames` in one draw."""
        self._rng = np.random.default_rng(seed)

    def sample(self, n: int) -> list[FrameRef]:
        """`n` frames drawn with replacement."""
        _check_count(n)
        picks = self._rng.choice(len(self.frames), size=n, replace=True, p=self.probabilities)
        return [self.frames[i] for i in picks]


def mixed_sample(
    online: BufferIndex,
    offline: BufferIndex,
    n: int,
    online_fraction: float = 0.5,
    infraction_weight: float = 100.0,
    seed: Seed = 0,
) -> list[FrameRef]:
    """`n` frames, round(n * online_fraction) of them from `online` and the rest from `offline`, shuffled.

    Each part is drawn by a `PrioritizedSampler`. If one index is empty, all `n` come from
    the other; both empty raises `ValueError`.
    """
    _check_count(n)
    if not 0.0 <= online_fraction <= 1.0:
        raise ValueError(f"online_fraction must be in [0, 1], got {online_fraction!r}")
    if not online.frames and not offline.frames:
        raise ValueError("both the online and the offline index are empty: nothing to sample")
    if not offline.frames:
        n_online = n
    elif not online.frames:
        n_online = 0
    else:
        n_online = int(np.floor(n * online_fraction + 0.5))
    rng = np.random.default_rng(seed)
    refs: list[FrameRef] = []
    for index, count in ((online, n_online), (offline, n - n_online)):
        if count:
            refs += PrioritizedSampler(index, infraction_weight, rng).sample(count)
    return [refs[i] for i in rng.permutation(len(refs))]
