"""BASELINE_POLICY_SOURCE: the text of the hand-written baseline policy (baseline_policy.py), a given candidate."""

from __future__ import annotations

from pathlib import Path

BASELINE_POLICY_PATH = Path(__file__).with_name("baseline_policy.py")
"""The hand-written baseline ``drive(observation)`` (not LLM output)."""

BASELINE_POLICY_SOURCE = BASELINE_POLICY_PATH.read_text()
"""Its source, as the trainer's given sources and ``SandboxedPolicy`` take it."""
