"""Privileged access: the published embedded world, nesting, and the CARLA fallback's clear error."""

from __future__ import annotations

import pytest

from leaderboard_adapter.carla_world import SCENARIO_RUNNER_MISSING
from leaderboard_adapter.privileged import privileged_world_view, published_world_view, publishing


class FakeView:
    """Test double: stands for a WorldView (only identity matters here)."""


def test_published_view_is_returned_inside_the_block_only() -> None:
    view = FakeView()
    assert published_world_view() is None
    with publishing(view):  # type: ignore[arg-type]
        assert privileged_world_view([]) is view
    assert published_world_view() is None


def test_nested_publishing_restores_the_outer_view() -> None:
    outer, inner = FakeView(), FakeView()
    with publishing(outer):  # type: ignore[arg-type]
        with publishing(inner):  # type: ignore[arg-type]
            assert published_world_view() is inner
        assert published_world_view() is outer


def test_view_is_unpublished_when_the_block_raises() -> None:
    with pytest.raises(RuntimeError), publishing(FakeView()):  # type: ignore[arg-type]
        raise RuntimeError("route failed")
    assert published_world_view() is None


def test_without_a_published_world_and_scenario_runner_the_error_says_what_is_missing() -> None:
    pytest.importorskip("carla")
    try:
        import srunner  # noqa: F401
    except ImportError:
        pass
    else:
        pytest.skip("scenario_runner is importable here")
    with pytest.raises(ImportError, match="scenario_runner"):
        privileged_world_view([])
    assert "scenario_runner" in SCENARIO_RUNNER_MISSING
