"""Route criteria: outside lanes, deviation, completion, blocked, timeouts, minimum speed, and the API."""

from __future__ import annotations

import pytest
from scripted_world_view import ScriptedWorldView, drive, hero_state, run, straight_route

from leaderboard_adapter.criteria import CriteriaConfig, LeaderboardVersion, RouteCriteria, RouteStatus
from leaderboard_adapter.scoring.infractions import InfractionType
from leaderboard_adapter.world_view import ActorArrays, ActorKind, ActorState

LANE_Y = 1.675
LANE_WIDTH = 3.35


@pytest.fixture(scope="module")
def route(town_map):
    """80 m east along road 184 (x = 10 to 90), inside one block: no junction."""
    return straight_route(town_map, (10.0, LANE_Y), 80.0)


def all_events(results, final=()):
    return [e for r in results for e in r.events] + list(final)


def in_opposite_lane(start: float, end: float, ramp: float = 1.0):
    """Lateral offset (negative: left, into the opposite lane) between arc lengths start and end."""

    def lateral(s: float) -> float:
        if s < start - ramp or s > end + ramp:
            return 0.0
        if s < start:
            return -LANE_WIDTH * (s - start + ramp) / ramp
        if s > end:
            return -LANE_WIDTH * (end + ramp - s) / ramp
        return -LANE_WIDTH

    return lateral


@pytest.mark.parametrize("version", ["1.0", "2.x"])
def test_clean_drive_completes_with_no_event(town_map, route, version):
    view = ScriptedWorldView(town_map, route, drive(route, [8.0] * 300))
    criteria = RouteCriteria(route, town_map, version)
    results, final = run(criteria, view)
    assert all_events(results, final) == []
    assert results[-1].status is RouteStatus.COMPLETED
    assert results[-1].route_completion_percent == 100.0
    reached = next(i for i, r in enumerate(results) if r.route_completion_percent == 100.0)
    assert len(results) == reached + 2  # the leaderboard ends the route on the tick after arrival
    assert results[-2].status is RouteStatus.RUNNING


@pytest.mark.parametrize("version", ["1.0", "2.x"])
def test_20_percent_in_the_opposite_lane_gives_about_20_percent(town_map, route, version):
    hero = drive(route, [8.0] * 300, lateral_m=in_opposite_lane(30.0, 46.0))
    view = ScriptedWorldView(town_map, route, hero)
    results, final = run(RouteCriteria(route, town_map, version), view)
    outside = [e for e in final if e.type is InfractionType.OUTSIDE_ROUTE_LANES_INFRACTION]
    assert len(outside) == 1
    event = outside[0]
    assert event.details["percentage"] == pytest.approx(20.0, abs=2.0)
    assert event.message == (
        f"Agent went outside its route lanes for about {round(event.details['distance'], 3)} meters "
        f"({round(event.details['percentage'], 2)}% of the completed route)"
    )
    assert results[-1].status is RouteStatus.COMPLETED
    assert [
        e for e in all_events(results) if e.type is not InfractionType.OUTSIDE_ROUTE_LANES_INFRACTION
    ] == []


def test_on_the_sidewalk_is_outside_only_past_half_lane_plus_0_5_m_in_2x(town_map, route):
    # 2.x: outside when more than 3.35 / 2 + 0.5 = 2.175 m from the lane centre.
    inside = drive(route, [8.0] * 300, lateral_m=lambda s: 2.1 if 20 <= s <= 60 else 0.0)
    outside = drive(route, [8.0] * 300, lateral_m=lambda s: 2.6 if 20 <= s <= 60 else 0.0)
    _, final_in = run(RouteCriteria(route, town_map, "2.x"), ScriptedWorldView(town_map, route, inside))
    _, final_out = run(RouteCriteria(route, town_map, "2.x"), ScriptedWorldView(town_map, route, outside))
    assert final_in == []
    (event,) = final_out
    assert event.details["percentage"] == pytest.approx(50.0, abs=3.0)
    # 1.0 allows 1.3 m beyond the half lane: 2.6 m off is still inside.
    _, final_v1 = run(RouteCriteria(route, town_map, "1.0"), ScriptedWorldView(town_map, route, outside))
    assert final_v1 == []


def test_31_m_off_route_ends_the_route_as_deviated(town_map, route):
    hero = drive(route, [8.0] * 40)
    x, y = hero[-1].x_m, hero[-1].y_m
    hero += [hero_state(x, y - 31.0, 0.0, 8.0)] * 5
    view = ScriptedWorldView(town_map, route, hero)
    results, _ = run(RouteCriteria(route, town_map, "2.x"), view)
    last = results[-1]
    assert last.status is RouteStatus.DEVIATED
    assert last.status.failure_message == "Agent deviated from the route"
    assert len(results) == 41
    (event,) = [e for e in last.events if e.type is InfractionType.ROUTE_DEVIATION]
    assert (
        event.message == f"Agent deviated from the route at (x={round(x, 3)}, y={round(y - 31.0, 3)}, z=0.0)"
    )


def test_14_m_off_route_is_not_a_deviation(town_map, route):
    hero = drive(route, [8.0] * 300, lateral_m=lambda s: -14.0 if 20 <= s <= 30 else 0.0)
    results, _ = run(RouteCriteria(route, town_map, "2.x"), ScriptedWorldView(town_map, route, hero))
    assert results[-1].status is RouteStatus.COMPLETED


def test_180_s_stopped_ends_the_route_as_blocked(town_map, route):
    hero = drive(route, [0.0] * 3700, s0_m=5.0)
    view = ScriptedWorldView(town_map, route, hero)
    results, _ = run(RouteCriteria(route, town_map, "2.x"), view)
    last = results[-1]
    assert last.status is RouteStatus.BLOCKED
    assert len(results) - 1 == 3601  # first tick with more than 180 s below 0.1 m/s
    (event,) = last.events
    assert event.type is InfractionType.VEHICLE_BLOCKED
    assert event.message.startswith("Agent got blocked at (x=")


def test_1_0_timeout_is_0_8_s_per_m_plus_5_s(town_map, route):
    criteria = RouteCriteria(route, town_map, "1.0")
    assert criteria.route_timeout_s == int(0.8 * criteria.route_length_m + 5.0)
    hero = drive(route, [0.0] * 3000, s0_m=5.0)
    results, _ = run(criteria, ScriptedWorldView(town_map, route, hero))
    last = results[-1]
    assert last.status is RouteStatus.ROUTE_TIMEOUT
    assert view_time(last) > criteria.route_timeout_s >= view_time(last) - 0.05 - 1e-9
    assert [e.message for e in last.events] == ["Route timeout."]


def view_time(result) -> float:
    return result.events[0].game_time_s


def test_2x_timeout_grows_with_progress_at_10_percent_of_the_speed_limit(town_map, route):
    # Crawl at 0.2 m/s with a 10 m/s limit: limit(t) ~ 300 + 0.2 t / 1.0, so it times out near t = 375 s.
    hero = drive(route, [0.2] * 8000)
    criteria = RouteCriteria(route, town_map, "2.x")
    results, _ = run(criteria, ScriptedWorldView(town_map, route, hero, speed_limit=10.0))
    last = results[-1]
    assert last.status is RouteStatus.ROUTE_TIMEOUT
    assert 365.0 < view_time(last) < 385.0


def traffic(speed: float) -> ActorArrays:
    """Three vehicles far from the route (no contact) moving at `speed`, plus a standing walker."""
    cars = [
        ActorState(100 + i, ActorKind.VEHICLE, 50.0 + 10 * i, -150.0, 0.0, 0.0, speed, 0.0, 4.5, 1.9)
        for i in range(3)
    ]
    walker = ActorState(200, ActorKind.WALKER, 50.0, -160.0, 0.0, 0.0, 0.0, 0.0, 0.5, 0.5)
    return ActorArrays.from_states([*cars, walker])


def test_min_speed_half_of_traffic_gives_50_percent_per_checkpoint(town_map, route):
    view = ScriptedWorldView(town_map, route, drive(route, [4.0] * 600), traffic(8.0))
    results, final = run(RouteCriteria(route, town_map, "2.x"), view)
    events = [e for e in all_events(results, final) if e.type is InfractionType.MIN_SPEED_INFRACTION]
    assert [e.details["percentage"] for e in events] == [50.0, 50.0, 50.0, 50.0]
    assert events[0].message == "Average speed is 50.0% of the surrounding traffic's one"
    assert final[-1].type is InfractionType.MIN_SPEED_INFRACTION  # the last checkpoint closes at the end


def test_min_speed_as_fast_as_traffic_is_no_event_and_absent_in_1_0(town_map, route):
    view = ScriptedWorldView(town_map, route, drive(route, [8.0] * 300), traffic(8.0))
    results, final = run(RouteCriteria(route, town_map, "2.x"), view)
    assert all_events(results, final) == []
    slow = ScriptedWorldView(town_map, route, drive(route, [4.0] * 600), traffic(8.0))
    results, final = run(RouteCriteria(route, town_map, "1.0"), slow)
    assert all_events(results, final) == []


def test_finish_is_idempotent_and_update_after_the_end_is_quiet(town_map, route):
    hero = drive(route, [8.0] * 300, lateral_m=in_opposite_lane(30.0, 46.0))
    view = ScriptedWorldView(town_map, route, hero)
    criteria = RouteCriteria(route, town_map, "2.x")
    results, final = run(criteria, view)
    assert len(final) == 1
    assert criteria.finish(view) == []
    after = criteria.update(view)
    assert after.events == () and after.status is RouteStatus.COMPLETED
    assert criteria.events == all_events(results, final)


def test_construction_errors_say_what_to_do(town_map, route):
    with pytest.raises(ValueError, match="1.0' or '2.x"):
        RouteCriteria(route, town_map, "3.0")
    with pytest.raises(ValueError, match="at least 2 points"):
        RouteCriteria(route[:1], town_map, "2.x")
    with pytest.raises(ValueError, match="map_refresh_m"):
        CriteriaConfig(map_refresh_m=-1.0)
    assert LeaderboardVersion.parse("2.1") is LeaderboardVersion.V2_X


def test_from_view_reads_route_and_map(town_map, route):
    view = ScriptedWorldView(town_map, route, drive(route, [8.0] * 10))
    criteria = RouteCriteria.from_view(view, "2.x")
    assert criteria.route_length_m == pytest.approx(80.0, abs=1.0)
    assert criteria.update(view).status is RouteStatus.RUNNING
