"""Replays: a bird's-eye renderer of any WorldView, an mp4 writer, and infraction replays of route runs."""

from leaderboard_adapter.replay.birdseye import BirdseyeRenderer
from leaderboard_adapter.replay.errors import ReplayError
from leaderboard_adapter.replay.infraction_match import (
    NEARBY_WINDOW_S,
    SAME_INFRACTION_WINDOW_S,
    InfractionIdentity,
    describe_event,
)
from leaderboard_adapter.replay.infraction_ref import InfractionRef, find_infraction
from leaderboard_adapter.replay.overlay import ActionArrow, Overlay
from leaderboard_adapter.replay.palette import Palette
from leaderboard_adapter.replay.pixel_grid import PixelGrid
from leaderboard_adapter.replay.replay import EvaluatedRun, OverlayFn, ReplayResult, replay_infraction
from leaderboard_adapter.replay.video import VideoWriter, VideoWriterError

__all__ = [
    "NEARBY_WINDOW_S",
    "SAME_INFRACTION_WINDOW_S",
    "ActionArrow",
    "BirdseyeRenderer",
    "EvaluatedRun",
    "InfractionIdentity",
    "InfractionRef",
    "Overlay",
    "OverlayFn",
    "Palette",
    "PixelGrid",
    "ReplayError",
    "ReplayResult",
    "VideoWriter",
    "VideoWriterError",
    "describe_event",
    "find_infraction",
    "replay_infraction",
]
