"""The LLM client against the local test server: retries, cache, ledger, budget, errors."""

from __future__ import annotations

import json

import pytest
from engine_helpers import llm_for
from openai_test_server import NO_ANSWER, OpenAITestServer, RawReply, scripted

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


def _completion(choices: object, **fields: object) -> RawReply:
    return RawReply(
        json.dumps({"id": "x", "object": "chat.completion", "choices": choices, **fields}).encode()
    )


NOT_COMPLETIONS = {
    "html": (RawReply(b"<html>502 Bad Gateway</html>", "text/html"), "not JSON"),
    "truncated JSON": (RawReply(b'{"choices": [{"message": '), "not JSON"),
    "not UTF-8": (RawReply(b'{"choices": "\xff"}'), "not JSON"),
    "JSON list": (RawReply(b"[1, 2]"), "not a JSON object"),
    "no choices": (RawReply(b'{"error": null, "data": "hi"}'), "no 'choices' list"),
    "choices not a list": (_completion({"0": {"message": {"content": "hi"}}}), "no 'choices' list"),
    "no choice": (_completion([]), "'choices' is empty"),
    "choice not an object": (_completion(["hi"]), "choices[0] has no 'message' object"),
    "no message": (_completion([{"index": 0, "text": "hi"}]), "choices[0] has no 'message' object"),
    "no content": (_completion([{"index": 0, "message": {"role": "assistant"}}]), "choices[0].message has no 'content'"),
    "content not a string": (
        _completion([{"index": 0, "message": {"role": "assistant", "content": ["hi"]}}]),
        "choices[0].message.content is not a string",
    ),
}  # fmt: skip


@pytest.mark.parametrize("reply, problem", NOT_COMPLETIONS.values(), ids=NOT_COMPLETIONS.keys())
def test_a_200_that_is_not_a_chat_completion_is_retried_and_the_next_good_answer_used(
    reply: RawReply, problem: str
) -> None:
    with OpenAITestServer(scripted(["hi"])) as server:
        server.failures = [reply]
        client = LLMClient(llm_for(server.base_url))
        completion = client.complete(MESSAGES, n=1)
    assert completion.texts == ("hi",) and not completion.cached
    assert len(server.requests) == 2
    assert client.ledger.usage.requests == 1  # only the good answer is counted


@pytest.mark.parametrize("reply, problem", NOT_COMPLETIONS.values(), ids=NOT_COMPLETIONS.keys())
def test_a_200_that_is_never_a_chat_completion_gives_up_with_a_clear_error(
    tmp_path, reply: RawReply, problem: str
) -> None:
    with OpenAITestServer(scripted(["hi"])) as server:
        server.failures = [reply] * 3
        config = llm_for(server.base_url, max_retries=2, cache_dir=tmp_path / "cache")
        with pytest.raises(LLMError) as raised:
            LLMClient(config).complete(MESSAGES, n=1)
        assert len(server.requests) == 3
        assert LLMClient(config).complete(MESSAGES, n=1).cached is False  # nothing bad was cached
    message = str(raised.value)
    assert (
        "after 3 attempts" in message and "answered 200 with a body that is not a chat completion" in message
    )
    assert problem in message and "\n" not in message


def test_null_content_is_an_empty_answer_and_choices_come_in_index_order() -> None:
    choices = [
        {"index": 1, "message": {"role": "assistant", "content": "second"}},
        {"index": 0, "message": {"role": "assistant", "content": None, "refusal": "no"}},
    ]
    with OpenAITestServer() as server:
        server.failures = [_completion(choices)]
        completion = LLMClient(llm_for(server.base_url)).complete(MESSAGES, n=2)
    assert completion.texts == ("", "second") and len(server.requests) == 1


@pytest.mark.parametrize("usage", [None, "lots", {"prompt_tokens": "7", "completion_tokens": 3}])
def test_missing_or_malformed_usage_counts_no_tokens_but_keeps_the_answer(usage: object) -> None:
    choices = [{"index": 0, "message": {"role": "assistant", "content": "hi"}}]
    with OpenAITestServer() as server:
        server.failures = [_completion(choices, usage=usage)]
        client = LLMClient(llm_for(server.base_url))
        completion = client.complete(MESSAGES, n=1)
    assert completion.texts == ("hi",) and len(server.requests) == 1
    assert client.ledger.usage.requests == 1 and client.ledger.usage.total_tokens == 0


def test_a_request_never_answered_times_out_after_request_timeout_s_without_hidden_retries() -> None:
    with OpenAITestServer() as server:
        server.failures = [NO_ANSWER] * 5
        client = LLMClient(llm_for(server.base_url, request_timeout_s=0.5, max_retries=1))
        with pytest.raises(LLMError, match=r"after 2 attempts: no answer within request_timeout_s = 0\.5 s"):
            client.complete(MESSAGES, n=1)
        # every attempt was sent before the error, and no more than max_retries + 1
        assert server.wait_for_requests(2) == 2


def test_the_openai_client_gets_the_timeout_and_does_the_retries() -> None:
    client = LLMClient(llm_for("http://127.0.0.1:9/v1", request_timeout_s=7.5, max_retries=3))
    assert client._client.max_retries == 3
    assert client._client.timeout == 7.5


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
