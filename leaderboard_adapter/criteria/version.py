"""LeaderboardVersion: which leaderboard's criteria (thresholds, state machines, messages) to reproduce."""

from __future__ import annotations

import enum


class LeaderboardVersion(enum.Enum):
    """The leaderboard generation whose criteria are reproduced.

    `V1_0` follows the `leaderboard-1.0` branches of carla-simulator/leaderboard and
    scenario_runner; `V2_X` follows `leaderboard-2.0`, `leaderboard-2.1` and `master`
    (their criteria are identical).
    """

    V1_0 = "1.0"
    V2_X = "2.x"

    @staticmethod
    def parse(value: str | LeaderboardVersion) -> LeaderboardVersion:
        """Accept a member or one of "1.0", "2.x", "2.0", "2.1" (case-insensitive)."""
        if isinstance(value, LeaderboardVersion):
            return value
        text = str(value).strip().lower()
        if text in ("1", "1.0", "v1", "v1.0"):
            return LeaderboardVersion.V1_0
        if text in ("2", "2.x", "2.0", "2.1", "v2", "master"):
            return LeaderboardVersion.V2_X
        raise ValueError(f"unknown leaderboard version {value!r}: use '1.0' or '2.x'")
