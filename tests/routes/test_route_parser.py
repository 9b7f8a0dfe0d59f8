"""Route files: both leaderboard formats, --routes-subset semantics and every malformed input."""

from __future__ import annotations

import pytest

from leaderboard_adapter.routes.route_parser import (
    RouteFileError,
    parse_routes_file,
    parse_routes_text,
    select_route_ids,
)

V1 = """<?xml version="1.0" encoding="UTF-8"?>
<routes>
   <route id="0" town="Town01">
      <waypoint pitch="360.0" roll="0.0" x="338.7" y="226.75" yaw="269.97" z="0.0" />
      <waypoint pitch="0.0" roll="0.0" x="321.98" y="194.67" yaw="179.83" z="0.5" />
      <weather cloudiness="20" precipitation="0" sun_altitude_angle="70"/>
   </route>
   <route id="1" town="Town03">
      <waypoint x="1" y="2" z="0" pitch="0" roll="0" yaw="0"/>
      <waypoint x="3" y="4" z="0" pitch="0" roll="0" yaw="90"/>
   </route>
</routes>"""

V2 = """<routes>
   <route id="3" town="Town12">
      <weathers>
         <weather route_percentage="100" cloudiness="5.0" sun_altitude_angle="15.0"/>
         <weather route_percentage="0" cloudiness="5.0" sun_altitude_angle="90.0"/>
      </weathers>
      <waypoints>
         <position x="983.5" y="5382.2" z="371"/>
         <position x="824.2" y="5575.3" z="371"/>
         <position x="605.5" y="5575.5" z="370"/>
      </waypoints>
      <scenarios>
         <scenario name="SignalizedJunctionLeftTurn_1" type="SignalizedJunctionLeftTurn">
            <trigger_point x="571.1" y="5579.4" z="370" yaw="180"/>
            <flow_speed value="16.6"/>
            <source_dist_interval from="30" to="65"/>
         </scenario>
      </scenarios>
   </route>
   <route id="10" town="Town13">
      <waypoints><position x="0" y="0" z="0"/><position x="10" y="0" z="0"/></waypoints>
      <scenarios/>
   </route>
</routes>"""


def test_parse_v1(tmp_path):
    path = tmp_path / "routes_v1.xml"
    path.write_text(V1)
    routes = parse_routes_file(path)
    assert [r.id for r in routes] == ["0", "1"]
    first = routes[0]
    assert first.format_version == 1 and first.town == "Town01" and first.name == "RouteScenario_0"
    assert (first.keypoints[1].x_m, first.keypoints[1].y_m, first.keypoints[1].z_m) == (321.98, 194.67, 0.5)
    assert first.keypoints[0].yaw_deg == pytest.approx(269.97)
    assert first.weathers[0].route_percentage == 0.0 and first.weathers[0].attributes["cloudiness"] == "20"
    assert routes[1].weathers == () and routes[1].scenarios == ()


def test_parse_v2():
    routes = parse_routes_text(V2, "v2.xml")
    route = routes[0]
    assert route.format_version == 2 and route.town == "Town12" and len(route.keypoints) == 3
    assert route.keypoints[0].yaw_deg is None and route.keypoints[2].z_m == 370.0
    assert [w.route_percentage for w in route.weathers] == [0.0, 100.0]
    assert route.weathers[0].attributes == {"cloudiness": "5.0", "sun_altitude_angle": "90.0"}
    scenario = route.scenarios[0]
    assert scenario.type == "SignalizedJunctionLeftTurn" and scenario.name == "SignalizedJunctionLeftTurn_1"
    assert scenario.trigger_points[0].yaw_deg == 180.0
    assert scenario.parameters == {
        "flow_speed": {"value": "16.6"},
        "source_dist_interval": {"from": "30", "to": "65"},
    }


IDS = ["0", "1", "2", "3", "5", "8", "13"]


@pytest.mark.parametrize(
    ("subset", "expected"),
    [
        ("", IDS),
        ("0", ["0"]),
        ("0-3", ["0", "1", "2", "3"]),
        ("1,5,8", ["1", "5", "8"]),
        ("8, 1", ["1", "8"]),
        ("3-8,0", ["0", "3", "5", "8"]),
        ("13", ["13"]),
    ],
)
def test_routes_subset(subset, expected):
    assert select_route_ids(subset, IDS) == expected


@pytest.mark.parametrize(
    ("subset", "problem"),
    [
        ("4", "couldn't find the route with id '4'"),
        ("3-0", "comes before"),
        ("0-4", "couldn't find the route with id '4'"),
        ("1,0-2", "selected twice"),
        ("1,,2", "empty entry"),
        ("1-2-3", "malformed route range"),
    ],
)
def test_routes_subset_errors(subset, problem):
    with pytest.raises(RouteFileError, match=problem):
        select_route_ids(subset, IDS)


def test_subset_on_file():
    assert [r.id for r in parse_routes_text(V2, routes_subset="10")] == ["10"]


def _route(body: str, attrs: str = 'id="7" town="T"') -> str:
    return f"<routes><route {attrs}>{body}</route></routes>"


TWO = '<waypoints><position x="0" y="0" z="0"/><position x="1" y="0" z="0"/></waypoints>'


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("<routes><route", "malformed XML"),
        ("<routes/>", "no <route> elements"),
        (_route(TWO, 'town="T"'), "route number 0 has no 'id'"),
        (_route(TWO, 'id="7"'), "route '7' has no 'town'"),
        (_route('<waypoints><position x="0" y="0" z="0"/></waypoints>'), "route '7' has 1 keypoint"),
        (_route("<waypoints/>"), "route '7' has 0 keypoint"),
        (
            _route('<waypoints><position x="a" y="0" z="0"/><position x="1" y="0"/></waypoints>'),
            "keypoint 0.*'a' is not a number",
        ),
        (
            _route('<waypoints><position x="nan" y="0" z="0"/><position x="1" y="0"/></waypoints>'),
            "keypoint 0.*not a finite",
        ),
        (
            _route('<waypoints><position y="0" z="0"/><position x="1" y="0"/></waypoints>'),
            "keypoint 0.*no 'x'",
        ),
        (_route(TWO + '<weathers><weather cloudiness="1"/></weathers>'), "route_percentage"),
        (_route(TWO + '<scenarios><scenario name="S"/></scenarios>'), "scenario 'S'.*no type"),
        (
            _route(
                TWO
                + '<scenarios><scenario name="S" type="X"><trigger_point x="q" y="0" z="0"/></scenario></scenarios>'
            ),
            "'q' is not a number",
        ),
        (_route(TWO) + "", None),
    ],
)
def test_bad_route_files_name_problem(text, problem):
    if problem is None:
        assert parse_routes_text(text, "f.xml")[0].id == "7"
        return
    with pytest.raises(RouteFileError, match=problem) as err:
        parse_routes_text(text, "bad_routes.xml")
    assert "bad_routes.xml" in str(err.value)


def test_duplicate_ids_and_missing_file(tmp_path):
    with pytest.raises(RouteFileError, match="more than once"):
        parse_routes_text(f"<routes>{_route(TWO)[8:-9]}{_route(TWO)[8:-9]}</routes>", "dup.xml")
    with pytest.raises(RouteFileError, match="does not exist"):
        parse_routes_file(tmp_path / "none.xml")
