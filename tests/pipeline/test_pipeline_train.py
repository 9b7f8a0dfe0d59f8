"""`langprop-drive train`: resumes after an LLM outage, goes on from a checkpoint without touching it, and
refuses a missing endpoint, bad settings and unusable buffers with clear errors."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from pipeline_helpers import CAUTIOUS_POLICY, OpenAITestServer, cli, collect_smoke, fenced, scripted

# isort: split
from openai_test_server import NO_ANSWER, RawReply  # importable once pipeline_helpers put it on the path

from langprop_driver.engine import load_state


@pytest.fixture(scope="module")
def buffer(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The smoke routes collected once with the baseline policy (seed 0, default traffic)."""
    folder = tmp_path_factory.mktemp("buffer")
    assert collect_smoke(folder) == 0
    return folder


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch):
    with OpenAITestServer(scripted([fenced(CAUTIOUS_POLICY)])) as running:
        monkeypatch.setenv("OPENAI_BASE_URL", running.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", "test-key")
        yield running


def _train(buffer: Path, out: Path, *flags: str | Path) -> int:
    """`train` with open-loop fitness (these tests are about the command and the LLM; tests/pipeline/
    test_pipeline_closed_loop.py drives candidates)."""
    return cli("train", "--buffer", buffer, "--out", out, "--samples", "48", "--batch-size", "16", "--no-progress",
               "--fitness", "open_loop", *flags)  # fmt: skip


def test_an_llm_outage_stops_training_at_the_last_checkpoint_and_the_same_command_resumes(
    tmp_path: Path, buffer: Path, server: OpenAITestServer, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "train.toml").write_text("max_retries = 0\nupdates = 3\n")
    server.failures = [500]  # the first update's request fails, and no retry is allowed
    assert _train(buffer, tmp_path / "out", "--config", tmp_path / "train.toml") == 1
    assert "training stopped" in capsys.readouterr().err
    assert load_state(tmp_path / "out").step == 0  # the given baseline, committed before the outage
    assert _train(buffer, tmp_path / "out", "--config", tmp_path / "train.toml") == 0
    state = load_state(tmp_path / "out")
    assert state.step == 3
    steps = [json.loads(line)["step"] for line in (tmp_path / "out" / "metrics.jsonl").read_text().splitlines()]
    assert steps == [1, 2, 3]


def test_replies_that_are_not_chat_completions_stop_training_with_a_one_line_error_and_it_resumes(
    tmp_path: Path, buffer: Path, server: OpenAITestServer, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "train.toml").write_text("max_retries = 1\nupdates = 2\n")
    server.failures = [RawReply(b"<html>502 Bad Gateway</html>", "text/html")] * 2
    assert _train(buffer, tmp_path / "out", "--config", tmp_path / "train.toml") == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    [line] = [line for line in err.splitlines() if line.startswith("langprop-drive: error:")]
    assert "training stopped:" in line and "still failing after 2 attempts" in line
    assert "answered 200 with a body that is not a chat completion (not JSON): '<html>502 Bad Gateway</html>'" in line
    assert len(server.requests) == 2
    assert load_state(tmp_path / "out").step == 0  # the given baseline, committed before the bad replies
    assert _train(buffer, tmp_path / "out", "--config", tmp_path / "train.toml") == 0
    assert load_state(tmp_path / "out").step == 2


def test_request_timeout_s_comes_from_the_config_and_the_flag_overrides_it(
    tmp_path: Path, buffer: Path, server: OpenAITestServer, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "train.toml").write_text("max_retries = 1\nrequest_timeout_s = 0.5\n")
    for out, flags, timeout_s in (("toml", (), 0.5), ("flag", ("--request-timeout-s", "0.25"), 0.25)):
        server.requests.clear()
        server.failures = [NO_ANSWER] * 2  # the first update's request and its retry are never answered
        assert _train(buffer, tmp_path / out, "--config", tmp_path / "train.toml", *flags) == 1
        assert f"after 2 attempts: no answer within request_timeout_s = {timeout_s:g} s" in capsys.readouterr().err
        assert server.wait_for_requests(2) == 2  # max_retries 1: the openai client's one retry, no more
        assert json.loads((tmp_path / out / "state.json").read_text())["llm"]["request_timeout_s"] == timeout_s
    assert _train(buffer, tmp_path / "bad", "--request-timeout-s", "0") == 2
    assert "request_timeout_s must be > 0, got 0.0" in _error(capsys)


def test_a_checkpoint_whose_ids_are_paths_is_refused_plainly_and_nothing_is_written_outside(
    tmp_path: Path, buffer: Path, server: OpenAITestServer, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert _train(buffer, out, "--updates", "0") == 0
    document = json.loads((out / "state.json").read_text())
    document["candidates"]["../../evil"] = document["candidates"].pop("c0001")
    document["pool"], document["best"] = ["../../evil"], "../../evil"
    (out / "state.json").write_text(json.dumps(document))
    capsys.readouterr()
    assert _train(buffer, out, "--updates", "1") == 2  # resuming it
    error = _error(capsys)
    assert "checkpoint: " in error and "state.json: a key of 'candidates': '../../evil' is not a candidate id" in error
    assert "Traceback" not in error
    assert _train(buffer, tmp_path / "copy", "--policy", out) == 2  # starting from it
    assert "'../../evil' is not a candidate id" in _error(capsys)
    assert not (tmp_path / "evil.py").exists() and not (tmp_path / "copy").exists()
    assert server.requests == []


def test_training_from_a_checkpoint_goes_on_in_a_copy(tmp_path: Path, buffer: Path, server: OpenAITestServer) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    assert _train(buffer, first, "--updates", "1") == 0
    before = (first / "state.json").read_text()
    assert _train(buffer, second, "--policy", first, "--updates", "2") == 0
    assert (first / "state.json").read_text() == before
    state = load_state(second)
    assert state.step == 3 and set(load_state(first).candidates) <= set(state.candidates)
    assert json.loads((second / "train_run.json").read_text())["base_step"] == 1
    # more updates asked of the same folder go on from where it stopped
    assert _train(buffer, second, "--policy", first, "--updates", "3") == 0
    assert load_state(second).step == 4
    assert (second / "training.png").is_file()


def _error(capsys: pytest.CaptureFixture[str]) -> str:
    error = capsys.readouterr().err
    assert error.startswith("langprop-drive: error:")
    return error


def test_without_an_endpoint_it_says_so_and_writes_nothing(
    tmp_path: Path, buffer: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("OPENAI_BASE_URL", "OPENAI_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    assert _train(buffer, tmp_path / "out") == 2
    assert "no LLM endpoint: set OPENAI_BASE_URL" in _error(capsys)
    assert not (tmp_path / "out").exists()


def test_bad_settings_and_buffers_are_named(
    tmp_path: Path, buffer: Path, server: OpenAITestServer, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "bad.toml").write_text("updates = 2\nlearning_rate = 0.1\n")
    assert _train(buffer, tmp_path / "a", "--config", tmp_path / "bad.toml") == 2
    assert "unknown setting(s) learning_rate" in _error(capsys)
    (tmp_path / "typed.toml").write_text('samples = "many"\n')
    assert _train(buffer, tmp_path / "a", "--config", tmp_path / "typed.toml") == 2
    assert "samples must be int" in _error(capsys)
    (tmp_path / "empty").mkdir()
    assert _train(tmp_path / "empty", tmp_path / "a") == 2
    assert "no frames that mode 'dagger_penalty' trains on" in _error(capsys)
    assert _train(buffer, tmp_path / "a", "--mode", "offline") == 2  # the policy drove every frame
    assert "pick another --mode" in _error(capsys)
    shutil.copytree(buffer, tmp_path / "broken")
    next((tmp_path / "broken").glob("*.shard.jsonl")).write_text('{"type": "header"}\n')
    assert _train(tmp_path / "broken", tmp_path / "a") == 2
    assert "broken" in _error(capsys)
    assert not (tmp_path / "a").exists()


def test_an_output_folder_started_from_another_policy_is_refused(
    tmp_path: Path, buffer: Path, server: OpenAITestServer, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _train(buffer, tmp_path / "out", "--updates", "0") == 0
    (tmp_path / "other.py").write_text(CAUTIOUS_POLICY)
    assert _train(buffer, tmp_path / "out", "--policy", tmp_path / "other.py") == 2
    assert "was started from policy 'baseline'" in _error(capsys)
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "notes.txt").write_text("mine")
    assert _train(buffer, tmp_path / "full") == 2
    assert "is not a checkpoint folder made by `langprop-drive train`" in _error(capsys)
    assert (tmp_path / "full" / "notes.txt").read_text() == "mine"


def test_zero_shot_start_takes_the_llm_answers_instead_of_the_baseline(
    tmp_path: Path, buffer: Path, server: OpenAITestServer
) -> None:
    assert _train(buffer, tmp_path / "out", "--start", "zero-shot", "--updates", "1") == 0
    state = load_state(tmp_path / "out")
    assert state.candidates["c0001"].origin == "setup" and state.candidates["c0001"].source == CAUTIOUS_POLICY
    assert all(c.origin != "given" for c in state.candidates.values())
    assert server.requests[0]["messages"][-1]["content"].startswith("Write this Python function")
