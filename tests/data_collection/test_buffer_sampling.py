"""Prioritised sampling, online/offline mixing and the torch dataset over a real buffer."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from buffer_helpers import write_shard
from torch.utils.data import WeightedRandomSampler

from data_collection import BufferIndex, FrameDataset, PrioritizedSampler, mixed_sample

EXPECTED_INFRACTION_SHARE = 10 * 100.0 / (990 + 10 * 100.0)
"""10 infraction frames of weight 100 among 1000 frames: about 50 % of the draws."""


@pytest.fixture(scope="module")
def buffer_1000(tmp_path_factory: pytest.TempPathFactory) -> BufferIndex:
    """1000 frames in two shards, two collisions marking 5 frames each (2 s at 2 Hz, both ends)."""
    buffer_dir = tmp_path_factory.mktemp("buffer")
    write_shard(
        buffer_dir, "RouteScenario_1", n_frames=500, events=[(100.0, "collisions_vehicle")], flush_every=500
    )
    write_shard(buffer_dir, "RouteScenario_2", n_frames=500, events=[(50.0, "red_light")], flush_every=500)
    index = BufferIndex.scan(buffer_dir, lookahead_s=2.0)
    assert (len(index), len(index.frames_with_infractions())) == (1000, 10)
    return index


def test_infraction_frames_are_drawn_at_their_weighted_rate(buffer_1000: BufferIndex) -> None:
    refs = PrioritizedSampler(buffer_1000, infraction_weight=100.0, seed=0).sample(4000)
    share = sum(ref.infraction for ref in refs) / len(refs)
    assert share == pytest.approx(EXPECTED_INFRACTION_SHARE, abs=0.04)
    uniform = PrioritizedSampler(buffer_1000, infraction_weight=1.0, seed=0).sample(4000)
    assert sum(ref.infraction for ref in uniform) / 4000 == pytest.approx(0.01, abs=0.01)


def test_sampler_is_reproducible_with_a_seed(buffer_1000: BufferIndex) -> None:
    draw = [PrioritizedSampler(buffer_1000, seed=seed).sample(50) for seed in (3, 3, 4)]
    assert draw[0] == draw[1]
    assert draw[0] != draw[2]


def test_sampler_refuses_an_empty_index_and_bad_arguments(tmp_path: Path, buffer_1000: BufferIndex) -> None:
    with pytest.raises(ValueError, match="index with no frames"):
        PrioritizedSampler(BufferIndex.scan(tmp_path))
    with pytest.raises(ValueError, match="infraction_weight must be > 0"):
        PrioritizedSampler(buffer_1000, infraction_weight=0.0)
    with pytest.raises(ValueError, match="number of frames to draw"):
        PrioritizedSampler(buffer_1000).sample(-1)


@pytest.fixture(scope="module")
def offline_index(tmp_path_factory: pytest.TempPathFactory) -> BufferIndex:
    buffer_dir = tmp_path_factory.mktemp("offline")
    write_shard(buffer_dir, "RouteScenario_8", n_frames=30)
    return BufferIndex.scan(buffer_dir)


def test_mixed_sample_takes_the_online_fraction(buffer_1000: BufferIndex, offline_index: BufferIndex) -> None:
    online_shards = {s.path for s in buffer_1000.shards}
    refs = mixed_sample(online=buffer_1000, offline=offline_index, n=100, online_fraction=0.3, seed=0)
    assert len(refs) == 100
    assert sum(ref.shard in online_shards for ref in refs) == 30
    assert any(ref.shard in online_shards for ref in refs[:50]) and any(
        ref.shard not in online_shards for ref in refs[:50]
    ), "online and offline frames are shuffled together"
    again = mixed_sample(online=buffer_1000, offline=offline_index, n=100, online_fraction=0.3, seed=0)
    assert refs == again


def test_mixed_sample_draws_all_from_the_nonempty_side(
    tmp_path: Path, buffer_1000: BufferIndex, offline_index: BufferIndex
) -> None:
    empty = BufferIndex.scan(tmp_path)
    offline_shards = {s.path for s in offline_index.shards}
    only_offline = mixed_sample(online=empty, offline=offline_index, n=40, online_fraction=0.9)
    assert len(only_offline) == 40 and all(ref.shard in offline_shards for ref in only_offline)
    only_online = mixed_sample(online=buffer_1000, offline=empty, n=40, online_fraction=0.1)
    assert len(only_online) == 40 and not any(ref.shard in offline_shards for ref in only_online)
    with pytest.raises(ValueError, match="both the online and the offline index are empty"):
        mixed_sample(online=empty, offline=empty, n=10)
    with pytest.raises(ValueError, match=r"online_fraction must be in \[0, 1\]"):
        mixed_sample(online=buffer_1000, offline=offline_index, n=10, online_fraction=1.5)


def test_frame_dataset_items_are_loaded_frames(buffer_1000: BufferIndex) -> None:
    dataset = FrameDataset(buffer_1000)
    assert len(dataset) == 1000
    for i in (0, 200, 999):
        assert dataset[i] == buffer_1000.load(buffer_1000.frames[i])
    assert dataset[200]["infraction"] == {"kinds": ["collisions_vehicle"], "seconds_before": 0.0}


def test_frame_dataset_weights_drive_a_weighted_random_sampler(buffer_1000: BufferIndex) -> None:
    dataset = FrameDataset(buffer_1000)
    weights = dataset.weights(infraction_weight=100.0)
    assert weights.dtype == torch.float64 and weights.shape == (1000,)
    assert weights.sum().item() == 990 + 10 * 100.0
    sampler = WeightedRandomSampler(weights, num_samples=3000, generator=torch.Generator().manual_seed(0))
    loader = torch.utils.data.DataLoader(dataset, batch_size=100, sampler=sampler, collate_fn=list)
    flags = [item["infraction"] is not None for batch in loader for item in batch]
    assert len(flags) == 3000
    assert sum(flags) / len(flags) == pytest.approx(EXPECTED_INFRACTION_SHARE, abs=0.04)
