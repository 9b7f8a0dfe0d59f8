"""driving_templates: the driving task's system, setup and update prompts (the .j2 files in templates/)."""

from __future__ import annotations

from pathlib import Path

from langprop_driver.engine import PromptTemplates

TEMPLATES_DIR = Path(__file__).with_name("templates")
"""system.j2, setup.j2, update.j2: the engine's defaults extended for driving (same context variables:
``spec``, ``allowed_modules`` and, in update.j2, ``feedback``)."""


def driving_templates() -> PromptTemplates:
    """The driving prompts; FileNotFoundError naming what is missing if the package lost a template."""
    missing = [
        name for name in ("system.j2", "setup.j2", "update.j2") if not (TEMPLATES_DIR / name).is_file()
    ]
    if missing:
        raise FileNotFoundError(f"driving prompt template(s) {missing} missing from {TEMPLATES_DIR}")
    return PromptTemplates.from_dir(TEMPLATES_DIR)
