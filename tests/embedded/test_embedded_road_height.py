"""Actors follow the road's height: slopes, ramps and the level they are on where roads cross (issue 15.1)."""

from __future__ import annotations

import math

import carla
import numpy as np
import pytest
from carla_maps import carla_town
from embedded_helpers import quiet_config

from leaderboard_adapter.criteria.criteria_set import RouteCriteria
from leaderboard_adapter.embedded import EmbeddedWorld, WorldConfig
from leaderboard_adapter.embedded.network import DrivingNetwork
from leaderboard_adapter.embedded.road_height import RoadHeight
from leaderboard_adapter.embedded.route_builder import route_along_lanes
from leaderboard_adapter.embedded.walkers import WalkerParams
from leaderboard_adapter.routes.route_point import RoutePoint


def follow(world: EmbeddedWorld, route: list[RoutePoint], target_mps: float = 10.0) -> carla.VehicleControl:
    """Pure pursuit on the route (look-ahead 6 m) with a proportional speed controller."""
    ego = world.ego
    k = world.route_index
    xy = np.array([(p.x_m, p.y_m) for p in route[k : k + 30]])
    d = np.hypot(xy[:, 0] - ego.x_m, xy[:, 1] - ego.y_m)
    ahead = np.flatnonzero(d > 6.0)
    tx, ty = xy[ahead[0]] if ahead.size else xy[-1]
    alpha = math.atan2(ty - ego.y_m, tx - ego.x_m) - ego.yaw_rad
    wheel = math.atan2(
        2.0 * ego.params.wheelbase_m * math.sin(alpha), max(math.hypot(tx - ego.x_m, ty - ego.y_m), 1.0)
    )
    steer = wheel / math.radians(ego.params.max_steer_deg)
    err = target_mps - ego.speed_mps
    return carla.VehicleControl(
        throttle=min(max(0.5 * err, 0.0), 1.0), steer=steer, brake=min(max(-0.5 * err, 0.0), 1.0)
    )


def test_ego_climbs_onto_town04_bridge_with_no_layout_or_lane_infraction() -> None:
    town_map, graph = carla_town("Town04")
    net = DrivingNetwork(graph)
    # road 38 lane -4 climbs from ground level onto the elevated highway (z about 10 m), then runs on
    start = next(
        int(i) for i in np.flatnonzero(net.is_canonical) if graph.segments[int(i)].lane_key == (38, 0, -4)
    )
    route = route_along_lanes(net, start, 330.0, start_s_m=5.0)
    top = max(p.z_m for p in route)
    assert route[0].z_m < 1.0 and top > 9.5
    world = EmbeddedWorld(town_map, graph, route, quiet_config(), seed=0)
    criteria = RouteCriteria.from_view(world, "2.x")
    events = []
    heights = []
    for _ in range(1200):
        world.tick(follow(world, route))
        result = criteria.update(world)
        events += result.events
        heights.append(world.hero().z_m)
        if result.ended:
            break
    events += criteria.finish(world)
    assert max(heights) == pytest.approx(top, abs=0.3)
    assert criteria.route_completion_percent > 90.0
    assert [e.type.name for e in events] == []
    # the ego's height is the route's (its lane's) wherever it is along it
    k = world.route_index
    assert world.hero().z_m == pytest.approx(route[k].z_m, abs=0.3)


def test_road_height_keeps_the_level_where_roads_cross() -> None:
    town_map, _ = carla_town("Town04")
    # the elevated highway (road 39, z 11 m) crosses road 47 (z 0) near (8.3, 9.6)
    below, above = RoadHeight(town_map), RoadHeight(town_map)
    assert below.height_m(8.34, 9.62, 0.0) == pytest.approx(0.0, abs=0.05)
    assert above.height_m(8.34, 9.62, 10.9) == pytest.approx(11.0, abs=0.1)


SLOPE_XODR = """<?xml version="1.0" standalone="yes"?>
<OpenDRIVE>
  <header revMajor="1" revMinor="4" name="slope" version="1"/>
  <road name="ramp" length="200" id="1" junction="-1">
    <link/>
    <planView><geometry s="0" x="0" y="0" hdg="0" length="200"><line/></geometry></planView>
    <elevationProfile><elevation s="0" a="0" b="0.05" c="0" d="0"/></elevationProfile>
    <lanes>
      <laneSection s="0">
        <left><lane id="1" type="driving" level="false"><link/><width sOffset="0" a="3.5" b="0" c="0" d="0"/></lane></left>
        <center><lane id="0" type="driving" level="false"><link/></lane></center>
        <right><lane id="-1" type="driving" level="false"><link/><width sOffset="0" a="3.5" b="0" c="0" d="0"/></lane></right>
      </laneSection>
    </lanes>
  </road>
</OpenDRIVE>
"""


def test_every_actor_tracks_a_sloped_road() -> None:
    """A straight 200 m road climbing 5 % towards +x (its one lane in the topology runs downhill): z = 0.05 · x
    for the ego and an NPC driving down it."""
    from leaderboard_adapter.roads.lane_graph import LaneGraph

    town_map = carla.Map("slope", SLOPE_XODR)
    graph = LaneGraph(town_map)
    net = DrivingNetwork(graph)
    lane = 0
    route = route_along_lanes(net, lane, 150.0, start_s_m=5.0)
    assert route[0].z_m == pytest.approx(0.05 * route[0].x_m, abs=0.01) and route[0].z_m > 9.0
    config = WorldConfig(vehicle_count=0, walker_count=0, walkers=WalkerParams(ego_crossing_spacing_m=0.0))
    world = EmbeddedWorld(town_map, graph, route, config, seed=0)
    world.spawn_vehicle(lane, 60.0, speed_mps=5.0)
    for _ in range(200):
        world.tick(carla.VehicleControl(throttle=0.6))
        hero = world.hero()
        assert hero.z_m == pytest.approx(0.05 * hero.x_m, abs=0.03)
        f = world.fleet
        np.testing.assert_allclose(f.z_m, 0.05 * f.x_m, atol=0.03)
    assert world.hero().z_m < 7.0  # it went down the slope


def test_network_z_at_interpolates_the_lane_height() -> None:
    town_map = carla.Map("slope", SLOPE_XODR)
    from leaderboard_adapter.roads.lane_graph import LaneGraph

    net = DrivingNetwork(LaneGraph(town_map))
    s = np.array([0.0, 10.25, 99.5, 150.0])
    seg = np.zeros(len(s), dtype=np.int64)
    x, _, _ = net.pose_at(seg, s)
    np.testing.assert_allclose(net.z_at(seg, s), 0.05 * x, atol=1e-3)
