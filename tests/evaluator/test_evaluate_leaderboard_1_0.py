"""`evaluate --leaderboard-version 1.0` writes leaderboard 1.0's results file, resumes it, and measures a route
as 1.0 does: the straight-line path through the route file's keypoints."""

from __future__ import annotations

import json
import math
from pathlib import Path

from evaluator_helpers import MISBEHAVING, ROUTE_FOLLOWER

from langprop_driver.cli import main
from leaderboard_adapter.criteria.route_track import RouteTrack
from leaderboard_adapter.criteria.timeout import RouteTimeout
from leaderboard_adapter.criteria.version import LeaderboardVersion
from leaderboard_adapter.routes.road_option import RoadOption
from leaderboard_adapter.routes.route_config import Keypoint, RouteConfig
from leaderboard_adapter.routes.route_point import RoutePoint

QUIET = [*ROUTE_FOLLOWER, "--vehicles", "0", "--walkers", "0", "--no-progress"]

# Route 0 of the bundled smoke set, as a leaderboard 1.0 route file: two keypoints 196.7 m apart in a
# straight line, while the dense route turns along the grid's roads.
KEYPOINTS = ((221.68, -253.18, 0.0), (156.35, -438.73, 0.0))
ROUTE_1_0 = """<?xml version="1.0" encoding="UTF-8"?>
<routes>
   <route id="5" town="EmbeddedGrid">
{points}
   </route>
</routes>
"""


def routes_1_0(tmp_path: Path) -> Path:
    path = tmp_path / "routes_1_0.xml"
    points = "\n".join(
        f'      <waypoint x="{x}" y="{y}" z="{z}" pitch="0.0" roll="0.0" yaw="0.0"/>' for x, y, z in KEYPOINTS
    )
    path.write_text(ROUTE_1_0.format(points=points))
    return path


def evaluate(checkpoint: Path, routes: str | Path, *extra: str) -> int:
    return main(["evaluate", "--routes", str(routes), "--checkpoint", str(checkpoint), "--leaderboard-version", "1.0",
                 *QUIET, *extra])


def test_keypoint_length_is_the_polyline_through_the_keypoints() -> None:
    route = RouteConfig("1", "T", (Keypoint(0, 0, 0), Keypoint(3, 4, 0), Keypoint(3, 4, 12)))
    assert route.keypoint_length_m == 17.0  # 5 m, then 12 m up: 1.0 measures in 3D


def test_1_0_route_timeout_uses_the_given_length() -> None:
    track = RouteTrack([RoutePoint(float(x), 0.0, 0.0, 0.0, RoadOption.LANEFOLLOW) for x in range(0, 101)])
    assert RouteTimeout(track, LeaderboardVersion.V1_0).timeout_s == int(0.8 * 100 + 5)
    assert RouteTimeout(track, LeaderboardVersion.V1_0, length_m=50.0).timeout_s == int(0.8 * 50 + 5)


def test_1_0_route_length_is_the_keypoints_straight_line(tmp_path: Path) -> None:
    checkpoint = tmp_path / "results.json"
    assert evaluate(checkpoint, routes_1_0(tmp_path)) == 0
    record = json.loads(checkpoint.read_text())["_checkpoint"]["records"][0]
    expected = math.dist(*KEYPOINTS)
    assert abs(record["meta"]["route_length"] - expected) < 1e-3  # meta is kept to 3 decimals
    assert record["route_id"] == "RouteScenario_5"

    dense = tmp_path / "dense.json"
    assert main(["evaluate", "--routes", str(routes_1_0(tmp_path)), "--checkpoint", str(dense), *QUIET]) == 0
    assert json.loads(dense.read_text())["_checkpoint"]["records"][0]["meta"]["route_length"] > expected + 10


def test_1_0_results_file_and_resume(tmp_path: Path, misbehaviour) -> None:
    checkpoint = tmp_path / "results.json"
    counter = tmp_path / "constructions"
    config = misbehaviour("interrupt", frame=30, after_constructions=1, counter=str(counter))
    assert evaluate(checkpoint, "embedded_smoke", "--agent", str(MISBEHAVING), "--agent-config", config, "--workers", "1") == 130
    first = json.loads(checkpoint.read_text())
    assert first["_checkpoint"]["progress"] == [1, 2] and first["entry_status"] == "Started"

    assert evaluate(checkpoint, "embedded_smoke", "--resume") == 0
    text = checkpoint.read_text()
    data = json.loads(text)
    assert text == json.dumps(data, indent=4, sort_keys=True)
    assert data["_checkpoint"]["records"][0] == first["_checkpoint"]["records"][0]
    records = data["_checkpoint"]["records"]
    assert [r["route_id"] for r in records] == ["RouteScenario_0", "RouteScenario_1"]
    for r in records:
        assert "num_infractions" not in r
        assert r["status"] == "Completed" or r["status"].startswith("Failed")
        assert len(r["infractions"]) == 9
    assert len(data["labels"]) == 12 and len(data["values"]) == 12
    assert "scores" in data["_checkpoint"]["global_record"]
    assert "scores_mean" not in data["_checkpoint"]["global_record"]
    assert all(len(v.split(".")[1]) == 3 for v in data["values"])
    assert data["entry_status"].startswith("Finished") and data["_checkpoint"]["progress"] == [2, 2]


def test_1_0_repetitions_share_the_route_id(tmp_path: Path) -> None:
    checkpoint = tmp_path / "results.json"
    assert evaluate(checkpoint, "embedded_smoke", "--routes-subset", "1", "--repetitions", "2") == 0
    records = json.loads(checkpoint.read_text())["_checkpoint"]["records"]
    assert [(r["index"], r["route_id"]) for r in records] == [(0, "RouteScenario_1"), (1, "RouteScenario_1")]
    assert all(r["status"] != "Perfect" for r in records)
