"""The error every user-facing failure of this package derives from, so the CLI can report it plainly."""


class LangPropDriveError(Exception):
    """A problem the user can fix (bad input, missing file, wrong flag); the message names it."""
