"""Sandboxed evaluation: a pool of worker processes that run candidate functions over samples.

Each worker is a fresh interpreter (see :mod:`.worker`) with a memory limit, a scrubbed
environment (no API keys, no ``OPENAI_*``) and a per-call timeout. Work is cut into fixed
chunks of samples per candidate, so results do not depend on the number of workers. A worker
that stops answering is killed and replaced; the sample it was on is scored as a failure and
the run goes on.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import queue
import subprocess
import sys
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .worker import Channel, ChannelClosed

logger = logging.getLogger(__name__)

WORKER_SCRIPT = Path(__file__).with_name("worker.py")
DEFAULT_ALLOWED_MODULES = (
    "math", "cmath", "random", "itertools", "functools", "collections", "heapq", "bisect",
    "dataclasses", "typing", "enum", "operator", "statistics", "copy", "re", "string", "numpy",
)  # fmt: skip
_KEPT_ENVIRONMENT = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "TMPDIR", "SYSTEMROOT")
_WORKER_ENVIRONMENT = {
    "PYTHONHASHSEED": "0",
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
}


class SandboxError(RuntimeError):
    """The sandbox itself failed (a worker could not start), not a candidate."""


@dataclass(frozen=True)
class SandboxConfig:
    """How candidates run: worker count, limits and the modules they may import."""

    n_workers: int | None = None
    """Worker processes; None uses every core."""
    call_timeout_s: float = 5.0
    """Wall-clock limit of one call of the candidate's function."""
    load_timeout_s: float = 10.0
    """Wall-clock limit of loading the candidate's module (its top-level code)."""
    memory_limit_mib: int = 2048
    """Address-space limit of each worker (RLIMIT_AS); 0 disables it."""
    chunk_size: int = 64
    """Samples per task; a task runs in one fresh namespace of the candidate."""
    allowed_modules: tuple[str, ...] = DEFAULT_ALLOWED_MODULES
    """Top-level modules a candidate may import."""
    max_printed_chars: int = 2000
    """Printed output kept per call."""
    flush_interval_s: float = 0.05
    """A worker sends its results at least this often (grouping results saves per-message costs)."""
    kill_grace_s: float = 1.0
    """Extra wait past ``call_timeout_s`` before an unresponsive worker is killed."""
    start_timeout_s: float = 60.0
    """Time a new worker has to start."""

    def __post_init__(self) -> None:
        if self.n_workers is not None and self.n_workers < 1:
            raise ValueError(f"n_workers must be >= 1 or None (all cores), got {self.n_workers}")
        if self.call_timeout_s <= 0 or self.load_timeout_s <= 0 or self.kill_grace_s < 0 or self.start_timeout_s <= 0:
            raise ValueError("call_timeout_s, load_timeout_s and start_timeout_s must be > 0 and kill_grace_s >= 0")
        if self.memory_limit_mib < 0:
            raise ValueError(f"memory_limit_mib must be >= 0, got {self.memory_limit_mib}")
        if self.chunk_size < 1:
            raise ValueError(f"chunk_size must be >= 1, got {self.chunk_size}")
        if self.max_printed_chars < 0 or self.flush_interval_s < 0:
            raise ValueError("max_printed_chars and flush_interval_s must be >= 0")

    @property
    def worker_count(self) -> int:
        return self.n_workers if self.n_workers is not None else (os.cpu_count() or 1)


@dataclass(frozen=True)
class ErrorInfo:
    """A failed call: exception type (or Timeout / WorkerDied), message and candidate line."""

    type: str
    message: str
    line: int | None = None
    line_text: str = ""

    def describe(self) -> str:
        where = f" at line {self.line}" if self.line is not None else ""
        code = f" (`{self.line_text}`)" if self.line_text else ""
        return f"{self.type}{where}{code}: {self.message}"


@dataclass(frozen=True)
class CallResult:
    """What one call of a candidate returned, or how it failed, and what it printed."""

    output: Any = None
    error: ErrorInfo | None = None
    printed: str = ""

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class Program:
    """A candidate to run: its name (used as the filename in tracebacks), source and function."""

    name: str
    source: str
    function: str


def worker_environment() -> dict[str, str]:
    """The environment of a worker: a short allowlist of the parent's variables, never secrets."""
    kept = {name: os.environ[name] for name in _KEPT_ENVIRONMENT if name in os.environ}
    return {**kept, **_WORKER_ENVIRONMENT}


def _task_seed(seed: int, name: str, start: int) -> int:
    digest = hashlib.sha256(f"{seed}:{name}:{start}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def program_task(config: SandboxConfig, program: Program, seed: int, start: int = 0) -> dict:
    """The worker's task dict for `program` (see worker.py): source, limits and the seed of its ``random``."""
    return {
        "source": program.source,
        "filename": f"<candidate {program.name}>",
        "function": program.function,
        "start": start,
        "timeout_s": config.call_timeout_s,
        "seed": _task_seed(seed, program.name, start),
        "allowed_modules": config.allowed_modules,
        "max_printed_chars": config.max_printed_chars,
    }


class SandboxWorker:
    """One worker process, started on demand and replaced when it dies or hangs."""

    def __init__(self, config: SandboxConfig) -> None:
        self._config = config
        self._process: subprocess.Popen | None = None
        self._channel: Channel | None = None
        self._loaded_key: str | None = None

    def _start(self) -> Channel:
        limit_bytes = self._config.memory_limit_mib * 1024 * 1024
        self._process = subprocess.Popen(
            [sys.executable, "-s", "-P", str(WORKER_SCRIPT), str(limit_bytes)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=worker_environment(),
            close_fds=True,
        )
        self._channel = Channel(self._process.stdout.fileno(), self._process.stdin.fileno())
        try:
            self._channel.recv(self._config.start_timeout_s)
        except (TimeoutError, ChannelClosed) as exc:
            self.stop()
            raise SandboxError(
                f"a sandbox worker did not start within {self._config.start_timeout_s:g} s; "
                f"run `{sys.executable} -P {WORKER_SCRIPT} 0` to see its error"
            ) from exc
        self._loaded_key = None
        return self._channel

    def stop(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._process.wait()
            self._process.stdin.close()
            self._process.stdout.close()
        self._process, self._channel, self._loaded_key = None, None, None

    @property
    def alive(self) -> bool:
        """Whether a worker process is running (it is started on demand)."""
        return self._channel is not None

    def bind(self, task: dict) -> ErrorInfo | None:
        """Load the task's candidate once in this worker (serving mode); None, or why it did not load."""
        channel = self._channel or self._start()
        channel.send(("bind", task))
        try:
            _, error = channel.recv(self._config.call_timeout_s + self._config.kill_grace_s)
        except (TimeoutError, ChannelClosed):
            self.stop()
            return ErrorInfo("Timeout", "loading the candidate stopped answering and its worker was killed")
        return ErrorInfo(**error) if error else None

    def call(self, args: tuple) -> CallResult:
        """Call the bound candidate once; a hung or dead worker is killed (bind again before the next call)."""
        if self._channel is None:
            return CallResult(error=ErrorInfo("NotBound", "no candidate is bound (the worker was replaced)"))
        try:
            self._channel.send(("call", args))
            _, output, error, printed = self._channel.recv(self._config.call_timeout_s + self._config.kill_grace_s)
        except (TimeoutError, ChannelClosed) as exc:
            code = self._process.poll() if self._process else None
            self.stop()
            if isinstance(exc, TimeoutError):
                return CallResult(error=ErrorInfo("Timeout", "the call stopped answering and its worker was killed"))
            return CallResult(error=ErrorInfo("WorkerDied", f"the worker died (exit code {code}), e.g. out of memory"))
        return CallResult(output, ErrorInfo(**error) if error else None, printed)

    def run(self, task: dict, key: str, blob: bytes) -> Iterator[tuple[int, CallResult]]:
        """Yield ``(index, result)`` for every sample of the task, replacing the worker if needed.

        Results come in groups; when a worker hangs or dies, the samples whose results were lost
        are run again one message per sample, so that the failing sample is pinned down.
        """
        start, stop = task["start"], task["stop"]
        flush_interval_s = self._config.flush_interval_s
        while start < stop:
            channel = self._channel or self._start()
            if self._loaded_key != key:
                channel.send(("load", key, blob))
                self._loaded_key = key
            channel.send(("run", {**task, "start": start, "flush_interval_s": flush_interval_s}))
            # a message may wait for loading the module, one flush interval and one call
            wait_s = 2 * self._config.call_timeout_s + flush_interval_s + self._config.kill_grace_s
            try:
                while start < stop:
                    _, first, results = channel.recv(wait_s)
                    for offset, (output, error, printed) in enumerate(results):
                        yield (
                            first + offset,
                            CallResult(output, ErrorInfo(**error) if error else None, printed),
                        )
                    start = first + len(results)
            except (TimeoutError, ChannelClosed) as exc:
                code = self._process.poll() if self._process else None
                self.stop()
                if flush_interval_s > 0:
                    flush_interval_s = 0.0  # rerun unbuffered to find the failing sample
                    continue
                if isinstance(exc, TimeoutError):
                    logger.warning("worker hung on %s sample %d; replacing it", task["filename"], start)
                    error = ErrorInfo("Timeout", "the call stopped answering and its worker was killed")
                else:
                    logger.warning(
                        "worker died (exit %s) on %s sample %d; replacing it", code, task["filename"], start
                    )
                    error = ErrorInfo("WorkerDied", f"the worker died (exit code {code}), e.g. out of memory")
                yield start, CallResult(error=error)
                start += 1


class SandboxPool:
    """Runs programs over a list of inputs on a pool of sandboxed worker processes.

    Use as a context manager (or call :meth:`close`) so that workers are stopped.
    """

    def __init__(self, config: SandboxConfig | None = None) -> None:
        self.config = config or SandboxConfig()
        self._workers = [SandboxWorker(self.config) for _ in range(self.config.worker_count)]

    def __enter__(self) -> SandboxPool:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        for worker in self._workers:
            worker.stop()

    def run(
        self, programs: Sequence[Program], inputs: Sequence[Any], *, spread_args: bool = False, seed: int = 0
    ) -> list[list[CallResult]]:
        """Call every program on every input; ``result[p][i]`` is program ``p`` on input ``i``.

        ``spread_args``: each input is a tuple of positional arguments rather than the single argument.
        ``seed`` seeds ``random`` per task, so a run is reproducible.
        """
        blob = pickle.dumps(list(inputs), protocol=pickle.HIGHEST_PROTOCOL)
        key = hashlib.sha1(blob).hexdigest()
        results: list[list[CallResult | None]] = [[None] * len(inputs) for _ in programs]
        tasks: queue.Queue = queue.Queue()
        for p_index, program in enumerate(programs):
            for start in range(0, len(inputs), self.config.chunk_size):
                task = program_task(self.config, program, seed, start)
                task.update(stop=min(start + self.config.chunk_size, len(inputs)), spread_args=spread_args)
                tasks.put((p_index, task))
        failures: list[BaseException] = []

        def serve(worker: SandboxWorker) -> None:
            try:
                while not failures:
                    try:
                        p_index, task = tasks.get_nowait()
                    except queue.Empty:
                        return
                    for index, result in worker.run(task, key, blob):
                        results[p_index][index] = result
            except BaseException as exc:  # noqa: BLE001 - re-raised in the calling thread
                failures.append(exc)

        threads = [
            threading.Thread(target=serve, args=(w,), daemon=True) for w in self._workers[: tasks.qsize()]
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if failures:
            raise failures[0]
        return results  # type: ignore[return-value]
