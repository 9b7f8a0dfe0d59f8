"""Which samples make up each training batch: seeded epochs of permutations, independent of history."""

from __future__ import annotations

import numpy as np


def batch_indices(n_samples: int, batch_size: int, step: int, seed: int) -> list[int]:
    """Indices of the samples of update ``step`` (1-based), the same on every run with this seed.

    Samples are drawn without replacement through a fresh permutation per epoch; a batch may
    straddle two epochs. A batch never holds more than ``n_samples`` samples.
    """
    if n_samples < 1 or batch_size < 1 or step < 1:
        raise ValueError("need n_samples >= 1, batch_size >= 1 and step >= 1")
    size = min(batch_size, n_samples)
    start = (step - 1) * size
    permutations: dict[int, np.ndarray] = {}
    indices = []
    for position in range(start, start + size):
        epoch, offset = divmod(position, n_samples)
        if epoch not in permutations:
            permutations[epoch] = np.random.default_rng([seed, epoch]).permutation(n_samples)
        indices.append(int(permutations[epoch][offset]))
    return indices
