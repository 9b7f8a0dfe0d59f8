"""Train a Sudoku solver with the LangProp engine against any OpenAI-compatible endpoint.

OPENAI_BASE_URL=http://localhost:8000/v1 python examples/sudoku/train_sudoku.py --model qwen2.5-coder
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from sudoku_task import TASK, make_samples  # noqa: E402

from langprop_driver.engine import LLMConfig, SandboxConfig, TrackerConfig, Trainer, TrainerConfig  # noqa: E402


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--run-dir", type=Path, default=Path("runs/sudoku"), help="checkpoint folder (resumed if present)"
    )
    parser.add_argument("--model", default=None, help="model name (default: $OPENAI_MODEL or gpt-4o-mini)")
    parser.add_argument("--base-url", default=None, help="endpoint (default: $OPENAI_BASE_URL, else OpenAI)")
    parser.add_argument("--temperature", type=float, default=0.7)
    parser.add_argument(
        "--max-total-tokens", type=int, default=None, help="token budget; training stops cleanly"
    )
    parser.add_argument(
        "--no-native-n", action="store_true", help="one request per answer (servers without n)"
    )
    parser.add_argument("--steps", type=int, default=5, help="update batches")
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--n-train", type=int, default=64)
    parser.add_argument("--n-val", type=int, default=32)
    parser.add_argument("--blanks", type=int, default=40, help="empty cells per puzzle")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--call-timeout-s", type=float, default=2.0)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    llm = LLMConfig.from_env(
        model=args.model,
        base_url=args.base_url,
        temperature=args.temperature,
        max_total_tokens=args.max_total_tokens,
        native_n=not args.no_native_n,
    )
    config = TrainerConfig(tracker=TrackerConfig(n_top=2, n_responses=2, max_keep=8), batch_size=args.batch_size,
                           n_steps=args.steps, seed=args.seed)  # fmt: skip
    sandbox = SandboxConfig(call_timeout_s=args.call_timeout_s)
    trainer = Trainer(TASK, args.run_dir, config, llm, sandbox)
    result = trainer.fit(
        make_samples(args.n_train, args.blanks, args.seed),
        make_samples(args.n_val, args.blanks, args.seed + 1),
    )
    print(f"stopped: {result.stop_reason} at step {result.step}; best {result.best_id} "
          f"(priority {result.best_priority}); tokens {result.total_tokens}")  # fmt: skip
    print(f"best candidate: {args.run_dir / 'candidates' / f'{result.best_id}.py'}")
    return 0 if result.stop_reason in ("completed", "token_budget") else 1


if __name__ == "__main__":
    sys.exit(main())
