"""The local executor: route runs on worker processes of this machine, one run per process at a time.

Workers are spawned (nothing of the parent's threads or sockets is shared), kept across calls, and
ignore Ctrl-C: the head decides what stops. Each worker has its own pipe, so a worker that dies (a
crash of native code, SIGKILL) is known to have died on its run: that run alone is run again on a
fresh worker, and the others go on.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import pickle
import signal
import traceback
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess

from .protocol import DEFAULT_RETRIES, RouteRunError
from .route_job import RouteJob, RouteJobResult, crashed_result, run_route_job

logger = logging.getLogger(__name__)


def _worker_main(connection: Connection, log_level: int) -> None:
    """A worker's loop: a job in, ('ok', its result) out, or ('error' | 'interrupted', the traceback) when the
    run raised an exception or KeyboardInterrupt, until the head hangs up."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    while True:
        try:
            job = connection.recv()
        except (EOFError, OSError):
            return
        try:
            connection.send(("ok", run_route_job(job, log_level)))
        except KeyboardInterrupt:  # raised by the run itself (Ctrl-C reaches the head, not the workers)
            connection.send(("interrupted", traceback.format_exc()))
        except Exception:
            connection.send(("error", traceback.format_exc()))


@dataclass
class _Worker:
    process: BaseProcess
    connection: Connection

    def stop(self) -> None:
        self.connection.close()
        if self.process.is_alive():
            self.process.kill()
        self.process.join()


class LocalExecutor:
    """`workers` processes (0: one per core); see the module doc and :class:`~.protocol.RouteRunExecutor`."""

    def __init__(self, workers: int = 0, retries: int = DEFAULT_RETRIES, log_level: int = logging.WARNING) -> None:
        if workers < 0:
            raise ValueError(f"workers must be >= 0 (0: one per core), got {workers}")
        if retries < 0:
            raise ValueError(f"retries must be >= 0, got {retries}")
        self.workers = workers or os.cpu_count() or 1
        self.retries = retries
        self.log_level = log_level
        self._idle: list[_Worker] = []
        self._context = multiprocessing.get_context("spawn")

    @property
    def description(self) -> str:
        return f"local: {self.workers} worker process(es)"

    def _worker(self) -> _Worker:
        if self._idle:
            return self._idle.pop()
        ours, theirs = self._context.Pipe()
        process = self._context.Process(target=_worker_main, args=(theirs, self.log_level), daemon=True)
        process.start()
        theirs.close()
        return _Worker(process, ours)

    def results(self, jobs: Sequence[RouteJob]) -> Iterator[tuple[int, RouteJobResult]]:
        queue = deque(range(len(jobs)))
        deaths = [0] * len(jobs)
        busy: dict[Connection, tuple[_Worker, int]] = {}
        try:
            while queue or busy:
                while queue and len(busy) < self.workers:
                    i, worker = queue.popleft(), self._worker()
                    try:
                        worker.connection.send(jobs[i])
                    except OSError:  # an idle worker that died meanwhile: a fresh one
                        worker.stop()
                        worker = self._worker()
                        worker.connection.send(jobs[i])
                    busy[worker.connection] = (worker, i)
                sentinels = {worker.process.sentinel: worker.connection for worker, _ in busy.values()}
                ready = wait([*busy, *sentinels])
                for connection in {sentinels.get(r, r) for r in ready}:  # a dead worker's sentinel: its pipe
                    worker, i = busy.pop(connection)
                    answer = self._answer(worker)
                    if answer is None:
                        worker.stop()
                        deaths[i] += 1
                        logger.error("%s: its worker process died (%d of %d tries)", jobs[i].name, deaths[i],
                                     self.retries + 1)  # fmt: skip
                        if deaths[i] <= self.retries:
                            queue.appendleft(i)
                        else:
                            yield i, crashed_result(jobs[i], f"its route-run worker process died {deaths[i]} times")
                        continue
                    self._idle.append(worker)
                    status, value = answer
                    if status == "interrupted":  # as Ctrl-C here: the evaluation stops, what is saved stays
                        raise KeyboardInterrupt(f"{jobs[i].name} was interrupted in its worker process")
                    if status == "error":
                        raise RouteRunError(f"{jobs[i].name} raised in its worker process:\n{value}")
                    yield i, value
        finally:
            for worker, _ in busy.values():  # runs cut off (Ctrl-C, a caller that stopped): their workers go
                worker.stop()

    @staticmethod
    def _answer(worker: _Worker) -> tuple[str, object] | None:
        """The worker's answer, or None when it died before giving one."""
        try:
            if worker.connection.poll():
                return worker.connection.recv()
        except (EOFError, OSError, pickle.UnpicklingError):
            return None
        return None

    def close(self) -> None:
        while self._idle:
            self._idle.pop().stop()

    def __enter__(self) -> LocalExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
