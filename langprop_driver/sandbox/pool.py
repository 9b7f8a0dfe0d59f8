"""The parent's side of the sandbox: run programs over inputs in fresh confined workers, or serve one.

Every (program, chunk of inputs) runs in its own worker forked from a clean template, so nothing one
candidate does (patching ``math``, ``json``, the protocol) is seen by another, and results do not depend
on the number of workers. A worker that hangs is killed (the sample it was on scores a Timeout); one that
dies scores WorkerDied; one that breaks the protocol is killed and its whole candidate fails with a
ProtocolViolation. The run goes on in every case.
"""

from __future__ import annotations

import hashlib
import logging
import math
import os
import pickle
import queue
import threading
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Annotated, Any

from pydantic import AfterValidator, ConfigDict, Field, model_validator
from pydantic.dataclasses import dataclass as checked_dataclass

from leaderboard_adapter.settings import one_line_errors

from .errors import IsolationMissing, ProtocolViolation
from .process import TemplateProcess, WorkerProcess, shared_template
from .results import CallResult, ErrorInfo, expect_op, parse_error, parse_result, parse_results
from .wire import ChannelClosed

logger = logging.getLogger(__name__)

DEFAULT_ALLOWED_MODULES = (
    "math", "cmath", "random", "itertools", "functools", "collections", "heapq", "bisect",
    "dataclasses", "typing", "enum", "operator", "statistics", "copy", "re", "string", "numpy",
)  # fmt: skip
"""Audited in docs/engine.md ("Allowed modules"): several reach ``os`` or ``sys``, which the OS layers make
harmless; numpy also reads and writes files, so it is allowed only where Landlock and seccomp are active."""
OS_BOUNDARY_MODULES = frozenset({"numpy"})
"""Allowed only when the file-system layers (Landlock and seccomp) hold."""
_FILE_SYSTEM_LAYERS = ("landlock", "seccomp")
_VIOLATION = "ProtocolViolation"


def _harness(harness: str | None) -> str | None:
    if harness is not None:
        module, _, function = harness.partition(":")
        if not (all(part.isidentifier() for part in module.split(".")) and function.isidentifier()):
            raise ValueError(f"must be 'package.module:function', got {harness!r}")
    return harness


Positive = Annotated[float, Field(gt=0)]
NonNegative = Annotated[int, Field(ge=0)]


@checked_dataclass(frozen=True, config=ConfigDict(extra="forbid"))
class SandboxConfig:
    """How candidates run: worker count, limits and the modules they may import."""

    n_workers: Annotated[int, Field(ge=1)] | None = None
    """Workers running at once; None uses every core."""
    call_timeout_s: Positive = 5.0
    """Wall-clock limit of one call of the candidate's function."""
    load_timeout_s: Positive = 10.0
    """Wall-clock limit of loading the candidate's module (its top-level code)."""
    memory_limit_mib: NonNegative = 2048
    """Address-space limit of each worker (RLIMIT_AS, the pre-imported modules included); 0 disables it."""
    chunk_size: Annotated[int, Field(ge=1)] = 64
    """Samples per worker; each chunk runs in a fresh worker and a fresh namespace of the candidate."""
    allowed_modules: tuple[str, ...] = DEFAULT_ALLOWED_MODULES
    """Top-level modules a candidate may import (pre-imported by the template process)."""
    max_printed_chars: NonNegative = 2000
    """Printed output kept per call."""
    max_output_chars: NonNegative = 1_000_000
    """Largest output of one call, as JSON text; a larger one fails the call (OutputTooLarge)."""
    max_message_bytes: NonNegative = 64 * 2**20
    """Largest message a worker may send; a larger one is a protocol violation."""
    flush_interval_s: Annotated[float, Field(ge=0)] = 0.05
    """A worker sends its results at least this often (grouping results saves per-message costs)."""
    kill_grace_s: Annotated[float, Field(ge=0)] = 1.0
    """Extra wait past a time limit before an unresponsive worker is killed."""
    start_timeout_s: Positive = 60.0
    """Time the template process has to start (import the allowed modules)."""
    require_isolation: bool = False
    """Refuse to run candidates (IsolationMissing) where an isolation layer is missing, instead of warning."""
    harness: Annotated[str | None, AfterValidator(_harness)] = None
    """Trusted task code that runs around the candidate in its worker, as ``"module:function"``: each call
    becomes ``function(candidate_function, *args)`` (e.g. an episode loop that builds its environment in the
    worker); ``call_timeout_s`` then bounds one harness call. The template pre-imports the module (it must be
    importable from the package's root or site-packages) and workers may read its file; candidates still
    import only ``allowed_modules``. What a harness returns comes from the candidate's process: check it."""

    _one_line = model_validator(mode="wrap")(classmethod(one_line_errors))

    @property
    def preload(self) -> tuple[str, ...]:
        """Modules the template pre-imports: the allowed modules and the harness's module."""
        harness_module = (self.harness.partition(":")[0],) if self.harness is not None else ()
        return (*sorted(self.allowed_modules), *harness_module)

    @property
    def worker_count(self) -> int:
        return self.n_workers if self.n_workers is not None else (os.cpu_count() or 1)

    @property
    def memory_limit_bytes(self) -> int:
        return self.memory_limit_mib * 2**20


@dataclass(frozen=True)
class Program:
    """A candidate to run: its name (used as the filename in tracebacks), source and function."""

    name: str
    source: str
    function: str


def _task_seed(seed: int, name: str, start: int) -> int:
    digest = hashlib.sha256(f"{seed}:{name}:{start}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def template_for(config: SandboxConfig) -> TemplateProcess:
    """The shared template for ``config``'s modules; IsolationMissing if required layers are missing."""
    template = shared_template(config.preload, config.start_timeout_s)
    if config.require_isolation and template.missing:
        raise IsolationMissing(f"isolation layers missing: {template.missing}")
    return template


def program_task(
    config: SandboxConfig, template: TemplateProcess, program: Program, seed: int, start: int = 0
) -> dict:
    """The worker's task for ``program`` (see runner.py): source, limits and the seed of ``random``."""
    allowed = config.allowed_modules
    if any(layer in template.missing for layer in _FILE_SYSTEM_LAYERS):
        allowed = tuple(name for name in allowed if name not in OS_BOUNDARY_MODULES)
    return {
        "source": program.source,
        "filename": f"<candidate {program.name}>",
        "function": program.function,
        "start": start,
        "timeout_s": config.call_timeout_s,
        "load_timeout_s": config.load_timeout_s,
        "seed": _task_seed(seed, program.name, start),
        "allowed_modules": allowed,
        "max_printed_chars": config.max_printed_chars,
        "max_output_chars": config.max_output_chars,
        "harness": config.harness,
    }


def _lost_worker_error(
    exc: BaseException, status: str, timeout_s: float, doing: str = "the call"
) -> ErrorInfo:
    if isinstance(exc, TimeoutError):
        return ErrorInfo("Timeout", f"{doing} gave no answer within {timeout_s:g} s; the worker was killed")
    return ErrorInfo("WorkerDied", f"the worker died during {doing} ({status}), e.g. out of memory")


class ChunkRunner:
    """Runs one task (a program over samples ``start..stop``) in fresh workers, replacing a lost one."""

    def __init__(self, config: SandboxConfig, template: TemplateProcess, inputs_key: str) -> None:
        self._config = config
        self._template = template
        self._inputs_key = inputs_key

    def run(self, task: dict) -> Iterator[tuple[int, CallResult]]:
        """Yield ``(index, result)`` for every sample of the task. Results come in groups; when a worker hangs
        or dies, the samples whose results were lost run again one message per sample, to pin down the failing
        one. A worker that breaks the protocol, or cannot load the candidate in time, fails the whole chunk."""
        config = self._config
        start, stop = task["start"], task["stop"]
        flush_interval_s = config.flush_interval_s
        while start < stop:
            job = {
                "kind": "run",
                "inputs": self._inputs_key,
                "task": {**task, "start": start, "flush_interval_s": flush_interval_s},
                "cpu_limit_s": math.ceil(config.load_timeout_s + (stop - start) * config.call_timeout_s) + 1,
            }
            worker = self._template.spawn(job, config.memory_limit_bytes, config.max_message_bytes)
            load_wait_s = config.load_timeout_s + config.kill_grace_s
            # after loading, a message comes within one flush interval and the call under way
            wait_s = config.call_timeout_s + flush_interval_s + config.kill_grace_s
            try:
                try:
                    expect_op(worker.recv(load_wait_s), "loaded")
                except (TimeoutError, ChannelClosed) as exc:  # loading again would fail again
                    error = _lost_worker_error(exc, worker.end(), load_wait_s, "loading the candidate")
                    yield from ((index, CallResult(error=error)) for index in range(start, stop))
                    return
                while start < stop:
                    results = parse_results(worker.recv(wait_s), start, stop, config.max_printed_chars)
                    for offset, result in enumerate(results):
                        yield start + offset, result
                    start += len(results)
                worker.release()
            except ProtocolViolation as exc:
                status = worker.end()
                logger.warning(
                    "%s broke the protocol (%s; %s): its candidate fails", task["filename"], exc, status
                )
                error = ErrorInfo(_VIOLATION, f"{exc}; the worker was killed")
                yield from ((index, CallResult(error=error)) for index in range(start, stop))
                return
            except (TimeoutError, ChannelClosed) as exc:
                status = worker.end()
                if flush_interval_s > 0:
                    flush_interval_s = 0.0  # rerun unbuffered to find the failing sample
                    continue
                logger.warning("worker lost on %s sample %d (%s)", task["filename"], start, status)
                yield start, CallResult(error=_lost_worker_error(exc, status, wait_s))
                start += 1


class SandboxPool:
    """Runs programs over a list of inputs, each chunk in a fresh confined worker, ``n_workers`` at once."""

    def __init__(self, config: SandboxConfig | None = None) -> None:
        self.config = config or SandboxConfig()

    def __enter__(self) -> SandboxPool:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Nothing to stop: workers end with their chunk, and the template is shared by the process."""

    def run(
        self, programs: Sequence[Program], inputs: Sequence[Any], *, spread_args: bool = False, seed: int = 0
    ) -> list[list[CallResult]]:
        """Call every program on every input; ``result[p][i]`` is program ``p`` on input ``i``.

        ``spread_args``: each input is a tuple of positional arguments rather than the single argument.
        ``seed`` seeds ``random`` per chunk, so a run is reproducible. A program whose worker broke the
        protocol fails on every input.
        """
        template = template_for(self.config)
        key = uuid.uuid4().hex
        template.load(key, pickle.dumps(list(inputs), protocol=pickle.HIGHEST_PROTOCOL))
        try:
            results = self._run_chunks(template, key, programs, len(inputs), spread_args, seed)
        finally:
            template.drop(key)
        for row in results:
            violation = next((r for r in row if r.error is not None and r.error.type == _VIOLATION), None)
            if violation is not None:
                row[:] = [violation] * len(row)
        return results

    def _run_chunks(
        self,
        template: TemplateProcess,
        key: str,
        programs: Sequence[Program],
        n_inputs: int,
        spread_args: bool,
        seed: int,
    ) -> list[list[CallResult]]:
        results: list[list[CallResult | None]] = [[None] * n_inputs for _ in programs]
        tasks: queue.Queue = queue.Queue()
        for p_index, program in enumerate(programs):
            for start in range(0, n_inputs, self.config.chunk_size):
                task = program_task(self.config, template, program, seed, start)
                task.update(stop=min(start + self.config.chunk_size, n_inputs), spread_args=spread_args)
                tasks.put((p_index, task))
        failures: list[BaseException] = []
        runner = ChunkRunner(self.config, template, key)

        def serve() -> None:
            try:
                while not failures:
                    try:
                        p_index, task = tasks.get_nowait()
                    except queue.Empty:
                        return
                    for index, result in runner.run(task):
                        results[p_index][index] = result
            except BaseException as exc:  # noqa: BLE001 - re-raised in the calling thread
                failures.append(exc)

        threads = [
            threading.Thread(target=serve, daemon=True)
            for _ in range(min(self.config.worker_count, tasks.qsize()))
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if failures:
            raise failures[0]
        return results  # type: ignore[return-value]


class ServedCandidate:
    """One candidate loaded once in its own worker and called many times (a policy driving a route)."""

    def __init__(self, config: SandboxConfig, program: Program, seed: int = 0) -> None:
        self._config = replace(config, n_workers=1)
        self._program = program
        self._seed = seed
        self._worker: WorkerProcess | None = None

    @property
    def alive(self) -> bool:
        """Whether a worker holds the loaded candidate."""
        return self._worker is not None

    def bind(self) -> ErrorInfo | None:
        """Start a worker and load the candidate in it: None, or why it did not load (the worker is then gone)."""
        self.stop()
        config = self._config
        template = template_for(config)
        task = program_task(config, template, self._program, self._seed)
        worker = template.spawn(
            {"kind": "serve", "task": task}, config.memory_limit_bytes, config.max_message_bytes
        )
        wait_s = config.load_timeout_s + config.kill_grace_s
        try:
            error = parse_error(expect_op(worker.recv(wait_s), "bound").get("error"))
        except (TimeoutError, ChannelClosed, ProtocolViolation) as exc:
            status = worker.end()
            if isinstance(exc, ProtocolViolation):
                return ErrorInfo(_VIOLATION, f"{exc}; the worker was killed")
            if isinstance(exc, TimeoutError):
                return ErrorInfo(
                    "Timeout", f"loading took longer than {config.load_timeout_s:g} s; the worker was killed"
                )
            return ErrorInfo("WorkerDied", f"the worker died while loading ({status})")
        if error is not None:
            worker.end()
            return error
        self._worker = worker
        return None

    def call(self, args: tuple) -> CallResult:
        """Call the loaded candidate once; a hung, dead or lawless worker is ended (bind again before the next call)."""
        if self._worker is None:
            return CallResult(error=ErrorInfo("NotBound", "no candidate is loaded (its worker was ended)"))
        wait_s = self._config.call_timeout_s + self._config.kill_grace_s
        try:
            self._worker.send(("call", args))
            message = expect_op(self._worker.recv(wait_s), "result")
            return parse_result(message.get("result"), self._config.max_printed_chars)
        except (TimeoutError, ChannelClosed, ProtocolViolation) as exc:
            status = self._worker.end()
            self._worker = None
            if isinstance(exc, ProtocolViolation):
                return CallResult(error=ErrorInfo(_VIOLATION, f"{exc}; the worker was killed"))
            return CallResult(error=_lost_worker_error(exc, status, wait_s))

    def stop(self) -> None:
        if self._worker is not None:
            self._worker.end()
            self._worker = None
