"""Paths of the evaluator tests' agent files (test doubles)."""

from pathlib import Path

AGENT_FILES = Path(__file__).resolve().parent / "agent_files"
MISBEHAVING = AGENT_FILES / "misbehaving_agent.py"


class InProcessExecutorDouble:
    """Test double of a route-run executor: every job runs in this process, one after the other, so a world
    or agent monkeypatched by a test drives the routes."""

    workers = 1
    description = "this process (test double)"

    def results(self, jobs):
        from leaderboard_adapter.executor import run_route_job

        for i, job in enumerate(jobs):
            yield i, run_route_job(job)

    def close(self) -> None:
        pass
