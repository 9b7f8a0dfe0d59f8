"""Leaderboard scoring: infraction events, penalty schemes, route and global records, results JSON."""
