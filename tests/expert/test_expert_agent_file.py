"""agents/expert_agent.py as the evaluator runs it: loaded from its file under the leaderboard 2.1 and 1.0
conventions (MAP track), driving smoke route 0 (a signalised junction, then a left turn at another) in an
empty embedded world, with the world's own light cycles (seed 3: the ego meets a red light)."""

from __future__ import annotations

from pathlib import Path

import pytest
from expert_helpers import EMPTY, LIGHTS_ROUTE, smoke_run

from leaderboard_adapter.evaluator.route_runner import AgentSpec, run_route
from leaderboard_adapter.scoring import RouteEnding

EXPERT_AGENT = Path(__file__).resolve().parents[2] / "agents" / "expert_agent.py"


@pytest.mark.parametrize("version", ["2.1", "1.0"])
def test_expert_agent_completes_the_smoke_route_without_infractions(version: str) -> None:
    run = smoke_run(LIGHTS_ROUTE)
    agent = AgentSpec(EXPERT_AGENT, "", version, "MAP")
    outcome = run_route(agent, run.town, run.points, EMPTY, 3, version)
    assert outcome.failure_detail == ""
    assert outcome.ending is RouteEnding.COMPLETED
    assert outcome.events == ()
    assert outcome.target_reached
    assert outcome.route_completion_percent == pytest.approx(100.0)
    assert outcome.sensor_types == ("sensor.speedometer",)
    # never faster than the 50 km/h limit on average (with seed 3 it also waits at a red light: 52.85 s)
    assert outcome.duration_game_s > outcome.route_length_m / 13.89
