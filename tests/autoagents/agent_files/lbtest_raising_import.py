"""Test agent file that raises while being imported."""


def _explode():
    raise RuntimeError("boom while importing the agent")


_explode()


def get_entry_point():
    return "NeverReached"
