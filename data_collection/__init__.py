"""DAgger replay buffer: shard writers, index, prioritised sampling, training datasets.

A collection agent writes each route run to one append-only, crash-safe JSON Lines shard
(:class:`ShardWriter`; header, frames with the observation, the policy's and the expert's
actions, infraction events); :class:`BufferIndex` lists every frame of a buffer dir and
marks those that an infraction follows within a look-ahead window; :class:`PrioritizedSampler`
and :func:`mixed_sample` draw frames with those weighted up, and :class:`FrameDataset` serves
them to torch. The format is described in docs/replay_buffer.md. `FrameDataset` is imported
on first use, so that writers do not pay for importing torch.
"""

from typing import TYPE_CHECKING, Any

from .header import BUFFER_SCHEMA_VERSION, ShardFormatError, ShardHeader
from .index import BufferIndex, FrameRef, ShardSummary
from .infractions import InfractionMark
from .reader import Shard, read_shard
from .sampling import PrioritizedSampler, frame_weights, mixed_sample
from .writer import ShardWriter

if TYPE_CHECKING:
    from .dataset import FrameDataset

__all__ = [
    "BUFFER_SCHEMA_VERSION",
    "BufferIndex",
    "FrameDataset",
    "FrameRef",
    "InfractionMark",
    "PrioritizedSampler",
    "Shard",
    "ShardFormatError",
    "ShardHeader",
    "ShardSummary",
    "ShardWriter",
    "frame_weights",
    "mixed_sample",
    "read_shard",
]


def __getattr__(name: str) -> Any:
    if name == "FrameDataset":
        from .dataset import FrameDataset

        return FrameDataset
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
