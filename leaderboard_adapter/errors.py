"""The error every user-facing failure of the leaderboard adapter derives from, so a command can report it plainly."""


class AdapterError(Exception):
    """A problem the user can fix in what reaches the evaluator side (route file, map, agent file, flag, CARLA
    server); the message names it."""
