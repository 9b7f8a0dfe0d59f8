"""ReplayError: an infraction that cannot be found or replayed; the message says what exists instead."""

from __future__ import annotations

from leaderboard_adapter.errors import AdapterError


class ReplayError(AdapterError):
    """A missing results file, route, infraction kind or occurrence, or a replay that cannot be made."""
