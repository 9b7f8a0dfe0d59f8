"""The LangProp loop end to end in the embedded world: collect on the smoke routes, train two updates against
the local OpenAI-compatible test server, evaluate the new checkpoint, collect again with it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pipeline_helpers import (
    CAUTIOUS_POLICY,
    CLOSED_LOOP_SMOKE,
    SMOKE,
    OpenAITestServer,
    cli,
    collect_smoke,
    fenced,
    scripted,
)

from data_collection import BufferIndex, read_shard
from langprop_driver.driving import BASELINE_POLICY_SOURCE
from langprop_driver.engine import load_state
from leaderboard_adapter.scoring.results_file import load_results_json


def _shards(folder: Path) -> list:
    return [read_shard(path) for path in sorted(folder.glob("*.jsonl"))]


@pytest.mark.slow
def test_collect_train_evaluate_and_collect_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    buffer = tmp_path / "buffer"
    assert collect_smoke(buffer / "iter_1") == 0
    first = _shards(buffer / "iter_1")
    assert len(first) == 2 and all(s.complete for s in first)
    assert {s.header.route_id for s in first} == {"RouteScenario_0_rep0", "RouteScenario_1_rep0"}
    assert all(s.header.policy_version == "baseline" and s.header.extra["routes_file"].endswith("embedded_smoke.xml")
               for s in first)  # fmt: skip
    collected = load_results_json(buffer / "iter_1" / "results" / "collect_seed0.json")
    assert collected["_checkpoint"]["progress"] == [2, 2] and collected["entry_status"] == "Finished"

    ckpt = tmp_path / "policy" / "iter_1"
    with OpenAITestServer(scripted([fenced(CAUTIOUS_POLICY)])) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", "test-key")
        assert cli("train", "--buffer", buffer, "--out", ckpt, "--updates", "2", "--no-progress",
                   "--config", CLOSED_LOOP_SMOKE) == 0  # fmt: skip
    prompts = [m["content"] for r in server.requests for m in r["messages"] if m["role"] == "user"]
    assert prompts and all("target_speed_mps" in p for p in prompts)  # the update prompts show the expert's labels
    state = load_state(ckpt)
    assert state.step == 2
    assert state.candidates["c0001"].origin == "given" and state.candidates["c0001"].source == BASELINE_POLICY_SOURCE
    assert any(c.source == CAUTIOUS_POLICY and c.origin == "update" for c in state.candidates.values())
    metrics = [json.loads(line) for line in (ckpt / "metrics.jsonl").read_text().splitlines()]
    assert [m["step"] for m in metrics] == [0, 1, 2] and all("val/mean_score" in m for m in metrics[1:])
    assert all(m["select/decided_by"] == "validation" and 0 <= m["val/elite_score"] <= 100 for m in metrics)
    assert state.elite == state.pool[0] and "validation" in state.fitness[state.elite]
    assert (ckpt / "training.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    evaluation = tmp_path / "eval.json"
    assert cli("evaluate", "--policy", ckpt, *SMOKE, "--checkpoint", evaluation) == 0
    results = load_results_json(evaluation)
    assert results["_checkpoint"]["progress"] == [2, 2] and results["entry_status"] == "Finished"
    records = results["_checkpoint"]["records"]
    assert [r.route_id for r in records] == ["RouteScenario_0_rep0", "RouteScenario_1_rep0"]
    assert all(r.status in ("Completed", "Perfect", "Failed") for r in records)
    scores = results["_checkpoint"]["global_record"]["scores_mean"]
    assert scores["score_composed"] == pytest.approx(sum(r.driving_score for r in records) / 2, abs=1e-4)

    assert collect_smoke(buffer / "iter_2", "--policy", ckpt) == 0
    second = _shards(buffer / "iter_2")
    assert {s.header.policy_version for s in second} == {f"ckpt:{ckpt.resolve()}@{state.best.id}"}
    assert len(BufferIndex.scan(buffer).shards) == 4  # DAgger aggregates both iterations' data


def test_evaluate_policy_baseline_drives_the_baseline(tmp_path: Path) -> None:
    results = tmp_path / "baseline.json"
    flags = ("--routes-subset", "0", "--vehicles", "0", "--walkers", "0", "--checkpoint", results)
    assert cli("evaluate", "--policy", "baseline", *SMOKE, *flags) == 0
    loaded = load_results_json(results)
    (record,) = loaded["_checkpoint"]["records"]
    assert loaded["entry_status"] == "Finished" and record.status in ("Completed", "Perfect")
    assert record.route_completion == 100.0 and not record.infractions["red_light"]
