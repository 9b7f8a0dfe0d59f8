"""End to end: the trainer against the local OpenAI-compatible test server and the real client."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from dataclasses import replace
from pathlib import Path

import pytest
from engine_helpers import BAD, FAILING, GOOD, SAMPLES, SPEC, TASK, fast_sandbox, llm_for
from openai_test_server import OpenAITestServer, RawReply, by_content, fenced, last_user_message, scripted

from langprop_driver.engine import (
    FeedbackConfig,
    SandboxedPolicy,
    TrackerConfig,
    Trainer,
    TrainerConfig,
    load_best,
    load_state,
)

HERE = Path(__file__).parent
FAST = TrainerConfig(
    tracker=TrackerConfig(n_top=1, n_responses=1, max_keep=3),
    feedback=FeedbackConfig(n_examples=2),
    batch_size=8,
    n_steps=2,
    progress_bar=False,
)


def trainer(run_dir: Path, server: OpenAITestServer, config: TrainerConfig = FAST, **llm: object) -> Trainer:
    return Trainer(TASK, run_dir, config, llm_for(server.base_url, **llm), fast_sandbox())


def update_prompts(server: OpenAITestServer) -> list[str]:
    return [
        last_user_message(r) for r in server.requests if "Here is an implementation" in last_user_message(r)
    ]


def test_a_better_child_replaces_its_parent(tmp_path: Path) -> None:
    with OpenAITestServer(scripted([fenced(BAD), fenced(GOOD)])) as server:
        result = trainer(tmp_path, server).fit(SAMPLES, validation=SAMPLES)
    assert result.stop_reason == "completed" and result.step == 2
    best = load_best(tmp_path)
    assert best.source == GOOD and best.origin == "update" and best.parent_id == "c0001"
    assert result.best_priority == pytest.approx(1.0)
    state = json.loads((tmp_path / "state.json").read_text())
    assert (
        state["pool"][0] == best.id and state["candidates"]["c0001"]["standing"]["priority"] == 0.125
    )  # x + 1 == 2 * x at x = 1
    assert (tmp_path / "candidates" / "c0001.py").read_text() == BAD
    prompt = json.loads((tmp_path / "prompts" / "p0001_c0001.json").read_text())
    assert prompt["answers"][0]["candidate"] == "c0002"
    metrics = [json.loads(line) for line in (tmp_path / "metrics.jsonl").read_text().splitlines()]
    assert [m["step"] for m in metrics] == [1, 2] and metrics[-1]["val/pass_ratio"] == 1.0
    with SandboxedPolicy.from_checkpoint(tmp_path, SPEC, fast_sandbox()) as policy:
        assert policy(21) == 42


def test_without_the_setup_prompt_training_starts_from_the_given_source_alone(tmp_path: Path) -> None:
    with OpenAITestServer(scripted([fenced(GOOD)])) as server:
        config = replace(FAST, setup_prompt=False, n_steps=1)
        run = Trainer(TASK, tmp_path, config, llm_for(server.base_url), fast_sandbox(), given_sources=[BAD])
        result = run.fit(SAMPLES)
    prompts = [last_user_message(r) for r in server.requests]
    assert len(prompts) == 1 and "Here is an implementation" in prompts[0]  # the update of c0001, no setup
    state = load_state(tmp_path)
    assert state.candidates["c0001"].origin == "given" and state.candidates["c0001"].source == BAD
    assert result.best_id == "c0002" and state.best.source == GOOD


def test_without_the_setup_prompt_and_no_given_source_nothing_is_asked(tmp_path: Path) -> None:
    with OpenAITestServer() as server:
        result = trainer(tmp_path, server, replace(FAST, setup_prompt=False)).fit(SAMPLES)
    assert result.stop_reason == "no_candidates" and "no candidate source was given" in result.message
    assert server.requests == []


def test_an_exception_line_and_message_reach_the_next_prompt(tmp_path: Path) -> None:
    with OpenAITestServer(scripted([fenced(FAILING), fenced(GOOD)])) as server:
        trainer(tmp_path, server, replace(FAST, n_steps=1)).fit(SAMPLES)
    [prompt] = update_prompts(server)
    assert "3 |     return x / zero if x > 3 else 2 * x" in prompt
    assert "ZeroDivisionError at line 3 (`return x / zero if x > 3 else 2 * x`): 4 sample(s)" in prompt
    assert "'division by zero'" in prompt and "input: 4" in prompt and "expected: 8" in prompt


def test_looping_memory_eating_and_forbidden_candidates_fail_and_the_run_goes_on(tmp_path: Path) -> None:
    looping = "def double(x):\n    while True:\n        pass\n"
    eating = "def double(x):\n    return bytearray(2**40)\n"
    forbidden = "import socket\n\ndef double(x):\n    return 2 * x\n"
    config = replace(FAST, tracker=TrackerConfig(n_top=2, n_responses=2, max_keep=4))
    answers = [fenced(s) for s in (looping, eating, forbidden, GOOD)]
    with OpenAITestServer(scripted([*answers, fenced(BAD)])) as server:
        result = trainer(tmp_path, server, config).fit(SAMPLES[:4])
    assert result.stop_reason == "completed" and load_best(tmp_path).source == GOOD
    candidates = json.loads((tmp_path / "state.json").read_text())["candidates"]
    assert candidates["c0001"]["history"][0]["mean_score"] == -10.0  # timed out
    assert candidates["c0002"]["history"][0]["mean_score"] == -10.0  # MemoryError
    assert candidates["c0003"]["check_failures"][0]["kind"] == "forbidden_import"
    assert candidates["c0003"]["history"][0]["mean_score"] == -20.0  # never ran


def test_malformed_answers_are_handled(tmp_path: Path) -> None:
    answers = ["Sorry, I cannot write code today.", fenced("def triple(x):\n    return 3 * x\n"),
               "```python\n@@ not python ((\n```", fenced(GOOD)]  # fmt: skip
    config = replace(FAST, tracker=TrackerConfig(n_top=2, n_responses=2, max_keep=4))
    with OpenAITestServer(scripted([*answers, fenced(BAD)])) as server:
        result = trainer(tmp_path, server, config).fit(SAMPLES)
    assert result.stop_reason == "completed" and load_best(tmp_path).source == GOOD
    setup = json.loads((tmp_path / "prompts" / "p0000_setup.json").read_text())
    assert setup["answers"][0]["candidate"] is None and "no code" in setup["answers"][0]["rejected"]
    kinds = {c.id: [f.kind for f in c.check_failures] for c in load_state(tmp_path).candidates.values()}
    assert kinds["c0001"] == ["missing_function"] and kinds["c0002"] == ["syntax"] and kinds["c0003"] == []


def test_a_rerun_is_served_from_the_cache_for_free(tmp_path: Path) -> None:
    with OpenAITestServer(scripted([fenced(BAD), fenced(FAILING), fenced(GOOD)])) as server:
        first = trainer(tmp_path / "a", server, cache_dir=tmp_path / "cache").fit(SAMPLES)
        n_requests = len(server.requests)
        second = trainer(tmp_path / "b", server, cache_dir=tmp_path / "cache").fit(SAMPLES)
    assert len(server.requests) == n_requests and first.total_tokens > 0 and second.total_tokens == 0
    assert load_best(tmp_path / "a") == load_best(tmp_path / "b")


def test_the_token_budget_stops_training_cleanly_and_a_bigger_one_resumes(tmp_path: Path) -> None:
    with OpenAITestServer(scripted([fenced(BAD), fenced(FAILING), fenced(GOOD)])) as server:
        stopped = trainer(tmp_path, server, max_total_tokens=50).fit(SAMPLES)
        assert stopped.stop_reason == "token_budget" and "token budget spent" in stopped.message
        assert load_state(tmp_path).step == stopped.step < FAST.n_steps
        resumed = trainer(tmp_path, server, max_total_tokens=10**6).fit(SAMPLES)
    assert resumed.stop_reason == "completed" and resumed.step == FAST.n_steps


GARBAGE = RawReply(b"<html><body>upstream busy</body></html>", "text/html")


def test_a_reply_that_is_not_a_chat_completion_is_retried_and_the_good_answer_trains(tmp_path: Path) -> None:
    with OpenAITestServer(scripted([fenced(BAD), fenced(GOOD)])) as server:
        server.failures = [None, GARBAGE]  # the setup prompt is answered, the first update once garbled
        result = trainer(tmp_path, server, replace(FAST, n_steps=1)).fit(SAMPLES)
    assert result.stop_reason == "completed" and result.step == 1
    assert len(server.requests) == 3 and load_best(tmp_path).source == GOOD


def test_replies_that_are_never_chat_completions_stop_training_cleanly_and_it_resumes(tmp_path: Path) -> None:
    with OpenAITestServer(scripted([fenced(BAD), fenced(FAILING), fenced(GOOD)])) as server:
        server.failures = [None, None, GARBAGE, GARBAGE, GARBAGE]  # setup and update 1 answered, update 2 not
        stopped = trainer(tmp_path, server, max_retries=2).fit(SAMPLES)
        assert stopped.stop_reason == "llm_error" and stopped.step == 1
        assert "answered 200 with a body that is not a chat completion (not JSON)" in stopped.message
        assert "after 3 attempts" in stopped.message and len(server.requests) == 5
        state = load_state(tmp_path)
        assert state.step == 1 and set(state.candidates) == {"c0001", "c0002"}
        assert state.candidates["c0002"].source == FAILING and stopped.best_id == state.best.id
        resumed = trainer(tmp_path, server).fit(SAMPLES)
    assert resumed.stop_reason == "completed" and resumed.step == FAST.n_steps
    assert load_best(tmp_path).source == GOOD


def _run_in_subprocess(run_dir: Path, base_url: str) -> subprocess.Popen:
    script = textwrap.dedent(
        f"""
        import sys
        sys.path.insert(0, {str(HERE)!r})
        from test_engine_trainer import KILL_CONFIG, SAMPLES, trainer_for_url
        trainer_for_url({str(run_dir)!r}, {base_url!r}).fit(SAMPLES)
        """
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
    return subprocess.Popen([sys.executable, "-c", script], env=env)


KILL_CONFIG = TrainerConfig(
    **{**FAST.__dict__, "n_steps": 3, "tracker": TrackerConfig(n_top=2, n_responses=1, max_keep=3)}
)


def trainer_for_url(run_dir: str, base_url: str) -> Trainer:
    return Trainer(TASK, run_dir, KILL_CONFIG, llm_for(base_url), fast_sandbox())


def _kill_responder():
    """Children depend on the prompt's content only, so a rerun gets the same answers."""
    variants = [f"def double(x):\n    return 2 * x + {k} * 0\n" for k in range(6)]
    rules = [("return x + 1\n", [fenced(variants[0])])] + [
        (f"2 * x + {k} * 0", [fenced(variants[k + 1])]) for k in range(5)
    ]
    return by_content(rules, default=[fenced(GOOD)])


def test_a_run_killed_mid_update_resumes_to_the_same_result(tmp_path: Path) -> None:
    setup = [fenced(BAD), fenced(FAILING)]
    with OpenAITestServer(_kill_responder()) as reference_server:
        reference_server.responder = _with_setup(setup, reference_server.responder)
        trainer_for_url(str(tmp_path / "reference"), reference_server.base_url).fit(SAMPLES)
    with OpenAITestServer(_kill_responder()) as server:
        server.responder = _with_setup(setup, server.responder)
        server.hold = lambda body: (
            "Here is an implementation" in last_user_message(body) and len(update_prompts(server)) >= 3
        )
        process = _run_in_subprocess(tmp_path / "killed", server.base_url)
        assert server.held.wait(300), "the run never reached its second update"
        process.send_signal(signal.SIGKILL)
        process.wait()
        assert load_state(tmp_path / "killed").step == 1
        server.hold = None
        server.release.set()
        trainer_for_url(str(tmp_path / "killed"), server.base_url).fit(SAMPLES)
    reference, resumed = load_state(tmp_path / "reference"), load_state(tmp_path / "killed")
    assert resumed.step == reference.step == 3
    assert resumed.pool == reference.pool and resumed.standings == reference.standings
    assert {c: s.source for c, s in resumed.candidates.items()} == {
        c: s.source for c, s in reference.candidates.items()
    }


def _with_setup(setup_answers: list[str], responder):
    def respond(body):
        if "Write this Python function" in last_user_message(body):
            return setup_answers[: body.get("n", 1)]
        return responder(body)

    return respond
