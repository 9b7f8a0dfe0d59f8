"""Paths of the evaluator tests' agent files (test doubles)."""

from pathlib import Path

AGENT_FILES = Path(__file__).resolve().parent / "agent_files"
MISBEHAVING = AGENT_FILES / "misbehaving_agent.py"
