"""Leaderboard criteria: turn a stream of WorldView ticks into InfractionEvents and the route's status.

`RouteCriteria` (criteria_set.py) is the entry point; each other module owns one criterion
or one shared piece of geometry. Thresholds and messages follow scenario_runner's
`atomic_criteria.py` and the leaderboard's `route_scenario.py` (1.0 and 2.x branches).
"""

from leaderboard_adapter.criteria.criteria_set import CriteriaConfig, RouteCriteria, RouteStatus, TickResult
from leaderboard_adapter.criteria.version import LeaderboardVersion

__all__ = ["CriteriaConfig", "LeaderboardVersion", "RouteCriteria", "RouteStatus", "TickResult"]
