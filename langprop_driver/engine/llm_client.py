"""The LLM client: chat completions through ``openai`` v1 with retries, a cache and a token ledger.

The ``openai`` client retries HTTP 429, 5xx, timeouts and connection errors itself (``max_retries``, with its
exponential backoff, honouring the server's Retry-After); this client adds only what it cannot see: a 200 whose
body is not a chat completion is retried too, out of the same budget of ``max_retries``.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import openai

from .ledger import TokenLedger
from .llm_cache import ResponseCache
from .llm_config import LLMConfig
from .prompts import Message

logger = logging.getLogger(__name__)

_RETRIED = (
    openai.RateLimitError,
    openai.InternalServerError,
    openai.APITimeoutError,
    openai.APIConnectionError,
)


class LLMError(RuntimeError):
    """The endpoint refused the request or kept failing after every retry."""


class NotACompletion(ValueError):
    """An HTTP 200 reply whose body is not a chat completion (not JSON, or JSON of another shape)."""

    def __init__(self, problem: str, body: bytes) -> None:
        snippet = body[:200].decode("utf-8", errors="replace")
        super().__init__(
            f"the endpoint answered 200 with a body that is not a chat completion ({problem}): {snippet!r}"
        )


@dataclass(frozen=True)
class _Reply:
    """The parts of a chat completion the client uses; ``usage`` None when the endpoint reports none."""

    texts: tuple[str, ...]
    usage: tuple[int, int] | None


def parse_completion(body: bytes) -> _Reply:
    """The answer texts (in ``index`` order; null content is an empty answer) and token usage of a chat
    completion's JSON body; :class:`NotACompletion` names what is wrong with any other body."""
    try:
        document = json.loads(body)
    except ValueError:  # JSONDecodeError and UnicodeDecodeError
        raise NotACompletion("not JSON", body) from None
    if not isinstance(document, dict):
        raise NotACompletion("not a JSON object", body)
    choices = document.get("choices")
    if not isinstance(choices, list):
        raise NotACompletion("no 'choices' list", body)
    if not choices:
        raise NotACompletion("'choices' is empty", body)
    answers = []
    for position, choice in enumerate(choices):
        message = choice.get("message") if isinstance(choice, dict) else None
        if not isinstance(message, dict):
            raise NotACompletion(f"choices[{position}] has no 'message' object", body)
        if "content" not in message:
            raise NotACompletion(f"choices[{position}].message has no 'content'", body)
        content = message["content"]
        if content is not None and not isinstance(content, str):
            raise NotACompletion(f"choices[{position}].message.content is not a string", body)
        index = choice.get("index")
        order = index if isinstance(index, int) and not isinstance(index, bool) else position
        answers.append((order, position, content or ""))
    return _Reply(tuple(text for _, _, text in sorted(answers)), _usage(document.get("usage")))


def _usage(usage: object) -> tuple[int, int] | None:
    """(prompt, completion) tokens of a ``usage`` object; None when absent or not counts."""
    if not isinstance(usage, dict):
        return None
    counts = (usage.get("prompt_tokens", 0), usage.get("completion_tokens", 0))
    if all(isinstance(c, int) and not isinstance(c, bool) and c >= 0 for c in counts):
        return counts[0], counts[1]
    return None


@dataclass(frozen=True)
class Completion:
    """The answers to one prompt, and whether every one of them came from the cache."""

    texts: tuple[str, ...]
    cached: bool


class LLMClient:
    """Sends chat prompts to an OpenAI-compatible endpoint; never asks a person anything."""

    def __init__(self, config: LLMConfig, ledger: TokenLedger | None = None) -> None:
        self.config = config
        self.ledger = ledger or TokenLedger(config.max_total_tokens)
        self.cache = ResponseCache(config.cache_dir) if config.cache_dir is not None else None
        self._client = openai.OpenAI(
            base_url=config.base_url,
            api_key=config.resolved_api_key(),
            max_retries=config.max_retries,
            timeout=config.request_timeout_s,
        )
        self._slots = threading.BoundedSemaphore(config.max_concurrency)
        self._warned_no_usage = False

    def complete(self, messages: list[Message], n: int) -> Completion:
        """``n`` answers to ``messages``; cached answers are reused and cost no tokens."""
        if n < 1:
            raise ValueError(f"n must be >= 1, got {n}")
        if self.config.native_n:
            texts, cached = self._request(messages, n, sample=None)
            return Completion(texts, cached)
        answers = [self._request(messages, 1, sample=index) for index in range(n)]
        return Completion(tuple(t for texts, _ in answers for t in texts), all(c for _, c in answers))

    def complete_many(self, prompts: Sequence[list[Message]], n: int) -> list[Completion]:
        """Answers to several prompts, at most ``max_concurrency`` in flight; the first error is raised."""
        with ThreadPoolExecutor(max_workers=self.config.max_concurrency) as executor:
            futures = [executor.submit(self.complete, messages, n) for messages in prompts]
            return [future.result() for future in futures]

    def _request(self, messages: list[Message], n: int, sample: int | None) -> tuple[tuple[str, ...], bool]:
        request = {
            "model": self.config.model,
            "messages": messages,
            "temperature": self.config.temperature,
            "n": n,
            "max_tokens": self.config.max_tokens,
            "sample": sample,
        }
        if self.cache is not None and (hit := self.cache.get(request)) is not None:
            self.ledger.record_cache_hit()
            return tuple(hit["texts"]), True
        self.ledger.check_budget()
        texts = self._call_with_retries(messages, n)
        if self.cache is not None:
            self.cache.put(request, {"texts": list(texts)})
        return texts, False

    def _call_with_retries(self, messages: list[Message], n: int) -> tuple[str, ...]:
        parameters = {
            "model": self.config.model,
            "messages": messages,
            "temperature": self.config.temperature,
        }
        if n != 1:
            parameters["n"] = n
        if self.config.max_tokens is not None:
            parameters["max_tokens"] = self.config.max_tokens
        retries_left, attempts = self.config.max_retries, 0
        while True:
            client = self._client.with_options(max_retries=retries_left)
            try:
                with self._slots:
                    raw = client.chat.completions.with_raw_response.create(**parameters)
                    body = raw.http_response.content
            except _RETRIED as exc:  # the openai client retried it until the budget was spent
                raise LLMError(self._still_failing(attempts + retries_left + 1, exc)) from exc
            except openai.APIError as exc:
                raise LLMError(f"the LLM endpoint refused the request: {type(exc).__name__}: {exc}") from exc
            attempts += raw.retries_taken + 1
            retries_left -= raw.retries_taken
            try:
                reply = parse_completion(body)
            except NotACompletion as exc:
                if retries_left == 0:
                    raise LLMError(self._still_failing(attempts, exc)) from exc
                retries_left -= 1
                logger.warning("LLM request failed (%s); retry %d", exc, attempts)
                continue
            self._record_usage(reply.usage)
            return reply.texts

    def _still_failing(self, attempts: int, exc: Exception) -> str:
        return f"{self.config.base_url or 'OpenAI'} still failing after {attempts} attempts: {self._describe(exc)}"

    def _describe(self, exc: Exception) -> str:
        if isinstance(exc, NotACompletion):
            return str(exc)
        if isinstance(exc, openai.APITimeoutError):
            return (
                f"no answer within request_timeout_s = {self.config.request_timeout_s:g} s (APITimeoutError)"
            )
        return f"{type(exc).__name__}: {exc}"

    def _record_usage(self, usage: tuple[int, int] | None) -> None:
        if usage is None:
            if not self._warned_no_usage:
                logger.warning("the endpoint reports no token usage; the token budget cannot be enforced")
                self._warned_no_usage = True
            self.ledger.record(0, 0)
            return
        self.ledger.record(*usage)
