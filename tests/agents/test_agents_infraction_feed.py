"""InfractionFeed without a publishing evaluator (as under the real leaderboard): it scores the route itself."""

from __future__ import annotations

import math

from agents_helpers import EMPTY, LIGHTS_ROUTE, smoke_run

from leaderboard_adapter.control import Action, VehicleController
from leaderboard_adapter.embedded import EmbeddedWorld
from leaderboard_adapter.infraction_feed import InfractionFeed
from leaderboard_adapter.observation import ObservationBuilder
from leaderboard_adapter.privileged import published_episode


def test_unpublished_world_gets_its_own_criteria_and_reports_each_red_light_once() -> None:
    run = smoke_run(LIGHTS_ROUTE)
    world = EmbeddedWorld(run.town.map, run.town.lane_graph, run.points, EMPTY, 3, run.town.speed_limits_mps)
    assert published_episode() is None
    feed = InfractionFeed(world)
    builder, controller = ObservationBuilder(world), VehicleController()
    polled = []
    for _ in range(1200):  # 60 s: past the first signalised junction at 9 m/s, ignoring its light
        observation = builder.build(world)
        if len(observation["route"]["points"]) < 3:
            break  # the route's end
        aim = observation["route"]["points"][2]
        action = Action(9.0, math.degrees(math.atan2(aim["y_m"], aim["x_m"])))
        world.tick(controller.control(action, observation["ego"]["speed_mps"]))
        polled.append(feed.poll())
    events = [e for batch in polled for e in batch]
    red = [e for e in events if e.type.results_key == "red_light"]
    assert red, "driving through at 9 m/s with world seed 3 runs a red light"
    assert len({e.frame for e in red}) == len(red)  # each event reported by one poll only
    assert sum(len(batch) > 0 for batch in polled) >= len(red)
