"""Training and validation samples for `langprop-drive train`, drawn from replay-buffer folders.

Only frames the training mode trains on are drawn (OFFLINE_IMITATION: expert-driven frames;
ONLINE: frames before an infraction; the DAgger modes: all). The training set is drawn with
replacement, frames before an infraction weighted `infraction_weight` (prioritised replay);
with an expert buffer, `online_fraction` of it comes from the DAgger buffer and the rest from
the expert's. The validation set is drawn uniformly from the DAgger buffer with another seed.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from data_collection import BufferIndex, FrameRef, PrioritizedSampler, ShardFormatError, mixed_sample
from langprop_driver.driving import TrainingMode, samples_from_frames
from langprop_driver.engine import Sample
from langprop_driver.errors import LangPropDriveError

from .train_settings import TrainSettings


@dataclass(frozen=True)
class TrainingData:
    """The drawn samples and what they were drawn from."""

    train: list[Sample]
    validation: list[Sample]
    index: BufferIndex
    """The DAgger buffer's frames that the mode trains on."""
    expert_index: BufferIndex | None

    def describe(self) -> str:
        marked = len(self.index.frames_with_infractions())
        text = (
            f"{len(self.index.shards)} shards, {len(self.index.frames)} usable frames ({marked} before an infraction)"
        )
        if self.expert_index is not None:
            text += f", expert buffer {len(self.expert_index.frames)} frames"
        return f"{text}; drew {len(self.train)} training and {len(self.validation)} validation samples"


def _keeps(mode: TrainingMode, ref: FrameRef) -> bool:
    if mode is TrainingMode.OFFLINE_IMITATION:
        return ref.driver == "expert"
    if mode is TrainingMode.ONLINE:
        return ref.infraction
    return True


def scan_buffers(folders: Sequence[Path], settings: TrainSettings) -> BufferIndex:
    """One index over every folder's shards, keeping only the frames `settings.mode` trains on."""
    indexes: list[BufferIndex] = []
    for folder in folders:
        if not folder.is_dir():
            raise LangPropDriveError(f"buffer {folder}: no such folder")
        try:
            indexes.append(BufferIndex.scan(folder, lookahead_s=settings.lookahead_s))
        except ShardFormatError as error:
            raise LangPropDriveError(f"buffer {folder}: {error}") from None
    mode = settings.training_mode
    frames = [ref for index in indexes for ref in index.frames if _keeps(mode, ref)]
    shards = [shard for index in indexes for shard in index.shards]
    return dataclasses.replace(indexes[0], frames=frames, shards=shards)


def _load(index: BufferIndex, refs: Sequence[FrameRef], mode: TrainingMode) -> list[Sample]:
    try:
        return samples_from_frames([index.load(ref) for ref in refs], mode)
    except (ShardFormatError, ValueError) as error:
        raise LangPropDriveError(f"replay buffer: {error}") from None


def draw_training_data(
    buffers: Sequence[Path], expert_buffer: Path | None, settings: TrainSettings
) -> TrainingData:
    """Training and validation samples as the module docstring says; clear errors for empty or bad buffers."""
    mode = settings.training_mode
    index = scan_buffers(buffers, settings)
    expert_index = scan_buffers([expert_buffer], settings) if expert_buffer is not None else None
    if not index.frames and not (expert_index and expert_index.frames):
        where = ", ".join(str(b) for b in buffers)
        raise LangPropDriveError(
            f"buffer {where}: no frames that mode {mode.value!r} trains on ({len(index.shards)} shards); "
            "collect first (`langprop-drive collect`)"
            + (", or pick another --mode" if mode in (TrainingMode.OFFLINE_IMITATION, TrainingMode.ONLINE) else "")
        )
    if expert_index is not None:
        refs = mixed_sample(
            index, expert_index, settings.samples, settings.online_fraction, settings.infraction_weight, settings.seed
        )
    else:
        refs = PrioritizedSampler(index, settings.infraction_weight, settings.seed).sample(settings.samples)
    validation_refs: list[FrameRef] = []
    if settings.validation_samples and index.frames:
        validation_refs = PrioritizedSampler(index, 1.0, settings.seed + 1).sample(settings.validation_samples)
    return TrainingData(_load(index, refs, mode), _load(index, validation_refs, mode), index, expert_index)
