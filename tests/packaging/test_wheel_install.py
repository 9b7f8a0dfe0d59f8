"""A wheel of this checkout, installed in a fresh venv, runs `langprop-drive evaluate` from another folder:
the agent files ship inside the package (`langprop_driver/agent_files/`), and nothing is read from the
checkout.

The fresh venv gets the third-party dependencies (torch, carla, ...) through one `.pth` naming the site-packages
of the environment running the tests (this machine has no network to install them again); that folder holds
no copy of this project's packages, only an editable install's finder, which a `.pth` path does not activate.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


def _run(command: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HOME": os.environ.get("HOME") or "/root", "PYTHONPATH": ""}
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)


@pytest.fixture(scope="module")
def fresh_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A venv with only this checkout's wheel installed (and the test environment's dependencies on its path)."""
    root = tmp_path_factory.mktemp("wheel")
    source = root / "source"  # the checkout's files as git sees them: no stale build/ folder rides along
    listed = _run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=REPO)
    assert listed.returncode == 0, listed.stderr
    for name in filter(None, listed.stdout.split("\0")):
        if (REPO / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, source / name)
    built = _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w",
                  str(root / "dist"), str(source)], cwd=root)  # fmt: skip
    assert built.returncode == 0, built.stderr
    (wheel,) = (root / "dist").glob("langprop_drive-*.whl")
    env_dir = root / "venv"
    venv.create(env_dir, with_pip=True)
    purelib = Path(sysconfig.get_paths(vars={"base": str(env_dir), "platbase": str(env_dir)})["purelib"])
    (purelib / "dependencies_of_the_test_environment.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    installed = _run([str(env_dir / "bin" / "python"), "-m", "pip", "install", "-q", "--no-deps", "--no-index",
                      str(wheel)], cwd=root)  # fmt: skip
    assert installed.returncode == 0, installed.stderr
    return env_dir


def test_the_installed_package_finds_its_agent_files_inside_the_venv(fresh_venv: Path, tmp_path: Path) -> None:
    probe = ("import langprop_driver, langprop_driver.agent_paths as a; "
             "print(langprop_driver.__file__); print(a.LANGPROP_AGENT); print(a.LANGPROP_AGENT.is_file())")  # fmt: skip
    done = _run([str(fresh_venv / "bin" / "python"), "-c", probe], cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    package, agent, exists = done.stdout.split()
    assert Path(package).is_relative_to(fresh_venv) and Path(agent).is_relative_to(fresh_venv)
    assert Path(agent).parent.name == "agent_files" and exists == "True"


def test_the_installed_command_evaluates_from_any_folder(fresh_venv: Path, tmp_path: Path) -> None:
    command = [str(fresh_venv / "bin" / "langprop-drive"), "evaluate", "--routes", "embedded_smoke", "--routes-subset",
               "0", "--vehicles", "0", "--walkers", "0", "--no-progress", "--checkpoint", "results.json"]  # fmt: skip
    done = _run(command, cwd=tmp_path)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    data = json.loads((tmp_path / "results.json").read_text())
    (record,) = data["_checkpoint"]["records"]
    assert record["status"] in ("Completed", "Perfect") and record["scores"]["score_route"] > 90.0
    assert record["meta"]["policy_calls"] > 0 and record["meta"]["policy_failures"] == 0  # the LangProp agent drove
    assert data["entry_status"] == "Finished"
