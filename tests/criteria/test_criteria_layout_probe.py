"""LayoutProbe on a bundled town: where the paved area ends, and just past a junction connector's end."""

from __future__ import annotations

import pytest

from leaderboard_adapter.criteria.layout import LayoutProbe
from leaderboard_adapter.roads.towns import load_town


@pytest.fixture(scope="module")
def stops_probe() -> LayoutProbe:
    return LayoutProbe(load_town("EmbeddedStops").map)


def test_point_past_a_connector_end_inside_the_joined_lane_is_paved(stops_probe: LayoutProbe) -> None:
    # EmbeddedStops, the exit of a left turn onto road 91 (lane centre x = 361.67, 3.35 m wide):
    # the nearest lane of the map is the junction connector that ends about 0.5 m before this point,
    # but the point lies 1.47 m from the centre of the lane the connector joins.
    assert stops_probe.is_paved(363.14, -108.14)


@pytest.mark.parametrize("x_m", [368.0, 372.0])
def test_point_beyond_the_sidewalk_is_not_paved(stops_probe: LayoutProbe, x_m: float) -> None:
    # the sidewalk beside road 91 ends at x = 366.15
    assert not stops_probe.is_paved(x_m, -108.14)
