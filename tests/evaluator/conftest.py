"""Fixtures for the embedded evaluator tests: configs for the misbehaving test agent."""

from __future__ import annotations

import json
from pathlib import Path

import pytest


@pytest.fixture
def misbehaviour(tmp_path: Path):
    """A function writing a misbehaving-agent config and returning its path."""

    def write(mode: str, **extra: object) -> str:
        path = tmp_path / f"{mode}.json"
        path.write_text(json.dumps({"mode": mode, **extra}))
        return str(path)

    return write
