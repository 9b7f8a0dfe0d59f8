"""A route whose world cannot be built (town missing, keypoints with no path) or whose simulation raises
mid-route is recorded as the leaderboard records a crashed simulation ("Failed - Simulation crashed",
entry status "Crashed", `FAILURE_MESSAGES["Simulation"]` in `leaderboard_evaluator.py`), and the other
routes run and keep their records; maps without signals are flagged in the records' meta."""

from __future__ import annotations

import json
import logging
import math
import shutil
import sys
from pathlib import Path

import pytest

from langprop_driver.cli import main
from langprop_driver.pipeline import evaluate_command
from leaderboard_adapter.embedded.world import EmbeddedWorld
from leaderboard_adapter.evaluator import route_runner
from leaderboard_adapter.roads.osm_layout import OsmLayout, OsmWay
from leaderboard_adapter.roads.town_generator import convert_osm
from leaderboard_adapter.roads.towns import load_town

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "embedded"))  # its CARLA map lookup
from carla_maps import carla_town_file  # noqa: E402
from evaluator_helpers import ROUTE_FOLLOWER, InProcessExecutorDouble  # noqa: E402

QUIET = [*ROUTE_FOLLOWER, "--vehicles", "0", "--walkers", "0", "--no-progress"]
CRASHED = "Failed - Simulation crashed"
NEVER_STARTED_SCORES = {"score_route": 0, "score_penalty": 1.0, "score_composed": 0}
"""What the leaderboard's `compute_route_statistics` gives a route whose scenario never loaded."""


def route_xml(route_id: str, town: str, *points: tuple[float, float, float]) -> str:
    positions = "".join(f'<position x="{x}" y="{y}" z="{z}"/>' for x, y, z in points)
    return f'<route id="{route_id}" town="{town}"><waypoints>{positions}</waypoints></route>'


def write_routes(path: Path, *routes: str) -> Path:
    path.write_text("<routes>" + "".join(routes) + "</routes>")
    return path


# The two bundled smoke routes (leaderboard_adapter/data/routes/embedded_smoke.xml).
GRID_ROUTE = ("EmbeddedGrid", (221.68, -253.18, 0.0), (156.35, -438.73, 0.0))
STOPS_ROUTE = ("EmbeddedStops", (208.35, -1.68, 0.0), (1.67, -9.75, 0.0))


def split_town(folder: Path) -> tuple[float, float]:
    """Write Split.xodr (two one-way roads that never meet) into `folder`; the y of each road's lane."""
    layout = OsmLayout(
        "Split",
        {1: (0.0, 0.0), 2: (200.0, 0.0), 3: (0.0, 300.0), 4: (200.0, 300.0)},
        (OsmWay(1, (1, 2), oneway=True, lanes=1), OsmWay(2, (3, 4), oneway=True, lanes=1)),
    )
    text = convert_osm(layout.to_osm_xml(), traffic_lights=False)
    (folder / "Split.xodr").write_text(text)
    ys = sorted({round(float(y)) for y in load_town("Split", town_dir=folder).lane_graph.y_m})
    return float(ys[0]), float(ys[-1])


def results_of(checkpoint: Path) -> dict:
    return json.loads(checkpoint.read_text())


def test_routes_that_cannot_be_built_are_crash_records_and_the_others_run(tmp_path: Path) -> None:
    towns = tmp_path / "towns"
    towns.mkdir()
    low, high = split_town(towns)
    routes = write_routes(
        tmp_path / "routes.xml",
        route_xml("0", *GRID_ROUTE),
        route_xml("1", "Atlantis", (0.0, 0.0, 0.0), (50.0, 0.0, 0.0)),  # no such town
        route_xml("2", "Split", (50.0, low, 0.0), (150.0, high, 0.0)),  # no lane path joins them
        route_xml("3", *STOPS_ROUTE),
    )
    checkpoint = tmp_path / "results.json"
    code = main(
        [
            "evaluate",
            "--routes",
            str(routes),
            "--town-dir",
            str(towns),
            "--checkpoint",
            str(checkpoint),
            *QUIET,
        ]
    )
    assert code == 0
    data = results_of(checkpoint)
    records = data["_checkpoint"]["records"]
    assert data["_checkpoint"]["progress"] == [4, 4]
    assert [r["route_id"] for r in records] == [f"RouteScenario_{i}_rep0" for i in range(4)]
    assert [r["index"] for r in records] == [0, 1, 2, 3]
    for crashed, reason in ((records[1], "Atlantis"), (records[2], "no path from keypoint 0")):
        assert crashed["status"] == CRASHED
        assert crashed["scores"] == NEVER_STARTED_SCORES
        assert crashed["num_infractions"] == 0
        assert crashed["meta"]["route_length"] == 0 and crashed["meta"]["duration_game"] == 0
        assert reason in crashed["meta"]["failure_detail"]
    for driven in (records[0], records[3]):
        assert driven["status"] != CRASHED and driven["scores"]["score_route"] > 90.0
    # the run is finalised: global record over all four routes, but a crashed entry is not eligible
    assert data["entry_status"] == "Crashed" and data["eligible"] is False
    assert data["values"] and data["_checkpoint"]["global_record"]
    mean_ds = sum(r["scores"]["score_composed"] for r in records) / 4
    assert float(data["values"][0]) == pytest.approx(mean_ds, abs=1e-3)


def test_when_no_route_can_be_planned_the_error_is_named_and_nothing_runs(tmp_path: Path, capsys) -> None:
    routes = write_routes(
        tmp_path / "routes.xml", route_xml("0", "Atlantis", (0.0, 0.0, 0.0), (50.0, 0.0, 0.0))
    )
    checkpoint = tmp_path / "results.json"
    assert main(["evaluate", "--routes", str(routes), "--checkpoint", str(checkpoint), *QUIET]) == 2
    assert "Atlantis" in capsys.readouterr().err
    assert not checkpoint.exists()


class FirstWorldRaisesDouble(EmbeddedWorld):
    """Test double: the first world built in a test raises inside `tick` at frame 40 (a simulation bug)."""

    built = 0

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        type(self).built += 1
        self.breaks = type(self).built == 1

    def tick(self, control):
        if self.breaks and self.frame >= 40:
            raise RuntimeError("test double: the world broke")
        return super().tick(control)


def test_a_world_raising_mid_route_is_a_crash_record_and_the_run_goes_on(tmp_path: Path, monkeypatch) -> None:
    FirstWorldRaisesDouble.built = 0
    monkeypatch.setattr(route_runner, "EmbeddedWorld", FirstWorldRaisesDouble)
    monkeypatch.setattr(evaluate_command, "executor_for", lambda settings: InProcessExecutorDouble())
    routes = write_routes(tmp_path / "routes.xml", route_xml("0", *GRID_ROUTE), route_xml("1", *STOPS_ROUTE))
    checkpoint = tmp_path / "results.json"
    assert main(["evaluate", "--routes", str(routes), "--checkpoint", str(checkpoint), *QUIET]) == 0
    data = results_of(checkpoint)
    first, second = data["_checkpoint"]["records"]
    assert first["status"] == CRASHED
    assert "test double: the world broke" in first["meta"]["failure_detail"]
    # scored from the criteria at the crash, as the leaderboard's statistics after a simulation error
    assert 0 < first["scores"]["score_route"] < 50
    assert first["meta"]["duration_game"] == pytest.approx(40 * 0.05, abs=0.051)
    assert first["meta"]["route_length"] > 150
    assert second["status"] != CRASHED and second["scores"]["score_route"] > 90.0
    assert data["_checkpoint"]["progress"] == [2, 2]
    assert data["entry_status"] == "Crashed" and data["eligible"] is False


def test_a_map_without_signals_is_flagged_in_the_records_meta(tmp_path: Path, caplog) -> None:
    towns = tmp_path / "towns"
    towns.mkdir()
    for name in ("Town01", "Town03"):  # copies of their own: the warning comes with the first load
        shutil.copy(carla_town_file(name), towns / f"{name}.xodr")
    routes = write_routes(
        tmp_path / "routes.xml",
        route_xml("0", "Town03", (33.99, 134.11, 0.0), (93.99, 133.25, 0.14)),
        route_xml("1", "Town01", (88.41, 238.33, 0.0), (88.42, 298.33, 0.0)),
        route_xml("2", "Town03", (93.99, 133.25, 0.14), (33.99, 134.11, 0.0)),
    )
    checkpoint = tmp_path / "results.json"
    with caplog.at_level(logging.WARNING, logger="leaderboard_adapter.roads.towns"):
        code = main(
            [
                "evaluate",
                "--routes",
                str(routes),
                "--town-dir",
                str(towns),
                "--checkpoint",
                str(checkpoint),
                *QUIET,
            ]
        )
    assert code == 0
    records = results_of(checkpoint)["_checkpoint"]["records"]
    town03, town01, town03_again = records
    for record in (town03, town03_again):
        assert record["meta"]["map_signals"] == 0
        assert "Town03" in record["meta"]["map_note"] and "no traffic lights" in record["meta"]["map_note"]
    assert "map_signals" not in town01["meta"] and "map_note" not in town01["meta"]
    warnings = [r.getMessage() for r in caplog.records if "<signal>" in r.getMessage()]
    assert len(warnings) == 1 and "Town03" in warnings[0] and str(towns / "Town03.xodr") in warnings[0]
    assert all(math.isfinite(r["scores"]["score_composed"]) for r in records)
