"""The CartPole example: the engine's closed-loop stage outside driving, trained against the LLM test double.

The test double (a local OpenAI-compatible server with scripted answers) first answers a bang-bang
controller on the pole angle, then a PD controller on angle and angular velocity.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest
from openai_test_server import OpenAITestServer, fenced, scripted

gymnasium = pytest.importorskip("gymnasium")
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the checkout: the examples package

from examples.cartpole.__main__ import main  # noqa: E402
from examples.cartpole.scorer import EpisodeConfig, EpisodeScorer  # noqa: E402
from examples.cartpole.task import SPEC, STATE_BOUNDS, make_samples, score_action  # noqa: E402
from langprop_driver.engine import Candidate, SandboxConfig, load_state  # noqa: E402

BANG_BANG = "def act(observation):\n    return 1 if observation[2] > 0 else 0\n"
PD = "def act(observation):\n    return 1 if observation[2] + 0.5 * observation[3] > 0 else 0\n"
RANDOM_TIE = (
    "import random\n\n\ndef act(observation):\n"
    "    return random.randint(0, 1) if abs(observation[2]) < 0.01 else int(observation[2] > 0)\n"
)
INVALID = "def act(observation):\n    return 1 if observation[2] > 0 else -1\n"
BOOL = "def act(observation):\n    return observation[2] > 0\n"
RAISES = (
    "steps = []\n\n\ndef act(observation):\n    steps.append(1)\n    if len(steps) == 10:\n"
    "        raise ZeroDivisionError('tenth step')\n    return 0\n"
)


def _candidate(cid: str, source: str) -> Candidate:
    return Candidate.create(cid, source, SPEC, SandboxConfig().allowed_modules, origin="given")


def _reference(source: str, seed: int) -> tuple[int, float]:
    """Steps and final pole angle [rad] of one episode played here, in gymnasium directly (no engine)."""
    namespace: dict = {}
    exec(source, namespace)
    env = gymnasium.make("CartPole-v1")
    observation, _ = env.reset(seed=seed)
    steps = 0
    while True:
        observation, _, terminated, truncated, _ = env.step(namespace["act"]([float(v) for v in observation]))
        steps += 1
        if terminated or truncated:
            return steps, float(observation[2])


def test_the_pd_controller_replaces_the_bang_bang_one_because_its_return_is_higher(tmp_path: Path, capsys) -> None:
    answers = [fenced(BANG_BANG)] * 4 + [fenced(PD)]  # 4 setup answers (n_top * n_responses), then updates
    with OpenAITestServer(scripted(answers)) as server:
        code = main(["--run-dir", str(tmp_path), "--base-url", server.base_url, "--steps", "1", "--episodes", "3",
                     "--validation-episodes", "2", "--states", "8", "--workers", "2"])  # fmt: skip
        update_prompt = server.requests[1]["messages"][1]["content"]
    assert code == 0
    state = load_state(tmp_path)
    bang_bang, pd = state.candidates["c0001"], state.candidates["c0002"]
    assert (bang_bang.source, pd.source, pd.parent_id) == (BANG_BANG, PD, "c0001")
    train = {seed: _reference(BANG_BANG, seed) for seed in (0, 1, 2)}
    assert state.fitness["c0001"]["train"].score == pytest.approx(sum(s for s, _ in train.values()) / 3 / 500)
    assert state.fitness["c0002"]["train"].score == 1.0
    assert state.fitness["c0002"]["validation"].score > state.fitness["c0001"]["validation"].score
    assert (state.elite, state.pool[0], state.decided_by["c0002"]) == ("c0002", "c0002", "validation")
    # the update prompt showed the bang-bang controller's falls, as gymnasium played them
    shortest = min(train, key=lambda seed: (train[seed][0], seed))
    steps, angle = train[shortest]
    side = "right" if angle > 0 else "left"
    assert f"- seed {shortest}: the pole fell to the {side} at step {steps}\n" in update_prompt
    assert f"    step {steps}: [" in update_prompt
    validation = [_reference(BANG_BANG, seed)[0] for seed in (3, 4)]
    out = capsys.readouterr().out
    assert "stopped: completed at step 1; best c0002 (validation 1.000" in out
    assert (f"environment steps: {sum(s for s, _ in train.values()) + 1500} training, "
            f"{sum(validation) + 1000} validation") in out  # fmt: skip
    episodes = json.loads((tmp_path / "episodes" / "train" / "c0001.json").read_text())["episodes"]
    assert [(e["seed"], e["return"]) for e in episodes] == [(seed, train[seed][0]) for seed in (0, 1, 2)]


def test_episodes_are_seeded_and_identical_for_any_worker_count(tmp_path: Path) -> None:
    candidates = [_candidate("c0001", BANG_BANG), _candidate("c0002", PD), _candidate("c0003", RANDOM_TIE)]
    config = EpisodeConfig(train_seeds=(0, 1, 2, 3), validation_seeds=(9,))
    runs = []
    for workers in (1, 2):
        scorer = EpisodeScorer(tmp_path / str(workers), EpisodeConfig(**{**config.__dict__, "workers": workers}))
        runs.append(scorer.score(candidates, "train"))
        scorer.close()
    assert runs[0] == runs[1]
    assert runs[0]["c0001"].summary["mean_return"] == sum(_reference(BANG_BANG, s)[0] for s in range(4)) / 4
    assert runs[0]["c0002"].score == 1.0 and runs[0]["c0002"].evidence == 4


def test_an_invalid_action_or_an_exception_fails_the_episode_and_the_run_goes_on(tmp_path: Path) -> None:
    candidates = [_candidate("c0001", INVALID), _candidate("c0002", BOOL), _candidate("c0003", RAISES),
                  _candidate("c0004", PD)]  # fmt: skip
    scorer = EpisodeScorer(tmp_path, EpisodeConfig(train_seeds=(0, 1), validation_seeds=(5,)))
    fitness = scorer.score(candidates, "train")
    for cid in ("c0001", "c0002", "c0003"):
        assert (fitness[cid].score, fitness[cid].summary["errors"], fitness[cid].summary["failed"]) == (0.0, 2.0, 2.0)
    assert fitness["c0004"].score == 1.0
    assert "act failed: InvalidAction: act returned -1 at step" in fitness["c0001"].feedback
    assert re.search(r"act failed: InvalidAction: act returned (True|False) at step 1;", fitness["c0002"].feedback)
    assert "act failed: ZeroDivisionError at line 7 (`raise ZeroDivisionError('tenth step')`): tenth step" in (
        fitness["c0003"].feedback
    )
    assert fitness["c0003"].feedback.count("\n- seed ") == 1  # the same error in both episodes, shown once


def test_the_open_loop_filter_takes_only_actions() -> None:
    samples = make_samples(50, seed=4)
    assert samples == make_samples(50, seed=4) and samples != make_samples(50, seed=5)
    assert all(abs(v) <= bound for s in samples for v, bound in zip(s.input, STATE_BOUNDS, strict=True))
    assert [score_action(v, samples[0]).passed for v in (0, 1, True, 1.0, 2, None)] == [True, True] + [False] * 4
    with pytest.raises(ValueError, match="at least one sampled state"):
        make_samples(0, seed=0)


def test_episode_settings_refuse_shared_seeds_and_empty_splits() -> None:
    with pytest.raises(ValueError, match=r"seeds \[3\] are in both"):
        EpisodeConfig(train_seeds=(1, 3), validation_seeds=(3,))
    with pytest.raises(ValueError, match="at least one episode seed"):
        EpisodeConfig(train_seeds=())
    assert EpisodeConfig.counted(2, 3, seed=1).seeds("validation") == (1002, 1003, 1004)


def test_the_entry_point_needs_an_endpoint(tmp_path: Path, capsys) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["--run-dir", str(tmp_path)])
    assert stopped.value.code == 2
    assert "LLM settings: no API key" in capsys.readouterr().err
