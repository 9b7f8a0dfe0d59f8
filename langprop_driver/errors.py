"""The error every user-facing failure of the LangProp driver derives from, so the CLI can report it plainly.

Settings errors (pydantic) are worded by `leaderboard_adapter.settings`, the conventions every package shares."""


class LangPropDriveError(Exception):
    """A problem the user can fix (policy, training settings, LLM endpoint, run folder, flag); the message names it."""
