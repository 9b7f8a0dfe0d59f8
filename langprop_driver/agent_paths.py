"""Where the leaderboard agent files shipped with the package lie (the evaluator loads them by path)."""

from __future__ import annotations

import importlib.resources
from pathlib import Path


def _agents_dir() -> Path:
    """`langprop_driver/agent_files/` of an installed wheel (package data, see setup.py), else the checkout's
    `agents/` (an editable install or a source tree: the folder is not importable, so that it never shadows
    CARLA's own `agents` package)."""
    installed = importlib.resources.files("langprop_driver") / "agent_files"
    if installed.is_dir():
        return Path(str(installed))
    return Path(__file__).resolve().parents[1] / "agents"


AGENTS_DIR = _agents_dir()
LANGPROP_AGENT = AGENTS_DIR / "langprop_agent.py"
DAGGER_AGENT = AGENTS_DIR / "dagger_agent.py"
EXPERT_AGENT = AGENTS_DIR / "expert_agent.py"
ROUTE_FOLLOWER_AGENT = AGENTS_DIR / "route_follower_agent.py"
