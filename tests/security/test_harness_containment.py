"""A task's harness (``SandboxConfig.harness``: trusted code around the candidate in its worker, here the
CartPole episode loop) opens nothing to the candidate: it still reads only what it could, writes nothing,
imports only the allowed modules, and patching the harness's environment gains it no score."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from hostile_candidates import REAL_IMPORT, hostile

pytest.importorskip("gymnasium")
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))  # the checkout: the examples package

from examples.cartpole.episodes import HARNESS  # noqa: E402
from examples.cartpole.scorer import EpisodeConfig, EpisodeScorer  # noqa: E402
from langprop_driver.engine import Candidate, Program, SandboxConfig, SandboxPool  # noqa: E402

SECRET_TEXT = "the content of a file no candidate may read"
ESCAPE = (
    REAL_IMPORT
    + """
def act(observation):
    open_ = globals()["__builtins__"]["open"]
    raise RuntimeError(repr([
        _try(lambda: open_("SECRET_FILE").read()),
        _try(lambda: open_("BESIDE_HARNESS").read()),
        _try(lambda: open_("TARGET_DIR/harness.txt", "w").write("pwned")),
    ]))
"""
)
IMPORTS_GYMNASIUM = "import gymnasium\n\n\ndef act(observation):\n    return 0\n"
BANG_BANG = "def act(observation):\n    return 1 if observation[2] > 0 else 0\n"
NEVER_FALLS = (
    REAL_IMPORT
    + """
cartpole = _real_import()("gymnasium.envs.classic_control.cartpole", None, None, ["CartPoleEnv"])
real_step = cartpole.CartPoleEnv.step


def never_falls(self, action):
    observation, reward, terminated, truncated, info = real_step(self, action)
    return observation, reward, False, truncated, info


cartpole.CartPoleEnv.step = never_falls
"""
    + BANG_BANG
)
SEEDS = [0, 1]


def _run(sources: list[str]) -> list:
    pool = SandboxPool(SandboxConfig(harness=HARNESS, chunk_size=1, n_workers=2, call_timeout_s=30.0))
    return pool.run([Program(f"c{i:04d}", s, "act") for i, s in enumerate(sources)], SEEDS)


def test_under_a_harness_a_candidate_reads_and_writes_nothing_new(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET_TEXT)
    target = tmp_path / "target"
    target.mkdir()
    beside = ROOT / "examples" / "cartpole" / "task.py"  # the harness's own file is readable, not its folder
    source = hostile(ESCAPE, SECRET_FILE=secret, BESIDE_HARNESS=beside, TARGET_DIR=target)
    [escape, imports] = _run([source, IMPORTS_GYMNASIUM])
    for result in escape:
        assert result.error.type == "RuntimeError"
        assert result.error.message.count("PermissionError") == 3, result.error.message
        assert SECRET_TEXT not in result.error.message
    assert {r.error.message for r in imports} == {"import of 'gymnasium' is not allowed in a candidate"}
    assert list(target.iterdir()) == []


def test_patching_the_workers_environment_gains_no_score(tmp_path: Path) -> None:
    [honest, patched] = _run([BANG_BANG, NEVER_FALLS])
    assert [len(r.output) for r in patched] == [500, 500]  # in its worker the pole never fell
    assert all(len(r.output) < 100 for r in honest)
    scorer = EpisodeScorer(tmp_path, EpisodeConfig(train_seeds=tuple(SEEDS), validation_seeds=(9,)))
    candidates = [Candidate(id="c0001", source=BANG_BANG, origin="given"),
                  Candidate(id="c0002", source=NEVER_FALLS, origin="given")]  # fmt: skip
    fitness = scorer.score(candidates, "train")
    assert fitness["c0002"].score == fitness["c0001"].score < 0.2  # the parent's replay lets the pole fall


@pytest.mark.parametrize("harness", ["episodes", "examples.cartpole.episodes:", "1x:play", "a..b:play"])
def test_a_harness_is_named_module_colon_function(harness: str) -> None:
    with pytest.raises(ValueError, match="harness must be 'package.module:function'"):
        SandboxConfig(harness=harness)
