"""The trainer: setup prompt, then per batch score the pool, update the best, cut, checkpoint."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

from pydantic import ConfigDict, Field, model_validator
from pydantic.dataclasses import dataclass as checked_dataclass
from tqdm import tqdm

from langprop_driver.sandbox.pool import SandboxConfig, SandboxPool
from leaderboard_adapter.settings import one_line_errors

from .batching import batch_indices
from .candidate import Candidate
from .checkpoint import BatchRecord, TrainState, load_state, save_state, write_prompt
from .evaluation import Evaluation, ScoringConfig, evaluate
from .extract import NoCodeError, extract_code
from .feedback import FeedbackConfig, build_feedback
from .fitness import CascadeConfig, ExpensiveScorer, Fitness, Split
from .ledger import TokenBudgetExceeded, TokenLedger
from .llm_client import Completion, LLMClient, LLMError
from .llm_config import LLMConfig
from .metrics import MetricsWriter
from .selection import admit, closed_loop_rank, elect, pool_order, to_validate
from .task import Sample, Task
from .tracker import Standing, TrackerConfig, rank

logger = logging.getLogger(__name__)


@checked_dataclass(frozen=True, config=ConfigDict(extra="forbid"))
class TrainerConfig:
    """How a run goes: pool dynamics, failure scores, feedback size, batches and seed."""

    tracker: TrackerConfig = field(default_factory=TrackerConfig)
    scoring: ScoringConfig = field(default_factory=ScoringConfig)
    feedback: FeedbackConfig = field(default_factory=FeedbackConfig)
    batch_size: Annotated[int, Field(ge=1)] = 32
    n_steps: Annotated[int, Field(ge=0)] = 10
    """Update batches in the whole run (a resumed run goes on to the same total)."""
    validate_every: Annotated[int, Field(ge=0)] = 1
    """Score the best candidate on the validation samples every this many steps; 0 never."""
    seed: int = 0
    tensorboard: bool = False
    progress_bar: bool = True
    setup_prompt: bool = True
    """Ask the LLM for first candidates (zero-shot) at step 0; False starts from the given sources alone."""
    cascade: CascadeConfig = field(default_factory=CascadeConfig)
    """With an expensive scorer: who is driven and validated (see :class:`CascadeConfig`)."""

    _one_line = model_validator(mode="wrap")(classmethod(one_line_errors))


class StopReason(StrEnum):
    """Why ``fit`` ended (the values are what the commands print and tests read)."""

    COMPLETED = "completed"
    CALLBACK = "callback"
    """A callback returned False."""
    TOKEN_BUDGET = "token_budget"
    LLM_ERROR = "llm_error"
    """The endpoint kept failing."""
    NO_CANDIDATES = "no_candidates"
    """No setup answer held code."""

    @property
    def failed(self) -> bool:
        """The run stopped on an error the user must see (not a clean end or a spent budget)."""
        return self in (StopReason.LLM_ERROR, StopReason.NO_CANDIDATES)


@dataclass(frozen=True)
class FitResult:
    """How ``fit`` ended, and why (:class:`StopReason`)."""

    stop_reason: StopReason
    step: int
    best_id: str | None
    best_priority: float | None
    total_tokens: int
    message: str = ""
    best_validation: float | None = None
    """Closed loop: the best candidate's validation fitness (None in open loop)."""


StepCallback = Callable[[int, TrainState], bool]
"""Called after each committed step; returning False stops training."""


class NoCandidatesError(RuntimeError):
    """The setup prompt's answers held no code and no candidate was given."""


class Trainer:
    """Trains the candidates of ``task`` in ``run_dir``, resuming from whatever was committed there.

    Open loop (no ``scorer``): LangProp's loop, candidates ranked by their priority on sample batches.
    Closed loop (a ``scorer``): a cascade per step: static checks, the open-loop score on the batch,
    then the scorer's training fitness for the ``config.cascade`` survivors; the pool ranks by that
    fitness, and the best (``pool[0]``, the elite) is the candidate with the highest validation
    fitness, replaced only by one that beats it there. The scorer's visited samples join the
    training samples (online DAgger).
    """

    def __init__(
        self,
        task: Task,
        run_dir: str | Path,
        config: TrainerConfig | None = None,
        llm: LLMConfig | None = None,
        sandbox: SandboxConfig | None = None,
        given_sources: Sequence[str] = (),
        scorer: ExpensiveScorer | None = None,
    ) -> None:
        self.task = task
        self.run_dir = Path(run_dir)
        self.config = config or TrainerConfig()
        self.sandbox_config = sandbox or SandboxConfig()
        llm_config = (llm or LLMConfig.from_env()).with_cache_dir(self.run_dir / "llm_cache")
        self.llm_config = llm_config
        ledger = TokenLedger(llm_config.max_total_tokens, self.run_dir / "token_ledger.json")
        self.llm = LLMClient(llm_config, ledger)
        self.given_sources = tuple(given_sources)
        self.scorer = scorer
        self.state: TrainState | None = None

    # -- candidates -------------------------------------------------------------------------

    def _new_candidate(self, state: TrainState, offset: int, source: str, **lineage: Any) -> Candidate:
        return Candidate.create(
            state.new_id(offset), source, self.task.spec, self.sandbox_config.allowed_modules, **lineage
        )

    def _children(
        self,
        state: TrainState,
        completion: Completion,
        prompt_id: str,
        step: int,
        parent_id: str | None,
        offset: int,
    ) -> tuple[list[Candidate], list[dict[str, Any]]]:
        """Candidates from one prompt's answers, and what became of each answer."""
        known = {c.source for c in state.candidates.values()}
        made: list[Candidate] = []
        outcomes = []
        for answer in completion.texts:
            try:
                source = extract_code(answer, self.task.spec.name)
            except NoCodeError as exc:
                outcomes.append({"answer": answer, "candidate": None, "rejected": str(exc)})
                continue
            if source in known:
                outcomes.append(
                    {"answer": answer, "candidate": None, "rejected": "same code as an existing candidate"}
                )
                continue
            known.add(source)
            origin = "update" if parent_id else "setup"
            child = self._new_candidate(
                state,
                offset + len(made),
                source,
                origin=origin,
                parent_id=parent_id,
                prompt_id=prompt_id,
                step=step,
            )
            made.append(child)
            outcomes.append({"answer": answer, "candidate": child.id, "rejected": None})
        return made, outcomes

    def _record_prompt(self, prompt_id: str, messages: list, completion: Completion, outcomes: list) -> None:
        record = {"messages": messages, "cached": completion.cached, "answers": outcomes}
        write_prompt(self.run_dir, prompt_id, record)

    def _samples(self, train: Sequence[Sample]) -> list[Sample]:
        """The training samples: ``train`` and, in closed loop, the labelled states the candidates visited."""
        return [*train, *self.scorer.visited_samples()] if self.scorer is not None else list(train)

    def _batch(self, samples: Sequence[Sample], step: int) -> list[Sample]:
        indices = batch_indices(len(samples), self.config.batch_size, step, self.config.seed)
        return [samples[i] for i in indices]

    # -- closed loop ------------------------------------------------------------------------

    def _score(self, fitness: dict[str, dict[Split, Fitness]], candidates: Sequence[Candidate], split: Split) -> None:
        """Add the scorer's ``split`` fitness of ``candidates`` (those without it yet) to ``fitness``."""
        missing = [c for c in candidates if split not in fitness.get(c.id, {})]
        if not missing or self.scorer is None:
            return
        for cid, result in self.scorer.score(missing, split).items():
            fitness[cid] = {**fitness.get(cid, {}), split: result}

    def _select(
        self,
        state: TrainState,
        ids: Sequence[str],
        newcomers: Sequence[Candidate],
        evaluations: dict[str, Evaluation],
        standings: dict[str, Standing],
        always: Sequence[str] = (),
    ) -> tuple[TrainState, dict[str, Any]]:
        """The closed-loop end of the cascade over ``ids`` (the old pool and ``newcomers``): admit,
        drive, validate, elect the elite, order the pool. ``always`` go on whatever their open-loop
        score. The new state (same step) and what happened, as metrics."""
        seed, cascade = self.config.seed, self.config.cascade
        fitness = {cid: dict(f) for cid, f in state.fitness.items()}
        decided_by = dict(state.decided_by)
        admitted, stopped = admit(newcomers, evaluations, cascade, always)
        decided_by.update(stopped)
        self._score(fitness, admitted, "train")
        ranked = closed_loop_rank(ids, fitness, standings, seed)
        validate = [*(cid for cid in always if "validation" not in fitness.get(cid, {})),
                    *to_validate(ranked, fitness, cascade)]  # fmt: skip
        validate = list(dict.fromkeys(cid for cid in validate if "train" in fitness.get(cid, {})))
        self._score(fitness, [state.candidates[cid] for cid in validate], "validation")
        elite = elect(state.elite, validate, fitness, seed)
        for cid in ids:
            if "train" in fitness.get(cid, {}):
                decided_by[cid] = "closed_loop"
        if elite is not None:
            decided_by[elite] = "validation"
        pool = pool_order(elite, ranked, self.config.tracker.max_keep)
        new_state = replace(
            state,
            pool=pool,
            standings={cid: standings[cid] for cid in pool if cid in standings},
            fitness=fitness,
            decided_by=decided_by,
            elite=elite,
            fitness_key=self.scorer.key if self.scorer is not None else None,
        )
        trained = [cid for cid in ids if "train" in fitness.get(cid, {})]
        best_train = ranked[0] if ranked and ranked[0] in trained else None
        values: dict[str, Any] = {
            "cascade/rejected_static": sum(stage == "static" for stage in stopped.values()),
            "cascade/rejected_open_loop": sum(stage == "open_loop" for stage in stopped.values()),
            "cascade/driven": len(admitted),
            "cascade/validated": len(validate),
            "select/elite_changed": int(elite != state.elite),
            "select/decided_by": "validation" if elite is not None else "open_loop",
        }
        if best_train is not None:
            values["closed_loop/best_train_id"] = best_train
            values["closed_loop/best_train_score"] = fitness[best_train]["train"].score
        if elite is not None:
            values["val/elite_score"] = fitness[elite]["validation"].score
            values["closed_loop/elite_train_score"] = fitness[elite]["train"].score
            values.update({f"val/elite_{k}": v for k, v in fitness[elite]["validation"].summary.items()
                           if isinstance(v, int | float)})  # fmt: skip
        return new_state, values

    def _establish(
        self, state: TrainState, train: Sequence[Sample], pool: SandboxPool, fresh: bool
    ) -> tuple[TrainState, dict]:
        """Closed-loop fitness for a state that has none under this scorer's key: the pool is scored as
        newcomers and the elite elected. The given candidates of a ``fresh`` setup, else the pool's first
        (an open-loop checkpoint's best, or the elite of changed runs), are always driven and validated."""
        rescored = state.fitness_key is not None
        state = replace(state, fitness={}, decided_by={}, elite=None, fitness_key=None)
        batch = self._batch(self._samples(train), state.step + 1)
        members = [state.candidates[cid] for cid in state.pool]
        evaluations = evaluate(pool, self.task, members, batch, self.config.scoring, self.config.seed + state.step + 1)
        standings = {**state.standings}
        for cid, evaluation in evaluations.items():
            standings.setdefault(cid, Standing.first(evaluation.mean_score, len(batch)))
        always = [c.id for c in members if c.origin == "given"] if fresh else list(state.pool[:1])
        new_state, values = self._select(state, state.pool, members, evaluations, standings, always)
        values["select/rescored"] = int(rescored)
        return new_state, values

    # -- setup and steps --------------------------------------------------------------------

    def _setup(self) -> TrainState:
        """Step 0: the given sources and (``setup_prompt``) the setup prompt's ``n_top * n_responses`` answers."""
        empty = TrainState(step=0, pool=(), candidates={}, standings={})
        given = [
            self._new_candidate(empty, i, source, origin="given", step=0)
            for i, source in enumerate(self.given_sources)
        ]
        state = TrainState(0, (), {c.id: c for c in given}, {}, next_index=1 + len(given))
        tracker = self.config.tracker
        # closed loop keeps every first candidate until the cascade has scored them
        keep = len(given) + tracker.n_top * tracker.n_responses if self.scorer is not None else tracker.max_keep
        if not self.config.setup_prompt:
            if not given:
                raise NoCandidatesError("setup_prompt is off and no candidate source was given: nothing to train")
            return TrainState(0, tuple(state.candidates)[:keep], state.candidates, {}, {}, state.next_index)
        messages = self.task.templates.render(
            "setup", spec=self.task.spec, allowed_modules=self.sandbox_config.allowed_modules
        )
        completion = self.llm.complete(messages, tracker.n_top * tracker.n_responses)
        children, outcomes = self._children(state, completion, "p0000_setup", 0, None, 0)
        self._record_prompt("p0000_setup", messages, completion, outcomes)
        candidates = {**state.candidates, **{c.id: c for c in children}}
        if not candidates:
            raise NoCandidatesError(
                "no setup answer held code; see prompts/p0000_setup.json in the run folder"
            )
        pool = tuple(candidates)[:keep]
        return TrainState(0, pool, candidates, {}, {}, state.next_index + len(children))

    def _update_prompt(self, state: TrainState, parent: str, evaluation: Evaluation, batch: list[Sample],
                       priority: float) -> list:  # fmt: skip
        train = state.fitness.get(parent, {}).get("train")
        return self.task.templates.render(
            "update",
            spec=self.task.spec,
            allowed_modules=self.sandbox_config.allowed_modules,
            feedback=build_feedback(
                self.task, state.candidates[parent], evaluation, batch, priority, self.config.feedback
            ),
            closed_loop=train.feedback if train is not None and train.feedback else None,
        )

    def _step(
        self, state: TrainState, step: int, batch: list[Sample], pool: SandboxPool
    ) -> tuple[TrainState, dict]:
        """One update batch; returns the new state and its metrics (nothing is written but prompts)."""
        tracker, seed = self.config.tracker, self.config.seed
        members = [state.candidates[cid] for cid in state.pool]
        evaluations = evaluate(pool, self.task, members, batch, self.config.scoring, seed + step)
        standings = dict(state.standings)
        for cid, evaluation in evaluations.items():
            previous = standings.get(cid)
            standings[cid] = (
                previous.updated(evaluation.mean_score, len(batch), tracker.priority_decay)
                if previous is not None
                else Standing.first(evaluation.mean_score, len(batch))
            )
        if self.scorer is not None:
            parents = closed_loop_rank(state.pool, state.fitness, standings, seed)[: tracker.n_top]
        else:
            parents = rank({cid: standings[cid] for cid in state.pool}, seed)[: tracker.n_top]
        prompt_ids = [f"p{step:04d}_{parent}" for parent in parents]
        prompts = [self._update_prompt(state, p, evaluations[p], batch, standings[p].priority) for p in parents]
        completions = self.llm.complete_many(prompts, tracker.n_responses)
        children: list[Candidate] = []
        for parent, prompt_id, messages, completion in zip(
            parents, prompt_ids, prompts, completions, strict=True
        ):
            partial = TrainState(
                step, (), {**state.candidates, **{c.id: c for c in children}}, {}, {}, state.next_index
            )
            made, outcomes = self._children(partial, completion, prompt_id, step, parent, len(children))
            self._record_prompt(prompt_id, messages, completion, outcomes)
            children += made
        child_evaluations = evaluate(pool, self.task, children, batch, self.config.scoring, seed + step)
        for cid, evaluation in child_evaluations.items():
            standings[cid] = Standing.first(evaluation.mean_score, len(batch))
        evaluations.update(child_evaluations)
        history = dict(state.history)
        for cid, evaluation in evaluations.items():
            history[cid] = (
                *history.get(cid, ()),
                BatchRecord(step, evaluation.mean_score, evaluation.pass_ratio),
            )
        grown = replace(
            state,
            step=step,
            candidates={**state.candidates, **{c.id: c for c in children}},
            history=history,
            next_index=state.next_index + len(children),
        )
        ids = (*state.pool, *(c.id for c in children))
        if self.scorer is not None:
            new_state, values = self._select(grown, ids, children, evaluations, standings)
        else:
            kept = tuple(rank({cid: standings[cid] for cid in ids}, seed)[: tracker.max_keep])
            new_state = replace(grown, pool=kept, standings={cid: standings[cid] for cid in kept})
            values = {}
        return new_state, {**self._step_metrics(new_state, evaluations, len(children)), **values}

    def _step_metrics(self, state: TrainState, evaluations: dict[str, Evaluation], n_children: int) -> dict:
        best = state.pool[0]
        usage = self.llm.ledger.usage
        values = {
            "train/best_id": best,
            "train/best_priority": state.standings[best].priority,
            "train/best_batch_mean_score": evaluations[best].mean_score,
            "train/best_batch_pass_ratio": evaluations[best].pass_ratio,
            "train/pool_mean_priority": sum(state.standings[c].priority for c in state.pool)
            / len(state.pool),
            "train/children": n_children,
            "llm/total_tokens": usage.total_tokens,
            "llm/requests": usage.requests,
            "llm/cache_hits": usage.cache_hits,
        }
        if self.scorer is not None:
            values["dagger/visited_samples"] = len(self.scorer.visited_samples())
        return values

    def _established_metrics(self, state: TrainState, values: dict[str, Any]) -> dict[str, Any]:
        """The metrics line of a step whose closed-loop fitness was (re)established."""
        usage = self.llm.ledger.usage
        return {"train/best_id": state.pool[0], "llm/total_tokens": usage.total_tokens, "llm/requests": usage.requests,
                **values}  # fmt: skip

    @staticmethod
    def _postfix(values: dict[str, Any]) -> dict[str, str]:
        if "val/elite_score" in values:
            return {"best": values["train/best_id"], "val": f"{values['val/elite_score']:.2f}",
                    "tokens": str(values["llm/total_tokens"])}  # fmt: skip
        return {"best": f"{values['train/best_priority']:.3f}", "tokens": str(values["llm/total_tokens"])}

    def _validate(self, state: TrainState, validation: Sequence[Sample], pool: SandboxPool) -> dict:
        evaluation = evaluate(
            pool, self.task, [state.best], validation, self.config.scoring, self.config.seed
        )
        result = evaluation[state.best.id]
        return {
            "val/mean_score": result.mean_score,
            "val/pass_ratio": result.pass_ratio,
            "val/candidate": state.best.id,
        }

    def _commit(self, state: TrainState) -> None:
        extra = {
            "seed": self.config.seed,
            "function": asdict(self.task.spec),
            "llm": self.llm_config.public_dict(),
            "token_usage": asdict(self.llm.ledger.usage),
            "selection": "closed_loop" if self.scorer is not None else "open_loop",
        }
        save_state(self.run_dir, state, extra)
        self.state = state

    # -- public -----------------------------------------------------------------------------

    def fit(
        self, train: Sequence[Sample], validation: Sequence[Sample] = (), callback: StepCallback | None = None
    ) -> FitResult:
        """Train to ``config.n_steps`` update batches, resuming from the last checkpoint in ``run_dir``.

        Stops cleanly (state committed, workers stopped) when the token budget is spent or the
        endpoint keeps failing; the reason is in the returned :class:`FitResult`.
        """
        if not train:
            raise ValueError("fit needs at least one training sample")
        self.run_dir.mkdir(parents=True, exist_ok=True)
        state = load_state(self.run_dir)
        if state is not None:
            logger.info("resuming %s at step %d", self.run_dir, state.step)
        stop_reason, message = StopReason.COMPLETED, ""
        metrics = MetricsWriter(self.run_dir, state.step if state else 0, self.config.tensorboard)
        progress = tqdm(
            total=self.config.n_steps,
            initial=state.step if state else 0,
            desc="langprop",
            disable=not self.config.progress_bar,
        )
        try:
            fresh = state is None
            if state is None:
                state = self._setup()
                if self.scorer is None:
                    self._commit(state)
            with SandboxPool(self.sandbox_config) as pool:
                if self.scorer is not None and (state.elite is None or state.fitness_key != self.scorer.key):
                    state, values = self._establish(state, train, pool, fresh)
                    metrics.write(state.step, self._established_metrics(state, values))
                    self._commit(state)
                for step in range(state.step + 1, self.config.n_steps + 1):
                    started_s = time.monotonic()
                    batch = self._batch(self._samples(train), step)
                    state, values = self._step(state, step, batch, pool)
                    if validation and self.config.validate_every and step % self.config.validate_every == 0:
                        values.update(self._validate(state, validation, pool))
                    values["time/step_s"] = time.monotonic() - started_s
                    metrics.write(step, values)
                    self._commit(state)
                    progress.update(1)
                    progress.set_postfix(**self._postfix(values))
                    if callback is not None and callback(step, state) is False:
                        stop_reason = StopReason.CALLBACK
                        break
        except TokenBudgetExceeded as exc:
            stop_reason, message = StopReason.TOKEN_BUDGET, str(exc)
            logger.warning("training stopped: %s", exc)
        except (LLMError, NoCandidatesError) as exc:
            stop_reason = StopReason.LLM_ERROR if isinstance(exc, LLMError) else StopReason.NO_CANDIDATES
            message = str(exc)
            logger.error("training stopped: %s", exc)
        finally:
            progress.close()
            metrics.close()
            if self.scorer is not None:
                self.scorer.close()
        final = self.state or state
        best = final.pool[0] if final and final.pool else None
        validation_fitness = final.fitness.get(best, {}).get("validation") if final and best else None
        return FitResult(
            stop_reason=stop_reason,
            step=final.step if final else 0,
            best_id=best,
            best_priority=final.standings[best].priority if best and best in final.standings else None,
            total_tokens=self.llm.ledger.usage.total_tokens,
            message=message,
            best_validation=validation_fitness.score if validation_fitness is not None else None,
        )
