"""Status words of the results file: how a route ended, and the entry status of the whole run.

Strings are those of leaderboard 2.x (`statistics_manager.py`, `FAILURE_MESSAGES` and
`leaderboard_evaluator.py`): a route is "Perfect", "Completed", or "Failed" optionally
followed by " - <reason>"; the entry is "Started", "Finished", "Rejected", "Crashed" or
"Invalid", and only "Finished" is eligible.
"""

from __future__ import annotations

import enum

ROUTE_PERFECT = "Perfect"
"""Route completed with no infraction at all."""
ROUTE_COMPLETED = "Completed"
"""Route completed with at least one infraction."""
ROUTE_FAILED = "Failed"
"""Route not completed; a reason may follow after " - "."""
ROUTE_STARTED = "Started"
"""A record created at the start of a route and not yet scored (never written to the file)."""

FAILURE_DEVIATED = "Agent deviated from the route"
FAILURE_BLOCKED = "Agent got blocked"
FAILURE_TIMED_OUT = "Agent timed out"
FAILURE_AGENT_CRASHED = "Agent crashed"
FAILURE_AGENT_SETUP = "Agent couldn't be set up"
FAILURE_SENSORS = "Agent's sensors were invalid"
FAILURE_SIMULATION = "Simulation crashed"


def failed_status(reason: str) -> str:
    """'Failed' or 'Failed - <reason>' as the leaderboard writes it."""
    return f"{ROUTE_FAILED} - {reason}" if reason else ROUTE_FAILED


class EntryStatus(enum.Enum):
    """The run's `entry_status` (`ENTRY_STATUS_VALUES` in the leaderboard)."""

    STARTED = "Started"
    FINISHED = "Finished"
    REJECTED = "Rejected"
    CRASHED = "Crashed"
    INVALID = "Invalid"

    @property
    def eligible(self) -> bool:
        """The leaderboard's `ELIGIBLE_VALUES`: only a finished entry is eligible."""
        return self is EntryStatus.FINISHED

    @classmethod
    def parse(cls, value: str) -> EntryStatus:
        """The member for a results file's string; ValueError naming the valid ones otherwise."""
        try:
            return cls(value)
        except ValueError:
            valid = ", ".join(repr(m.value) for m in cls)
            raise ValueError(f"invalid entry_status {value!r}; expected one of {valid}") from None


class RouteEnding(enum.Enum):
    """How the evaluator saw a route end; with the events, it decides the route's status.

    COMPLETED, DEVIATED and BLOCKED all mean "the scenario ran until it stopped by itself":
    the status then follows from the route completion and the events, exactly as in the
    leaderboard (DEVIATED and BLOCKED only assert that the matching event is present).
    ROUTE_TIMEOUT adds the leaderboard's 'Route timeout.' infraction. The others are the
    evaluator's failure cases (`FAILURE_MESSAGES`): each has the reason appended to
    "Failed - " and sets the entry status while the run goes on.
    """

    COMPLETED = "completed"
    DEVIATED = "deviated"
    BLOCKED = "blocked"
    ROUTE_TIMEOUT = "route_timeout"
    AGENT_CRASHED = "agent_crashed"
    AGENT_SETUP_FAILED = "agent_setup_failed"
    SENSORS_INVALID = "sensors_invalid"
    SIMULATION_CRASHED = "simulation_crashed"

    @property
    def failure_message(self) -> str:
        """The reason the evaluator passes to the statistics manager ('' when none)."""
        return _EXTERNAL_FAILURES.get(self, ("", EntryStatus.STARTED))[0]

    @property
    def entry_status(self) -> EntryStatus:
        """The entry status the evaluator saves after a route ending this way."""
        return _EXTERNAL_FAILURES.get(self, ("", EntryStatus.STARTED))[1]

    @property
    def stops_evaluation(self) -> bool:
        """True where the leaderboard stops the whole run (no global record is computed)."""
        return self in (RouteEnding.SIMULATION_CRASHED, RouteEnding.SENSORS_INVALID)


_EXTERNAL_FAILURES: dict[RouteEnding, tuple[str, EntryStatus]] = {
    RouteEnding.SIMULATION_CRASHED: (FAILURE_SIMULATION, EntryStatus.CRASHED),
    RouteEnding.SENSORS_INVALID: (FAILURE_SENSORS, EntryStatus.REJECTED),
    RouteEnding.AGENT_SETUP_FAILED: (FAILURE_AGENT_SETUP, EntryStatus.STARTED),
    RouteEnding.AGENT_CRASHED: (FAILURE_AGENT_CRASHED, EntryStatus.STARTED),
}
