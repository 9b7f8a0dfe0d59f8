"""What the sandbox does with the layers this machine has: it says which are active, refuses to run when
told to require them, and keeps numpy (file I/O, ctypes) out of reach where the file-system layers are missing."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from langprop_driver.sandbox.errors import IsolationMissing
from langprop_driver.sandbox.isolation import LAYERS
from langprop_driver.sandbox.pool import (
    DEFAULT_ALLOWED_MODULES,
    Program,
    SandboxConfig,
    SandboxPool,
    program_task,
    template_for,
)

NUMPY_USER = "import numpy\n\n\ndef policy(x):\n    return float(numpy.sqrt(x))\n"


@dataclass
class TemplateDouble:
    """Test double of a template process on a machine without Landlock: only what program_task reads."""

    missing: dict[str, str] = field(default_factory=lambda: {"landlock": "kernel too old"})


def test_this_machine_has_every_layer() -> None:
    template = template_for(SandboxConfig())
    assert set(template.active) == set(LAYERS) and template.missing == {}


def test_without_file_system_layers_numpy_is_not_importable() -> None:
    program = Program("c", NUMPY_USER, "policy")
    task = program_task(SandboxConfig(), TemplateDouble(), program, seed=0)  # type: ignore[arg-type]
    assert "numpy" not in task["allowed_modules"] and "math" in task["allowed_modules"]
    with_layers = program_task(SandboxConfig(), TemplateDouble(missing={}), program, seed=0)  # type: ignore[arg-type]
    assert tuple(with_layers["allowed_modules"]) == DEFAULT_ALLOWED_MODULES


def test_numpy_runs_inside_the_boundary() -> None:
    with SandboxPool(SandboxConfig(n_workers=1)) as pool:
        [[result]] = pool.run([Program("c", NUMPY_USER, "policy")], [9.0])
    assert result.output == 3.0


def test_required_isolation_refuses_to_run_where_a_layer_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    template = template_for(SandboxConfig())
    monkeypatch.setattr(template, "missing", {"seccomp": "libseccomp not found (test double)"})
    with pytest.raises(IsolationMissing, match="seccomp"):
        SandboxPool(SandboxConfig(require_isolation=True)).run([Program("c", NUMPY_USER, "policy")], [1.0])


def test_the_log_names_active_layers_and_warns_loudly_about_missing_ones(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    template = template_for(SandboxConfig())
    with caplog.at_level("INFO", logger="langprop_driver.sandbox.process"):
        template._log_layers()
        monkeypatch.setattr(template, "missing", {"landlock": "kernel too old (test double)"})
        template._log_layers()
    active, missing = caplog.records
    assert active.levelname == "INFO" and all(layer in active.getMessage() for layer in LAYERS)
    assert missing.levelname == "WARNING" and "NOT FULLY ISOLATED" in missing.getMessage()
    assert "landlock: kernel too old" in missing.getMessage()
