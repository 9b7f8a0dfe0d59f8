"""Train a Sudoku solver with the LangProp engine against any OpenAI-compatible endpoint.

OPENAI_BASE_URL=http://localhost:8000/v1 python examples/sudoku/train_sudoku.py --model qwen2.5-coder
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the checkout, whose examples package this is

from examples.cli import example_parser, llm_config, report  # noqa: E402
from examples.sudoku.sudoku_task import TASK, make_samples  # noqa: E402
from langprop_driver.engine import SandboxConfig, TrackerConfig, Trainer, TrainerConfig  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = example_parser(__doc__.splitlines()[0], Path("runs/sudoku"), steps=5)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--n-train", type=int, default=64)
    parser.add_argument("--n-val", type=int, default=32)
    parser.add_argument("--blanks", type=int, default=40, help="empty cells per puzzle")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    llm = llm_config(args, parser)
    config = TrainerConfig(tracker=TrackerConfig(n_top=2, n_responses=2, max_keep=8), batch_size=args.batch_size,
                           n_steps=args.steps, seed=args.seed)  # fmt: skip
    sandbox = SandboxConfig(call_timeout_s=args.call_timeout_s)
    trainer = Trainer(TASK, args.run_dir, config, llm, sandbox)
    result = trainer.fit(
        make_samples(args.n_train, args.blanks, args.seed),
        make_samples(args.n_val, args.blanks, args.seed + 1),
    )
    return report(result, args.run_dir)


if __name__ == "__main__":
    sys.exit(main())
