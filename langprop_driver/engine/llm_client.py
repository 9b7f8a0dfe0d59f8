"""The LLM client: chat completions through ``openai`` v1 with retries, a cache and a token ledger."""

from __future__ import annotations

import logging
import threading
import time
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


@dataclass(frozen=True)
class Completion:
    """The answers to one prompt, and whether every one of them came from the cache."""

    texts: tuple[str, ...]
    cached: bool


def _retry_after_s(exc: Exception) -> float:
    response = getattr(exc, "response", None)
    try:
        return float(response.headers.get("retry-after", 0)) if response is not None else 0.0
    except (TypeError, ValueError):
        return 0.0


class LLMClient:
    """Sends chat prompts to an OpenAI-compatible endpoint; never asks a person anything."""

    def __init__(self, config: LLMConfig, ledger: TokenLedger | None = None) -> None:
        self.config = config
        self.ledger = ledger or TokenLedger(config.max_total_tokens)
        self.cache = ResponseCache(config.cache_dir) if config.cache_dir is not None else None
        self._client = openai.OpenAI(
            base_url=config.base_url,
            api_key=config.resolved_api_key(),
            max_retries=0,
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
        for attempt in range(self.config.max_retries + 1):
            try:
                with self._slots:
                    response = self._client.chat.completions.create(**parameters)
                break
            except _RETRIED as exc:
                if attempt == self.config.max_retries:
                    raise LLMError(
                        f"{self.config.base_url or 'OpenAI'} still failing after {attempt + 1} attempts: "
                        f"{type(exc).__name__}: {exc}"
                    ) from exc
                wait_s = min(
                    self.config.max_backoff_s,
                    max(self.config.retry_backoff_s * 2**attempt, _retry_after_s(exc)),
                )
                logger.warning(
                    "LLM request failed (%s); retry %d in %.2f s", type(exc).__name__, attempt + 1, wait_s
                )
                time.sleep(wait_s)
            except openai.APIError as exc:
                raise LLMError(f"the LLM endpoint refused the request: {type(exc).__name__}: {exc}") from exc
        self._record_usage(response)
        return tuple(
            choice.message.content or "" for choice in sorted(response.choices, key=lambda c: c.index)
        )

    def _record_usage(self, response: openai.types.chat.ChatCompletion) -> None:
        usage = response.usage
        if usage is None:
            if not self._warned_no_usage:
                logger.warning("the endpoint reports no token usage; the token budget cannot be enforced")
                self._warned_no_usage = True
            self.ledger.record(0, 0)
            return
        self.ledger.record(usage.prompt_tokens or 0, usage.completion_tokens or 0)
