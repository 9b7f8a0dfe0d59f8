"""Train a CartPole-v1 policy with the LangProp engine's closed-loop stage against any OpenAI-compatible endpoint.

OPENAI_BASE_URL=http://localhost:8000/v1 python -m examples.cartpole --model qwen2.5-coder

Run from the checkout's root. Candidates that return an action on sampled states play seeded training
episodes (the best ``--top-k`` new ones per update); the best by training return is validated on other
seeds, and the elite is the candidate with the best validation return.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from examples.cli import example_parser, llm_config, report
from langprop_driver.engine import SandboxConfig, TrackerConfig, Trainer, TrainerConfig
from langprop_driver.engine.fitness import CascadeConfig

from .episodes import MAX_STEPS
from .scorer import EpisodeConfig, EpisodeScorer, env_steps
from .task import TASK, make_samples


def main(argv: list[str] | None = None) -> int:
    parser = example_parser(__doc__.splitlines()[0], Path("runs/cartpole"), steps=10)
    parser.add_argument("--episodes", type=int, default=5, help="training episodes per candidate")
    parser.add_argument("--validation-episodes", type=int, default=10, help="validation episodes per candidate")
    parser.add_argument("--states", type=int, default=32, help="sampled states of the open-loop filter")
    parser.add_argument("--top-k", type=int, default=4, help="new candidates per update that play episodes")
    parser.add_argument("--workers", type=int, default=None, help="episodes played at once (default: cores)")
    parser.add_argument("--episode-timeout-s", type=float, default=10.0, help="limit of one episode [s]")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    llm = llm_config(args, parser)
    try:
        episodes = EpisodeConfig.counted(args.episodes, args.validation_episodes, args.seed,
                                         episode_timeout_s=args.episode_timeout_s, workers=args.workers)  # fmt: skip
        config = TrainerConfig(tracker=TrackerConfig(n_top=2, n_responses=2, max_keep=8), batch_size=args.states,
                               n_steps=args.steps, seed=args.seed, cascade=CascadeConfig(top_k=args.top_k))  # fmt: skip
        sandbox = SandboxConfig(call_timeout_s=args.call_timeout_s, n_workers=args.workers)
        states = make_samples(args.states, args.seed)
    except ValueError as error:
        parser.error(str(error))
    trainer = Trainer(TASK, args.run_dir, config, llm, sandbox, scorer=EpisodeScorer(args.run_dir, episodes, sandbox))
    result = trainer.fit(states)
    code = report(result, args.run_dir)
    steps = env_steps(args.run_dir)
    if result.best_validation is not None:
        print(f"best validation return: {result.best_validation * MAX_STEPS:.1f} of {MAX_STEPS}")
    print(f"environment steps: {steps['train']} training, {steps['validation']} validation, "
          f"{(steps['train'] + steps['validation']) / max(result.step, 1):.0f} per update (the first pool's included)")  # fmt: skip
    return code


if __name__ == "__main__":
    sys.exit(main())
