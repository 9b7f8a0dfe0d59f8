"""Helpers of the replay tests: the smoke runs, agent files, quiet worlds, a real evaluation, an expert overlay.

Helpers of other test folders (tests/embedded, tests/observation) are loaded from their files
under names of their own, as tests/observation does with tests/carla_world's provider double.
"""

from __future__ import annotations

import functools
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from expert import Expert
from langprop_driver.cli import main
from leaderboard_adapter.embedded import EmbeddedWorld, WorldConfig
from leaderboard_adapter.evaluator.planned_run import PlannedRun, plan_runs
from leaderboard_adapter.evaluator.route_sets import resolve_routes
from leaderboard_adapter.observation import ObservationBuilder
from leaderboard_adapter.replay import ActionArrow, Overlay, OverlayFn
from leaderboard_adapter.world_view import WorldView

TESTS = Path(__file__).resolve().parents[1]
REPO = TESTS.parent
ROUTE_FOLLOWER = REPO / "agents" / "route_follower_agent.py"
EXPERT_AGENT = REPO / "agents" / "expert_agent.py"
LATE_STARTER = Path(__file__).resolve().parent / "agent_files" / "late_starter_agent.py"
SEED = 2
"""The evaluation's --seed in these tests: one at which the route follower meets two lights at red on
smoke route 0 (seeds 0 and 1 give it green waves; the light phases follow the seed)."""
EMPTY_ROADS = WorldConfig().with_counts(0, 0)
"""The world of `evaluate --vehicles 0 --walkers 0`."""
LIGHTS_RUN = 0
"""Smoke route 0 (EmbeddedGrid): north through signalised junctions, then west."""
STOPS_RUN = 1
"""Smoke route 1 (EmbeddedStops): through a stop-controlled junction."""


def _sibling(folder: str, name: str) -> ModuleType:
    """tests/<folder>/<name>.py, imported under the name replay_<name>."""
    module_name = f"replay_{name}"
    if module_name not in sys.modules:
        spec = importlib.util.spec_from_file_location(module_name, TESTS / folder / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        spec.loader.exec_module(module)
    return sys.modules[module_name]


embedded_helpers = _sibling("embedded", "embedded_helpers")
observation_helpers = _sibling("observation", "observation_helpers")


@functools.lru_cache(maxsize=1)
def smoke_runs() -> tuple[PlannedRun, ...]:
    """The bundled smoke routes as `evaluate --routes embedded_smoke` plans them (one repetition)."""
    return tuple(plan_runs(resolve_routes("embedded_smoke"), "", 1, None, None))


def quiet_world(run_index: int, seed: int = 0, **config: object) -> EmbeddedWorld:
    """A fresh embedded world on a smoke run: no traffic, no walkers unless asked."""
    run = smoke_runs()[run_index]
    return EmbeddedWorld(
        run.town.map,
        run.town.lane_graph,
        run.points,
        embedded_helpers.quiet_config(**config),
        seed,
        run.town.speed_limits_mps,
    )


def evaluate(results: Path, agent: Path, subset: str) -> Path:
    """Run `langprop-drive evaluate` on smoke routes `subset` on empty roads; the results file."""
    argv = [
        "evaluate", "--agent", str(agent), "--routes", "embedded_smoke", "--routes-subset", subset,
        "--seed", str(SEED), "--vehicles", "0", "--walkers", "0", "--no-progress", "--checkpoint", str(results),
    ]  # fmt: skip
    assert main(argv) == 0
    return results


@pytest.fixture(scope="session")
def follower_results(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Results of the route follower (which runs red lights) on smoke route 0."""
    return evaluate(tmp_path_factory.mktemp("follower") / "results.json", ROUTE_FOLLOWER, str(LIGHTS_RUN))


def expert_overlay(frames: list[tuple[int, float, float]]) -> OverlayFn:
    """An overlay of the expert's action on each frame; appends (frame, hero x [m], hero y [m]) to `frames`."""
    expert = Expert()
    builders: dict[int, ObservationBuilder] = {}

    def overlay(view: WorldView) -> Overlay:
        if id(view) not in builders:
            builders[id(view)] = ObservationBuilder(view)
        action = expert.act(builders[id(view)].build(view)).action
        hero = view.hero()
        frames.append((view.frame, hero.x_m, hero.y_m))
        return Overlay(expert=ActionArrow(action.target_speed_mps, action.steer_deg))

    return overlay
