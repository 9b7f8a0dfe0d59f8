"""Configuration of the LLM endpoint, read from arguments and the environment."""

from __future__ import annotations

import os
from dataclasses import fields, replace
from pathlib import Path
from typing import Annotated, Any

from pydantic import AfterValidator, ConfigDict, Field, ValidationError
from pydantic.dataclasses import dataclass

from leaderboard_adapter.settings import validation_message

DEFAULT_MODEL = "gpt-4o-mini"


def _named(model: str) -> str:
    if not model:
        raise ValueError("must name the model to call, e.g. gpt-4o-mini")
    return model


@dataclass(frozen=True, config=ConfigDict(extra="forbid", strict=True))
class LLMConfig:
    """An OpenAI-compatible chat endpoint (OpenAI, Azure OpenAI v1, vLLM, Ollama, llama.cpp server).

    ``base_url`` None means OpenAI itself. ``api_key`` is never written to checkpoints or logs. Pydantic checks
    each setting's type and range (a bad one is a ``ValueError`` naming it).
    """

    model: Annotated[str, AfterValidator(_named)] = DEFAULT_MODEL
    base_url: str | None = None
    api_key: str | None = Field(default=None, repr=False)
    temperature: Annotated[float, Field(ge=0, le=2)] = 0.7
    max_tokens: Annotated[int, Field(ge=1)] | None = None
    """Completion tokens per answer; None leaves it to the server."""
    native_n: bool = True
    """Ask for several answers in one request (``n``); False sends ``n`` requests (servers without ``n``)."""
    max_concurrency: Annotated[int, Field(ge=1)] = 4
    """Requests in flight at once."""
    max_retries: Annotated[int, Field(ge=0)] = 5
    """Retries on HTTP 429, 5xx, timeouts and connection errors (the ``openai`` client's own, with its exponential
    backoff or the server's Retry-After), and on a 200 that is not a chat completion."""
    request_timeout_s: Annotated[float, Field(gt=0)] = 120.0
    """How long one attempt may wait for the answer [s] (the limit of each connect and read), so a silent
    endpoint is given up after ``(max_retries + 1) * request_timeout_s`` plus the backoffs."""
    max_total_tokens: Annotated[int, Field(ge=0)] | None = None
    """Token budget of the run (prompt + completion, cache hits free); None is unlimited."""
    cache_dir: Annotated[Path, Field(strict=False)] | None = None
    """On-disk response cache; None uses ``<run dir>/llm_cache``."""

    @classmethod
    def from_env(cls, **overrides: Any) -> LLMConfig:
        """Defaults, then ``OPENAI_BASE_URL``, ``OPENAI_API_KEY``, ``OPENAI_MODEL``, then ``overrides``.

        An override of None leaves the environment's value; a bad setting is a ``ValueError`` naming it.
        """
        environment = {
            "base_url": os.environ.get("OPENAI_BASE_URL"),
            "api_key": os.environ.get("OPENAI_API_KEY"),
            "model": os.environ.get("OPENAI_MODEL"),
        }
        values = {k: v for k, v in environment.items() if v}
        values.update({k: v for k, v in overrides.items() if v is not None})
        try:
            return cls(**values)
        except ValidationError as error:  # one line naming each bad setting
            raise ValueError(validation_message(error, cls)) from None

    def resolved_api_key(self) -> str:
        """The key to send: the configured one, or a placeholder for local servers that need none."""
        if self.api_key:
            return self.api_key
        if self.base_url is None:
            raise ValueError(
                "no API key: set OPENAI_API_KEY, or OPENAI_BASE_URL for a local server that needs none"
            )
        return "EMPTY"

    def public_dict(self) -> dict[str, Any]:
        """The configuration without the API key, for checkpoints and logs."""
        return {f.name: str(v) if isinstance(v := getattr(self, f.name), Path) else v
                for f in fields(self) if f.name != "api_key"}  # fmt: skip

    def with_cache_dir(self, cache_dir: Path) -> LLMConfig:
        return self if self.cache_dir is not None else replace(self, cache_dir=cache_dir)
