"""Helpers of the security tests: the canary secret and the hostile parent (hostile_parent.py) run as its
own process, holding the canary in its environment from its start."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).parent
CANARY = f"sk-canary-{uuid.uuid4().hex}"
"""A secret in the scoring process's environment: it must appear nowhere a candidate can send it."""


@dataclass
class Listener:
    """TCP and UDP on 127.0.0.1:port; records every connection and datagram that arrives."""

    port: int
    arrivals: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ParentRun:
    """What the hostile parent (hostile_parent.py) reported, and everything it wrote."""

    returncode: int
    report: dict
    stdout: str
    stderr: str

    def scoring(self, name: str) -> dict:
        return self.report["scoring"][name]

    def serving(self, name: str) -> list[dict]:
        return self.report["serving"][name]

    def errors(self, name: str) -> set[str]:
        """Error types of every result of ``name``, both paths."""
        results = self.scoring(name)["results"] + self.serving(name)
        return {r["error"]["type"] if r["error"] else "ok" for r in results}


def run_parent(candidates: dict[str, str], inputs: list, sandbox: dict, cwd: Path) -> ParentRun:
    """Score ``candidates`` in a fresh process that holds the canary in its environment from its start."""
    spec = {"candidates": candidates, "inputs": inputs, "sandbox": sandbox}
    environment = {"PATH": os.environ.get("PATH", ""), "OPENAI_API_KEY": CANARY, "LANGPROP_CANARY": CANARY}
    completed = subprocess.run(
        [sys.executable, str(HERE / "hostile_parent.py")],
        input=json.dumps(spec),
        capture_output=True,
        text=True,
        cwd=cwd,
        env=environment,
        check=False,
    )
    report = json.loads(completed.stdout) if completed.returncode == 0 else {}
    return ParentRun(completed.returncode, report, completed.stdout, completed.stderr)
