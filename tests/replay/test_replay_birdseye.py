"""The bird's-eye renderer: actors where they are, north up, boxes along their yaw, lights in their state,
action arrows turning left for positive steer. The time a frame takes: benchmarks/bench_replay_render.py."""

from __future__ import annotations

import math

import numpy as np
import pytest
from replay_helpers import LIGHTS_RUN, STOPS_RUN, observation_helpers, quiet_world, smoke_runs

from leaderboard_adapter.replay import ActionArrow, BirdseyeRenderer, Overlay, Palette, PixelGrid
from leaderboard_adapter.world_view import ActorKind, ActorState, LightState

PALETTE = Palette()
MPP = 0.125
CENTRE = 320  # pixel row and column of the hero in a 640 px frame that follows it


@pytest.fixture(scope="module")
def renderer() -> BirdseyeRenderer:
    return BirdseyeRenderer(smoke_runs()[LIGHTS_RUN].town.lane_graph, size_px=640, metres_per_px=MPP)


def colour_at(image: np.ndarray, grid: PixelGrid, x_m: float, y_m: float) -> tuple[int, int, int]:
    col, row = grid.to_px(x_m, y_m)
    return tuple(int(v) for v in image[int(round(float(row))), int(round(float(col)))])


def scene(hero_yaw_deg: float = -90.0, others: list[ActorState] = ()):
    """A constructed view: the hero at (50, 50) m, off the roads, with `others` around it."""
    hero = ActorState(0, ActorKind.VEHICLE, 50.0, 50.0, 0.0, hero_yaw_deg, 0.0, 0.0, 4.9, 2.12)
    return observation_helpers.WorldViewTestDouble(hero, observation_helpers.straight_route(), list(others))


def test_a_vehicle_ahead_on_a_northbound_road_is_drawn_above_the_hero(renderer: BirdseyeRenderer) -> None:
    world = quiet_world(LIGHTS_RUN)
    run = smoke_runs()[LIGHTS_RUN]
    hero = world.hero()
    assert hero.yaw_deg == pytest.approx(-90.0)  # the route starts northwards (CARLA y decreases)
    ahead = run.points[25]
    segment, s_m = run.town.lane_graph.nearest_segment(ahead.x_m, ahead.y_m, ahead.yaw_deg)
    vehicle_id = world.spawn_vehicle(segment, s_m)
    actors = world.actors()
    row = int(np.flatnonzero(actors.ids == vehicle_id)[0])
    x_m, y_m = float(actors.x_m[row]), float(actors.y_m[row])
    assert y_m < hero.y_m - 20.0  # north of the hero

    image = renderer.render(world)
    grid = renderer.grid_for(world)
    assert image.shape == (640, 640, 3) and image.dtype == np.uint8
    assert colour_at(image, grid, x_m, y_m) == PALETTE.vehicle
    assert colour_at(image, grid, hero.x_m, hero.y_m) == PALETTE.ego
    (v_col, v_row), (h_col, h_row) = grid.to_px(x_m, y_m), grid.to_px(hero.x_m, hero.y_m)
    assert abs(h_col - CENTRE) <= 1 and abs(h_row - CENTRE) <= 1
    assert v_row < h_row - 150 and abs(v_col - h_col) < 3  # straight above: north is up


def test_east_is_right_and_south_is_down_without_a_flip(renderer: BirdseyeRenderer) -> None:
    east_car = observation_helpers.actor(1, 60.0, 50.0)
    south_walker = observation_helpers.actor(2, 50.0, 60.0, kind=ActorKind.WALKER, length_m=0.8, width_m=0.8)
    image = renderer.render(scene(others=[east_car, south_walker]))
    step = round(10.0 / MPP)
    assert tuple(image[CENTRE, CENTRE + step]) == PALETTE.vehicle
    assert tuple(image[CENTRE + step, CENTRE]) == PALETTE.walker
    assert tuple(image[CENTRE, CENTRE - step]) == PALETTE.background  # west of the hero: nothing


def test_a_box_lies_along_its_yaw_with_its_front_edge_black(renderer: BirdseyeRenderer) -> None:
    # CARLA yaw 90 heads south: the box is tall on the picture and its front is at the bottom
    southbound = observation_helpers.actor(1, 50.0, 60.0, yaw_deg=90.0, length_m=4.5, width_m=2.0)
    view = scene(others=[southbound])
    image, grid = renderer.render(view), renderer.grid_for(view)
    assert colour_at(image, grid, 50.0, 60.0 + 1.8) == PALETTE.vehicle  # along its length
    assert colour_at(image, grid, 50.0 + 1.8, 60.0) == PALETTE.background  # beyond its half width
    assert colour_at(image, grid, 50.0, 60.0 + 2.2) == PALETTE.heading  # front edge, south end
    assert colour_at(image, grid, 50.0, 60.0 - 2.1) == PALETTE.vehicle  # rear end: no black edge


@pytest.mark.parametrize("state", [LightState.RED, LightState.YELLOW, LightState.GREEN])
def test_a_traffic_light_stop_line_takes_its_state_colour(state: LightState) -> None:
    run = smoke_runs()[LIGHTS_RUN]
    overview = BirdseyeRenderer(run.town.lane_graph, size_px=640, metres_per_px=0.5, follow_ego=False)
    world = quiet_world(LIGHTS_RUN)
    grid = overview.grid_for(world)
    light = next(
        info for info in world.traffic_lights() if _inside(grid, info.stop_line[0].x_m, info.stop_line[0].y_m)
    )
    world.freeze_light(light.id, state)
    image = overview.render(world)
    for pose in light.stop_line:
        assert colour_at(image, grid, pose.x_m, pose.y_m) == PALETTE.light(state)


def test_a_stop_sign_has_a_white_stop_line_and_a_red_octagon() -> None:
    run = smoke_runs()[STOPS_RUN]
    overview = BirdseyeRenderer(run.town.lane_graph, size_px=640, metres_per_px=0.5, follow_ego=False)
    world = quiet_world(STOPS_RUN)
    grid = overview.grid_for(world)
    sign = next(info for info in world.stop_signs() if _inside(grid, info.location.x_m, info.location.y_m))
    image = overview.render(world)
    assert colour_at(image, grid, sign.stop_line[0].x_m, sign.stop_line[0].y_m) == PALETTE.stop_sign
    assert colour_at(image, grid, sign.location.x_m, sign.location.y_m) == PALETTE.stop_sign_face


def _inside(grid: PixelGrid, x_m: float, y_m: float, margin_px: int = 10) -> bool:
    col, row = grid.to_px(x_m, y_m)
    return margin_px <= col < grid.size_px[0] - margin_px and margin_px <= row < grid.size_px[1] - margin_px


def _arrow_tip(image: np.ndarray, colour: tuple[int, int, int], start: np.ndarray) -> np.ndarray:
    """The pixel of `colour` farthest from `start`, within 150 px of it (the legend is farther)."""
    rows, cols = np.nonzero(np.all(image == colour, axis=2))
    points = np.stack([cols, rows], axis=1).astype(float)
    points = points[np.hypot(*(points - start).T) < 150]
    assert len(points), f"no pixel of colour {colour} near the hero"
    return points[np.argmax(np.hypot(*(points - start).T))]


@pytest.mark.parametrize(
    ("hero_yaw_deg", "steer_deg", "expected"),
    [
        (-90.0, 40.0, (-1, -1)),  # heading north, steering left: up and to the west
        (-90.0, -40.0, (1, -1)),  # heading north, steering right: up and to the east
        (0.0, 90.0, (0, -1)),  # heading east, hard left: north, up
        (0.0, -90.0, (0, 1)),  # heading east, hard right: south, down
        (180.0, 90.0, (0, 1)),  # heading west, hard left: south, down
    ],
)
def test_action_arrows_turn_left_for_positive_steer(
    renderer: BirdseyeRenderer, hero_yaw_deg: float, steer_deg: float, expected: tuple[int, int]
) -> None:
    view = scene(hero_yaw_deg)
    image = renderer.render(view, Overlay(policy=ActionArrow(8.0, steer_deg)))
    yaw = math.radians(hero_yaw_deg)
    start = np.array(
        [CENTRE + 2.45 / MPP * math.cos(yaw), CENTRE + 2.45 / MPP * math.sin(yaw)]
    )  # front bumper
    direction = _arrow_tip(image, PALETTE.policy, start) - start
    for axis in (0, 1):
        if expected[axis] == 0:
            assert abs(direction[axis]) < 6
        else:
            assert np.sign(direction[axis]) == expected[axis] and abs(direction[axis]) > 20


@pytest.mark.parametrize("speed_mps", [4.0, 8.0])
def test_an_arrow_is_as_long_as_one_second_at_its_target_speed(
    renderer: BirdseyeRenderer, speed_mps: float
) -> None:
    view = scene(-90.0)
    image = renderer.render(view, Overlay(expert=ActionArrow(speed_mps, 0.0)))
    start = np.array([CENTRE, CENTRE - 2.45 / MPP])
    length_px = np.hypot(*(_arrow_tip(image, PALETTE.expert, start) - start))
    assert length_px == pytest.approx(speed_mps / MPP, abs=4.0)


def test_a_stop_action_is_a_dot_and_both_arrows_show_with_a_legend(renderer: BirdseyeRenderer) -> None:
    view = scene(-90.0)
    image = renderer.render(view, Overlay(policy=ActionArrow(0.0, 0.0), expert=ActionArrow(6.0, 10.0)))
    start = np.array([CENTRE, CENTRE - 2.45 / MPP])
    assert np.hypot(*(_arrow_tip(image, PALETTE.policy, start) - start)) <= 5  # a dot at the bumper
    assert np.hypot(*(_arrow_tip(image, PALETTE.expert, start) - start)) > 40
    legend = image[560:, :200]
    for colour in (PALETTE.policy, PALETTE.expert):
        assert np.all(legend == colour, axis=2).any()
    plain = renderer.render(view)
    assert not np.all(plain[560:, :200] == PALETTE.policy, axis=2).any()


def test_text_lines_and_the_marker_are_drawn(renderer: BirdseyeRenderer) -> None:
    view = scene(-90.0)
    grid = renderer.grid_for(view)
    marked = renderer.render(view, Overlay(text_lines=("t 1.00 s", "red_light #0"), marker_xy_m=(50.0, 40.0)))
    plain = renderer.render(view)
    assert colour_at(marked, grid, 50.0 + 3.0, 40.0) == PALETTE.marker  # on the 3 m ring
    assert colour_at(plain, grid, 50.0 + 3.0, 40.0) == PALETTE.background
    top_left = (slice(0, 45), slice(0, 150))
    assert np.all(marked[top_left] == PALETTE.text, axis=2).sum() > 30
    assert not np.all(plain[top_left] == PALETTE.text, axis=2).any()


def test_roads_come_from_the_lane_graph_or_the_map_alike(renderer: BirdseyeRenderer) -> None:
    world = quiet_world(LIGHTS_RUN)
    hero = world.hero()
    image, grid = renderer.render(world), renderer.grid_for(world)
    assert colour_at(image, grid, hero.x_m - 3.35, hero.y_m) == PALETTE.road  # the oncoming lane's centre
    assert colour_at(image, grid, hero.x_m + 15.0, hero.y_m) == PALETTE.background  # off the road
    from_map = BirdseyeRenderer(smoke_runs()[LIGHTS_RUN].town.map, size_px=640, metres_per_px=MPP)
    assert np.array_equal(from_map.render(world), image)


def test_bad_settings_are_named() -> None:
    graph = smoke_runs()[LIGHTS_RUN].town.lane_graph
    with pytest.raises(ValueError, match="size_px must be an int >= 32"):
        BirdseyeRenderer(graph, size_px=16)
    with pytest.raises(ValueError, match="metres_per_px must be a positive number"):
        BirdseyeRenderer(graph, metres_per_px=0.0)
    with pytest.raises(TypeError, match="roads must be a LaneGraph or a carla.Map, got str"):
        BirdseyeRenderer("EmbeddedGrid")
    with pytest.raises(ValueError, match="target_speed_mps must be finite and >= 0"):
        ActionArrow(-1.0, 0.0)
    with pytest.raises(ValueError, match="steer_deg must be finite"):
        ActionArrow(1.0, math.nan)
    with pytest.raises(TypeError, match="text_lines must be a sequence of lines"):
        Overlay(text_lines="red_light")
    empty_route = observation_helpers.WorldViewTestDouble(scene().hero_state, [])
    with pytest.raises(ValueError, match="the view's route is empty"):
        BirdseyeRenderer(graph, follow_ego=False).render(empty_route)
