"""Engine test fixtures: no test ever reaches a real LLM endpoint."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _no_real_openai(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never reach a real endpoint, whatever the environment holds."""
    for name in ("OPENAI_BASE_URL", "OPENAI_API_KEY", "OPENAI_MODEL"):
        monkeypatch.delenv(name, raising=False)
