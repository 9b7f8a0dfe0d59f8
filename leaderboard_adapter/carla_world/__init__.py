"""Owns the WorldView over a live CARLA server, read through scenario_runner's CarlaDataProvider.

It runs inside the leaderboard evaluator's process (where `CarlaDataProvider` holds the
world, the map and the actors) and turns what it reads into the plain, world-frame records
of `leaderboard_adapter.world_view`. scenario_runner is imported only when a
`CarlaWorldView` is built without an injected provider, so this package imports anywhere.

Modules: `provider` (the small part of CarlaDataProvider and GameTime used, and their
loader), `geometry` (poses and trigger volumes in the world frame), `actors` (hero and
other actors as records and arrays), `signals` (traffic-light and stop-sign geometry),
`route` (the leaderboard's dense plan as `RoutePoint`s), `carla_world_view` (the view).
"""

from leaderboard_adapter.carla_world.carla_world_view import CarlaWorldView
from leaderboard_adapter.carla_world.provider import SCENARIO_RUNNER_MISSING, Clock, DataProvider
from leaderboard_adapter.carla_world.route import route_from_global_plan

__all__ = ["SCENARIO_RUNNER_MISSING", "CarlaWorldView", "Clock", "DataProvider", "route_from_global_plan"]
