"""Session fixtures of the replay tests (helpers live in replay_helpers.py)."""

from replay_helpers import follower_results

__all__ = ["follower_results"]
