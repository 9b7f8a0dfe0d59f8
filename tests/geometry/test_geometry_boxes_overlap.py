"""boxes_overlap (separating axes, vectorised) against shapely's polygon intersection, and its broadcasting."""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely

from leaderboard_adapter.geometry import boxes_overlap


def corners(x: float, y: float, yaw: float, length: float, width: float) -> np.ndarray:
    """(4, 2) corners of a box: centre, heading [rad], full length along the heading, full width."""
    c, s = math.cos(yaw), math.sin(yaw)
    hl, hw = 0.5 * length, 0.5 * width
    local = np.array([[hl, hw], [hl, -hw], [-hl, -hw], [-hl, hw]])
    return np.array([[x + u * c - v * s, y + u * s + v * c] for u, v in local])


def shapely_overlap(a: tuple, b: tuple) -> bool:
    return shapely.Polygon(corners(*a)).intersects(shapely.Polygon(corners(*b)))


def overlap(a: tuple, b: tuple) -> bool:
    return bool(boxes_overlap(*a, *b))


def test_agrees_with_shapely_on_random_box_pairs() -> None:
    """4000 seeded pairs, sizes from pedestrians to buses, any heading; half of them overlap or nearly so."""
    rng = np.random.default_rng(7)
    n = 4000
    a = (
        rng.uniform(-3, 3, n),
        rng.uniform(-3, 3, n),
        rng.uniform(-math.pi, math.pi, n),
        rng.uniform(0.3, 12.0, n),
        rng.uniform(0.3, 3.0, n),
    )
    b = (
        rng.uniform(-6, 6, n),
        rng.uniform(-6, 6, n),
        rng.uniform(-math.pi, math.pi, n),
        rng.uniform(0.3, 12.0, n),
        rng.uniform(0.3, 3.0, n),
    )
    got = boxes_overlap(*a, *b)
    assert got.shape == (n,)
    polys_a = shapely.polygons(np.stack([corners(*row) for row in zip(*a, strict=True)]))
    polys_b = shapely.polygons(np.stack([corners(*row) for row in zip(*b, strict=True)]))
    want = shapely.intersects(polys_a, polys_b)
    # pairs within a hair of touching are decided by rounding, in either implementation: left to the exact cases below
    clear = shapely.distance(polys_a, polys_b) > 1e-9
    clear |= shapely.area(shapely.intersection(polys_a, polys_b)) > 1e-9
    assert clear.sum() > n - 5
    assert 0.2 * n < want.sum() < 0.8 * n  # both answers well represented
    mismatch = np.flatnonzero((got != want) & clear)
    assert mismatch.size == 0, f"{mismatch.size} disagreements, first pair index {mismatch[:5]}"


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        # edge to edge along x: centres 4 m apart, half lengths 2 + 2: touching counts as overlap
        ((0.0, 0.0, 0.0, 4.0, 2.0), (4.0, 0.0, 0.0, 4.0, 2.0), True),
        ((0.0, 0.0, 0.0, 4.0, 2.0), (4.0 + 1e-6, 0.0, 0.0, 4.0, 2.0), False),
        # side by side, touching along y
        ((0.0, 0.0, 0.0, 4.0, 2.0), (1.0, 2.0, 0.0, 4.0, 2.0), True),
        ((0.0, 0.0, 0.0, 4.0, 2.0), (1.0, 2.0 + 1e-6, 0.0, 4.0, 2.0), False),
        # a small rotated box wholly inside a big one, and the big one inside-out
        ((0.0, 0.0, 0.3, 10.0, 6.0), (0.5, -0.5, 1.1, 1.0, 0.5), True),
        ((0.5, -0.5, 1.1, 1.0, 0.5), (0.0, 0.0, 0.3, 10.0, 6.0), True),
        # identical boxes
        ((1.0, 2.0, 0.7, 4.5, 1.9), (1.0, 2.0, 0.7, 4.5, 1.9), True),
        # a plus sign: long thin boxes crossing, no corner of either inside the other
        ((0.0, 0.0, 0.0, 10.0, 0.5), (0.0, 0.0, math.pi / 2, 10.0, 0.5), True),
        # separated only along the rotated box's own axis (A's axes both overlap): SAT needs B's axes too
        ((0.0, 0.0, 0.0, 2.0, 2.0), (2.3, 2.3, math.pi / 4, 2.0, 2.0), False),
        ((0.0, 0.0, 0.0, 2.0, 2.0), (1.6, 1.6, math.pi / 4, 2.0, 2.0), True),
        # a 45 deg diamond whose corner stops 1e-6 short of / reaches 1e-6 into the square's edge
        ((0.0, 0.0, 0.0, 2.0, 2.0), (1.0 + math.sqrt(2) + 1e-6, 0.0, math.pi / 4, 2.0, 2.0), False),
        ((0.0, 0.0, 0.0, 2.0, 2.0), (1.0 + math.sqrt(2) - 1e-6, 0.0, math.pi / 4, 2.0, 2.0), True),
        # heading and heading + pi describe the same box
        ((0.0, 0.0, 0.2, 6.0, 1.0), (3.115, 1.244, 0.2 + math.pi, 1.0, 1.0), True),
        ((0.0, 0.0, 0.2 + math.pi, 6.0, 1.0), (3.115, 1.244, 0.2, 1.0, 1.0), True),
    ],
)
def test_exact_cases(a: tuple, b: tuple, expected: bool) -> None:
    assert overlap(a, b) is expected
    assert overlap(b, a) is expected  # symmetric
    assert shapely_overlap(a, b) is expected  # the reference agrees (touching polygons intersect)


def test_mirrored_frame_gives_the_same_answers() -> None:
    """Either handedness: y -> -y with headings negated changes nothing."""
    rng = np.random.default_rng(3)
    n = 500
    ax, ay, ayaw = rng.uniform(-3, 3, n), rng.uniform(-3, 3, n), rng.uniform(-4, 4, n)
    bx, by, byaw = rng.uniform(-6, 6, n), rng.uniform(-6, 6, n), rng.uniform(-4, 4, n)
    dims = (4.9, 2.1, 0.5, 0.5)
    right = boxes_overlap(ax, ay, ayaw, dims[0], dims[1], bx, by, byaw, dims[2] + 4, dims[3] + 1)
    left = boxes_overlap(ax, -ay, -ayaw, dims[0], dims[1], bx, -by, -byaw, dims[2] + 4, dims[3] + 1)
    assert right.any() and not right.all()
    np.testing.assert_array_equal(right, left)


def test_broadcasts_like_a_pairwise_loop() -> None:
    """(N, 1) boxes against (1, M) boxes gives the (N, M) table of pairwise answers; scalars broadcast too."""
    rng = np.random.default_rng(11)
    n, m = 7, 9
    a = [
        rng.uniform(-4, 4, n),
        rng.uniform(-4, 4, n),
        rng.uniform(-3, 3, n),
        rng.uniform(1, 6, n),
        rng.uniform(0.5, 2, n),
    ]
    b = [
        rng.uniform(-4, 4, m),
        rng.uniform(-4, 4, m),
        rng.uniform(-3, 3, m),
        rng.uniform(1, 6, m),
        rng.uniform(0.5, 2, m),
    ]
    table = boxes_overlap(*(v[:, None] for v in a), *(v[None, :] for v in b))
    assert table.shape == (n, m)
    loop = np.array(
        [[overlap(tuple(v[i] for v in a), tuple(v[j] for v in b)) for j in range(m)] for i in range(n)]
    )
    np.testing.assert_array_equal(table, loop)
    assert table.any() and not table.all()
    # one ego box (scalars) against every actor of a (N, T) forecast, sizes per actor (N, 1)
    t = 5
    xs = rng.uniform(-6, 6, (n, t))
    ys = rng.uniform(-3, 3, (n, t))
    hs = rng.uniform(-3, 3, (n, t))
    lengths = rng.uniform(0.5, 5, (n, 1))
    widths = rng.uniform(0.5, 2, (n, 1))
    forecast = boxes_overlap(0.0, 0.0, 0.0, 4.9, 2.12, xs, ys, hs, lengths, widths)
    assert forecast.shape == (n, t)
    for i in range(n):
        for k in range(t):
            want = overlap(
                (0.0, 0.0, 0.0, 4.9, 2.12), (xs[i, k], ys[i, k], hs[i, k], lengths[i, 0], widths[i, 0])
            )
            assert forecast[i, k] == want
    # 0-d inputs give a 0-d answer
    assert boxes_overlap(0.0, 0.0, 0.0, 2.0, 2.0, 1.0, 1.0, 0.0, 2.0, 2.0).shape == ()
