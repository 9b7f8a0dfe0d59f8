"""The LLM client against the local test server: retries, cache, ledger, budget, errors."""

from __future__ import annotations

import pytest
from engine_helpers import llm_for
from openai_test_server import OpenAITestServer, scripted

from langprop_driver.engine import LLMClient, LLMConfig, LLMError, TokenBudgetExceeded, TokenLedger

MESSAGES = [{"role": "system", "content": "be brief"}, {"role": "user", "content": "say hi"}]


@pytest.mark.parametrize("status", [429, 500, 503])
def test_transient_http_errors_are_retried(status: int) -> None:
    with OpenAITestServer(scripted(["hi", "there"])) as server:
        server.failures = [status, status]
        completion = LLMClient(llm_for(server.base_url)).complete(MESSAGES, n=2)
    assert completion.texts == ("hi", "there")
    assert len(server.requests) == 3


def test_retries_give_up_with_a_clear_error() -> None:
    with OpenAITestServer() as server:
        server.failures = [500] * 3
        with pytest.raises(LLMError, match="after 3 attempts"):
            LLMClient(llm_for(server.base_url, max_retries=2)).complete(MESSAGES, n=1)


def test_a_refused_request_is_not_retried() -> None:
    with OpenAITestServer() as server:
        server.failures = [400]
        with pytest.raises(LLMError, match="refused"):
            LLMClient(llm_for(server.base_url)).complete(MESSAGES, n=1)
    assert len(server.requests) == 1


def test_cache_hits_cost_no_tokens(tmp_path) -> None:
    with OpenAITestServer(scripted(["one", "two", "three"])) as server:
        config = llm_for(server.base_url, cache_dir=tmp_path / "cache")
        answer = LLMClient(config).complete(MESSAGES, n=2)
        rerun = LLMClient(config)
        again = rerun.complete(MESSAGES, n=2)
    assert not answer.cached
    assert again.cached and again.texts == answer.texts == ("one", "two")
    assert rerun.ledger.usage.total_tokens == 0 and rerun.ledger.usage.cache_hits == 1
    assert len(server.requests) == 1


def test_a_different_request_is_not_a_cache_hit(tmp_path) -> None:
    with OpenAITestServer(scripted(["one", "two"])) as server:
        client = LLMClient(llm_for(server.base_url, cache_dir=tmp_path / "cache"))
        client.complete(MESSAGES, n=1)
        other = client.complete(MESSAGES[:1], n=1)
    assert not other.cached and other.texts == ("two",)
    assert client.ledger.usage.requests == 2


def test_budget_refuses_requests_once_spent(tmp_path) -> None:
    with OpenAITestServer() as server:
        ledger = TokenLedger(budget_tokens=5, path=tmp_path / "ledger.json")
        client = LLMClient(llm_for(server.base_url), ledger)
        client.complete(MESSAGES, n=1)
        with pytest.raises(TokenBudgetExceeded, match="token budget spent"):
            client.complete([*MESSAGES, {"role": "user", "content": "more"}], n=1)
    assert len(server.requests) == 1
    assert TokenLedger(5, tmp_path / "ledger.json").usage.total_tokens == ledger.usage.total_tokens


def test_servers_without_n_get_one_request_per_answer() -> None:
    with OpenAITestServer(scripted(["a", "b", "c"])) as server:
        completion = LLMClient(llm_for(server.base_url, native_n=False)).complete(MESSAGES, n=3)
    assert completion.texts == ("a", "b", "c")
    assert [r.get("n", 1) for r in server.requests] == [1, 1, 1]


def test_configuration_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", "http://localhost:8000/v1")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-env")
    config = LLMConfig.from_env(model="local-model", temperature=0.0)
    assert (config.base_url, config.model, config.temperature) == (
        "http://localhost:8000/v1",
        "local-model",
        0.0,
    )
    assert "sk-env" not in repr(config) and "api_key" not in config.public_dict()
    monkeypatch.delenv("OPENAI_API_KEY")
    assert LLMConfig.from_env().resolved_api_key() == "EMPTY"  # local servers need no key
    with pytest.raises(ValueError, match="OPENAI_API_KEY"):
        LLMConfig().resolved_api_key()
    with pytest.raises(ValueError, match="temperature"):
        LLMConfig(temperature=3.0)
