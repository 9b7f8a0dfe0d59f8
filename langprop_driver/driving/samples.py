"""Replay-buffer frames to engine Samples: which frames each TrainingMode keeps, and the label they carry.

A frame (written by the DAgger collector) is a dict::

    {"frame": int, "game_time_s": float, "observation": {...}, "policy_action": ACTION or None,
     "expert_action": ACTION, "expert_reason": str or None, "driver": "policy" | "expert" | "mixed",
     "infraction": None or {"kinds": [str, ...], "seconds_before": float},
     "route_id": str, "shard": str}

with ACTION = {"target_speed_mps": float, "steer_deg": float}, as ``BufferIndex.load`` returns it
(docs/replay_buffer.md). A sample's ``input`` is the observation; its ``expected`` is a
:class:`DrivingLabel`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any, TypedDict

from langprop_driver.engine import Sample
from leaderboard_adapter.control import Action
from leaderboard_adapter.observation import OBSERVATION_KEYS

from .modes import TrainingMode

DRIVERS = ("policy", "expert", "mixed")
"""Values of a frame's ``driver``: who chose the executed action."""
USED_FRAME_KEYS = ("observation", "policy_action", "expert_action", "expert_reason", "driver", "infraction")
"""The frame keys a sample is made of (the others only name the frame in error messages)."""


class Infraction(TypedDict):
    """An infraction that followed a frame: its kinds (results-file keys such as "red_light") and
    how many seconds after the frame it happened [s]."""

    kinds: list[str]
    seconds_before: float


class DrivingLabel(TypedDict):
    """A driving sample's ``expected``: the expert's action and why (None when not recorded), the
    executed policy action (None when the policy was not asked) and the infraction that followed (or None)."""

    expert_action: dict[str, float]
    expert_reason: str | None
    policy_action: dict[str, float] | None
    infraction: Infraction | None


def _where(position: int, frame: Mapping[str, Any]) -> str:
    return (
        f"frames[{position}] (frame {frame.get('frame', '?')} of route {frame.get('route_id', '?')}, "
        f"shard {frame.get('shard', '?')})"
    )


def _action(frame: Mapping[str, Any], key: str, where: str) -> dict[str, float]:
    try:
        return Action.from_dict(frame[key]).to_dict()
    except ValueError as exc:
        raise ValueError(f"{where}: {key} is not a valid action: {exc}") from None


def _infraction(value: Any, where: str) -> Infraction | None:
    if value is None:
        return None
    if not isinstance(value, Mapping) or set(value) != {"kinds", "seconds_before"}:
        raise ValueError(f"{where}: infraction must be None or a dict with keys 'kinds' and 'seconds_before'")
    kinds, seconds = value["kinds"], value["seconds_before"]
    if not isinstance(kinds, list | tuple) or not kinds or not all(isinstance(k, str) for k in kinds):
        raise ValueError(f"{where}: infraction.kinds must be a non-empty list of str, got {kinds!r}")
    if (
        isinstance(seconds, bool)
        or not isinstance(seconds, int | float)
        or not math.isfinite(seconds)
        or seconds < 0
    ):
        raise ValueError(f"{where}: infraction.seconds_before must be a number >= 0 [s], got {seconds!r}")
    return {"kinds": list(kinds), "seconds_before": float(seconds)}


def frame_sample(frame: Mapping[str, Any], position: int = 0) -> tuple[Sample, str]:
    """The Sample of one frame and its driver; ValueError naming the frame and the problem."""
    where = _where(position, frame) if isinstance(frame, Mapping) else f"frames[{position}]"
    if not isinstance(frame, Mapping):
        raise ValueError(f"{where} must be a dict, got {type(frame).__name__}")
    missing = [key for key in USED_FRAME_KEYS if key not in frame]
    if missing:
        raise ValueError(f"{where} is missing key(s) {missing}")
    observation = frame["observation"]
    if not isinstance(observation, Mapping) or any(k not in observation for k in OBSERVATION_KEYS):
        raise ValueError(f"{where}: observation must be a dict with the keys {list(OBSERVATION_KEYS)}")
    driver = frame["driver"]
    if driver not in DRIVERS:
        raise ValueError(f"{where}: driver must be one of {list(DRIVERS)}, got {driver!r}")
    if frame["expert_reason"] is not None and not isinstance(frame["expert_reason"], str):
        raise ValueError(f"{where}: expert_reason must be a str or None, got {frame['expert_reason']!r}")
    label: DrivingLabel = {
        "expert_action": _action(frame, "expert_action", where),
        "expert_reason": frame["expert_reason"],
        "policy_action": None if frame["policy_action"] is None else _action(frame, "policy_action", where),
        "infraction": _infraction(frame["infraction"], where),
    }
    return Sample(observation, label), driver


def keeps(mode: TrainingMode, driver: str, label: DrivingLabel) -> bool:
    """Whether ``mode`` trains on a frame: OFFLINE_IMITATION the expert's frames, DAGGER_* all,
    ONLINE those followed by an infraction."""
    if mode is TrainingMode.OFFLINE_IMITATION:
        return driver == "expert"
    if mode is TrainingMode.ONLINE:
        return label["infraction"] is not None
    return True


def samples_from_frames(frames: Iterable[Mapping[str, Any]], mode: TrainingMode | str) -> list[Sample]:
    """The samples ``mode`` trains on, in frame order. Every frame is validated, kept or not."""
    mode = TrainingMode.parse(mode)
    samples = []
    for position, frame in enumerate(frames):
        sample, driver = frame_sample(frame, position)
        if keeps(mode, driver, sample.expected):
            samples.append(sample)
    return samples
