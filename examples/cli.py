"""What the examples' entry points share: the endpoint and run options, the LLM settings, the last lines.

Every example runs against any OpenAI-compatible endpoint with the settings of ``langprop-drive train``
(model, temperature, token budget, retries, request timeout); the run folder holds the LLM cache, the
token ledger and the checkpoints, and running the same command again resumes it.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from langprop_driver.engine import FitResult, LLMConfig, StopReason


def example_parser(description: str, run_dir: Path, steps: int) -> argparse.ArgumentParser:
    """A parser with the options every example has; ``run_dir`` and ``steps`` are its defaults."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--run-dir", type=Path, default=run_dir, help="checkpoint folder (resumed if present)")
    parser.add_argument("--model", default=None, help="model name (default: $OPENAI_MODEL or gpt-4o-mini)")
    parser.add_argument("--base-url", default=None, help="endpoint (default: $OPENAI_BASE_URL, else OpenAI)")
    parser.add_argument("--temperature", type=float, default=0.7)
    parser.add_argument(
        "--max-total-tokens", type=int, default=None, help="token budget; training stops cleanly"
    )
    parser.add_argument("--max-retries", type=int, default=5, help="retries of a failed LLM request")
    parser.add_argument(
        "--request-timeout-s", type=float, default=120.0, help="how long one LLM request may take [s]"
    )
    parser.add_argument(
        "--no-native-n", action="store_true", help="one request per answer (servers without n)"
    )
    parser.add_argument("--steps", type=int, default=steps, help="update batches")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--call-timeout-s", type=float, default=2.0, help="limit of one candidate call [s]")
    return parser


def llm_config(args: argparse.Namespace, parser: argparse.ArgumentParser) -> LLMConfig:
    """The endpoint of ``args`` and the environment; a usage error when no endpoint is named or a setting is bad."""
    try:
        config = LLMConfig.from_env(
            model=args.model,
            base_url=args.base_url,
            temperature=args.temperature,
            max_total_tokens=args.max_total_tokens,
            max_retries=args.max_retries,
            request_timeout_s=args.request_timeout_s,
            native_n=not args.no_native_n,
        )
        config.resolved_api_key()
    except ValueError as error:
        parser.error(f"LLM settings: {error}")
    return config


def report(result: FitResult, run_dir: Path) -> int:
    """Print how training ended and where the best candidate is; the process exit code."""
    validation = f"validation {result.best_validation:.3f}, " if result.best_validation is not None else ""
    print(f"stopped: {result.stop_reason} at step {result.step}; best {result.best_id} "
          f"({validation}priority {result.best_priority}); tokens {result.total_tokens}")  # fmt: skip
    if result.best_id is not None:
        print(f"best candidate: {run_dir / 'candidates' / f'{result.best_id}.py'}")
    if result.stop_reason not in (StopReason.COMPLETED, StopReason.TOKEN_BUDGET):
        print(f"error: training stopped ({result.stop_reason}): {result.message}")
        return 1
    return 0
