"""The token ledger: tokens spent per the servers' ``usage``, against a budget, saved to disk."""

from __future__ import annotations

import json
import threading
from dataclasses import asdict, dataclass
from pathlib import Path

from .llm_cache import write_json_atomic


class TokenBudgetExceeded(RuntimeError):
    """The run has spent its token budget; training stops cleanly at the last checkpoint."""


@dataclass(frozen=True)
class TokenUsage:
    prompt_tokens: int = 0
    completion_tokens: int = 0
    requests: int = 0
    cache_hits: int = 0

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


class TokenLedger:
    """Thread-safe running totals; refuses new requests once ``budget_tokens`` is reached."""

    def __init__(self, budget_tokens: int | None = None, path: Path | None = None) -> None:
        self.budget_tokens = budget_tokens
        self._path = path
        self._lock = threading.Lock()
        self._usage = TokenUsage()
        if path is not None and path.is_file():
            self._usage = TokenUsage(**json.loads(path.read_text()))

    @property
    def usage(self) -> TokenUsage:
        return self._usage

    def check_budget(self) -> None:
        """Raise :class:`TokenBudgetExceeded` if no more tokens may be spent."""
        spent = self._usage.total_tokens
        if self.budget_tokens is not None and spent >= self.budget_tokens:
            raise TokenBudgetExceeded(f"token budget spent: {spent} of {self.budget_tokens} tokens")

    def record(self, prompt_tokens: int, completion_tokens: int) -> None:
        self._update(prompt_tokens, completion_tokens, requests=1, cache_hits=0)

    def record_cache_hit(self) -> None:
        self._update(0, 0, requests=0, cache_hits=1)

    def _update(self, prompt_tokens: int, completion_tokens: int, requests: int, cache_hits: int) -> None:
        with self._lock:
            u = self._usage
            self._usage = TokenUsage(
                u.prompt_tokens + prompt_tokens,
                u.completion_tokens + completion_tokens,
                u.requests + requests,
                u.cache_hits + cache_hits,
            )
            if self._path is not None:
                write_json_atomic(self._path, asdict(self._usage))
