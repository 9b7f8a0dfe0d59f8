"""The trainer's cascade with an expensive scorer: who is driven, selection on training fitness, elitism on
validation fitness, closed-loop feedback in the prompt, visited samples, resume and re-scoring.

The scorer here is a test double (``TableScorer``): a candidate's fitness is written in its source as
``# train=<score> validation=<score>``, so each test states the fitness it needs; the LLM is the local
OpenAI-compatible test server with scripted answers.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from engine_helpers import SAMPLES, SPEC, fast_sandbox, llm_for
from openai_test_server import OpenAITestServer, fenced, last_user_message, scripted

from langprop_driver.engine import (
    Candidate,
    Judgement,
    Sample,
    Task,
    TrackerConfig,
    Trainer,
    TrainerConfig,
    load_state,
)
from langprop_driver.engine.evaluation import Evaluation
from langprop_driver.engine.fitness import CascadeConfig, Fitness, Split
from langprop_driver.engine.selection import admit, beats, elect

MARK = re.compile(r"# train=(\d+) validation=(\d+)")


def policy(train: int, validation: int, wrong: bool = False) -> str:
    """A `double` whose fitness the TableScorer reads from its comment; `wrong` answers x + 1 (open loop 0.125)."""
    body = "x + 1" if wrong else "2 * x"
    return f"def double(x):\n    return {body}  # train={train} validation={validation}\n"


@dataclass
class TableScorer:
    """Test double of an expensive scorer: fitness from the candidate's source comment; records every call."""

    key: str = "table-v1"
    calls: list[tuple[Split, tuple[str, ...]]] = field(default_factory=list)
    visited: list[Sample] = field(default_factory=list)
    closed: bool = False

    def score(self, candidates: Sequence[Candidate], split: Split) -> dict[str, Fitness]:
        self.calls.append((split, tuple(c.id for c in candidates)))
        scores = {}
        for c in candidates:
            train, validation = (int(v) for v in MARK.search(c.source).groups())
            value = train if split == "train" else validation
            scores[c.id] = Fitness(float(value), 3, {"ds": float(value)}, f"FEEDBACK-{c.id}: drove {value}")
        return scores

    def visited_samples(self) -> list[Sample]:
        return list(self.visited)

    def close(self) -> None:
        self.closed = True

    def driven(self, split: Split) -> list[str]:
        return [cid for s, ids in self.calls if s == split for cid in ids]


def config(n_steps: int = 2, **cascade: object) -> TrainerConfig:
    return TrainerConfig(
        tracker=TrackerConfig(n_top=1, n_responses=2, max_keep=3),
        batch_size=8,
        n_steps=n_steps,
        progress_bar=False,
        setup_prompt=False,
        cascade=CascadeConfig(**cascade),
    )


def run(tmp_path: Path, answers: list[str], scorer: TableScorer, given: str, n_steps: int = 2, task: Task | None = None,
        **cascade: object) -> tuple[Trainer, OpenAITestServer]:  # fmt: skip
    with OpenAITestServer(scripted([fenced(a) for a in answers])) as server:
        trainer = Trainer(task or Task(SPEC, _score), tmp_path, config(n_steps, **cascade), llm_for(server.base_url),
                          fast_sandbox(), given_sources=[given], scorer=scorer)  # fmt: skip
        trainer.fit(SAMPLES)
    return trainer, server


def _score(output: object, sample: Sample) -> Judgement:
    return Judgement(1.0, True) if output == sample.expected else Judgement(0.0, False, "wrong value")


def metrics(run_dir: Path) -> list[dict]:
    return [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()]


def _candidate(cid: str, source: str) -> Candidate:
    return Candidate.create(cid, source, SPEC, ("math",), origin="given")


def _evaluation(cid: str, mean: float) -> Evaluation:
    return Evaluation(cid, (Judgement(mean, mean > 0.5),), ())


def test_admit_stops_static_failures_and_keeps_the_top_k_by_open_loop_score() -> None:
    candidates = [_candidate("c0001", policy(1, 1)), _candidate("c0002", "def double(x):\n    return y\n"),
                  _candidate("c0003", policy(1, 1)), _candidate("c0004", policy(1, 1))]  # fmt: skip
    evaluations = {"c0001": _evaluation("c0001", 0.2), "c0003": _evaluation("c0003", 0.9),
                   "c0004": _evaluation("c0004", 0.6)}  # fmt: skip
    going, stopped = admit(candidates, evaluations, CascadeConfig(top_k=1))
    assert [c.id for c in going] == ["c0003"]
    assert stopped == {"c0002": "static", "c0001": "open_loop", "c0004": "open_loop"}
    going, _ = admit(candidates, evaluations, CascadeConfig(top_k=3, margin=0.35))
    assert [c.id for c in going] == ["c0003", "c0004"]  # c0001 is 0.7 below the best
    going, _ = admit(candidates, evaluations, CascadeConfig(top_k=1), always=["c0001"])
    assert [c.id for c in going] == ["c0001", "c0003"]  # always goes on, whatever its open-loop score


def test_the_elite_is_replaced_only_by_a_better_validation_score_then_more_evidence() -> None:
    book = {"a": {"validation": Fitness(70.0, 3)}, "b": {"validation": Fitness(69.9, 30)},
            "c": {"validation": Fitness(70.0, 6)}, "d": {"train": Fitness(99.0, 3)}}  # fmt: skip
    assert not beats("b", "a", book, 0) and beats("c", "a", book, 0) and not beats("d", "a", book, 0)
    assert elect("a", ["b", "d"], book, 0) == "a"
    assert elect("a", ["b", "c"], book, 0) == "c"
    assert elect(None, ["d", "b"], book, 0) == "b"  # d was never validated


def test_closed_loop_selection_never_sets_a_best_with_a_lower_validation_score(tmp_path: Path) -> None:
    # the first child trains best but validates worst: it must not become the best; the second beats the start
    answers = [policy(95, 40), policy(60, 45), policy(70, 80), policy(65, 30)]
    scorer = TableScorer()
    trainer, _ = run(tmp_path, answers, scorer, given=policy(50, 50), n_steps=2, top_k=2, validate_top=2)
    lines = metrics(tmp_path)
    elite_scores = [m["val/elite_score"] for m in lines]
    assert [m["step"] for m in lines] == [0, 1, 2]
    assert elite_scores == sorted(elite_scores) and elite_scores[0] == 50.0 and elite_scores[-1] == 80.0
    state = load_state(tmp_path)
    best = state.candidates[state.pool[0]]
    assert state.elite == best.id and "train=70 validation=80" in best.source
    assert state.decided_by[best.id] == "validation"
    assert scorer.closed


def test_the_starting_policy_stays_in_the_pool_until_beaten_on_validation(tmp_path: Path) -> None:
    scorer = TableScorer()
    answers = [policy(90, 10), policy(80, 20), policy(85, 30), policy(99, 5)]
    run(tmp_path, answers, scorer, given=policy(40, 60), n_steps=2, top_k=2, validate_top=2)
    state = load_state(tmp_path)
    assert state.pool[0] == "c0001" and state.elite == "c0001"  # better training fitness never beat it
    assert all(m["select/elite_changed"] == 0 for m in metrics(tmp_path)[1:])


def test_parents_are_the_best_by_training_fitness_and_see_their_closed_loop_feedback(tmp_path: Path) -> None:
    scorer = TableScorer()
    _, server = run(tmp_path, [policy(90, 10), policy(20, 20)], scorer, given=policy(50, 60), n_steps=2)
    prompts = [last_user_message(r) for r in server.requests]
    assert "FEEDBACK-c0001: drove 50" in prompts[0]
    assert "FEEDBACK-c0002: drove 90" in prompts[1]  # c0002 trains best though c0001 stays the best on validation
    assert load_state(tmp_path).elite == "c0001"


def test_only_survivors_of_the_static_and_open_loop_stages_are_driven(tmp_path: Path) -> None:
    broken = "def double(x):\n    return undefined_name  # train=99 validation=99\n"
    answers = [policy(99, 99, wrong=True), policy(70, 70), broken, policy(60, 60)]
    scorer = TableScorer()
    run(tmp_path, answers, scorer, given=policy(50, 50), n_steps=2, top_k=1)
    state = load_state(tmp_path)
    assert scorer.driven("train") == ["c0001", "c0003", "c0005"]  # the given, then the top-1 child of each step
    assert state.decided_by["c0002"] == "open_loop" and state.decided_by["c0004"] == "static"
    step_1, step_2 = metrics(tmp_path)[1:]
    assert (step_1["cascade/rejected_static"], step_1["cascade/rejected_open_loop"], step_1["cascade/driven"]) == (0, 1, 1)
    assert (step_2["cascade/rejected_static"], step_2["cascade/rejected_open_loop"], step_2["cascade/driven"]) == (1, 0, 1)


def test_visited_samples_join_the_training_batches(tmp_path: Path) -> None:
    seen: list[object] = []

    def recording(output: object, sample: Sample) -> Judgement:
        seen.append(sample.input)
        return _score(output, sample)

    scorer = TableScorer(visited=[Sample(1000 + i, 2 * (1000 + i)) for i in range(40)])
    run(tmp_path, [policy(10, 10)], scorer, given=policy(50, 50), n_steps=1, task=Task(SPEC, recording))
    assert any(x >= 1000 for x in seen)
    assert metrics(tmp_path)[1]["dagger/visited_samples"] == 40


def test_a_resumed_run_drives_nothing_twice_and_changed_runs_are_scored_again(tmp_path: Path) -> None:
    answers = [policy(60, 60), policy(70, 70), policy(80, 80), policy(90, 90)]
    scorer = TableScorer()
    run(tmp_path, answers, scorer, given=policy(50, 50), n_steps=1)
    first = list(scorer.calls)
    again = TableScorer()
    run(tmp_path, answers[2:], again, given=policy(50, 50), n_steps=2)
    assert again.driven("train") == ["c0004", "c0005"]  # the new children only
    assert not set(again.driven("validation")) & {cid for _, ids in first for cid in ids}
    changed = replace(TableScorer(), key="table-v2")
    run(tmp_path, answers, changed, given=policy(50, 50), n_steps=2)  # nothing to add, but new runs
    state = load_state(tmp_path)
    assert state.fitness_key == "table-v2" and changed.driven("validation") == [state.pool[0]]
    assert metrics(tmp_path)[-1]["select/rescored"] == 1
