"""Paths of the evaluator tests' agent files (test doubles)."""

from pathlib import Path

from langprop_driver.agent_paths import ROUTE_FOLLOWER_AGENT

AGENT_FILES = Path(__file__).resolve().parent / "agent_files"
MISBEHAVING = AGENT_FILES / "misbehaving_agent.py"
ROUTE_FOLLOWER = ["-a", str(ROUTE_FOLLOWER_AGENT)]
"""The example sensor-only agent these tests drive (`evaluate`'s default agent is the LangProp agent); a later
`-a` in the same command line replaces it."""


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
