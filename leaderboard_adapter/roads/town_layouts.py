"""The bundled towns' road layouts, authored as OSM nodes and ways in metres (x east, y north).

Each layout is a closed network (no dead ends): every road ends at a junction or bends
into another road. Lanes count both directions; speeds are km/h as OSM writes them.
"""

from __future__ import annotations

from leaderboard_adapter.roads.osm_layout import OsmLayout, OsmWay

GRID_BLOCK_M = 110.0
"""EmbeddedGrid block edge [m]."""


def grid_layout(blocks: int = 4, block_m: float = GRID_BLOCK_M) -> OsmLayout:
    """EmbeddedGrid: `blocks` x `blocks` city blocks of two-way, one-lane-per-direction streets."""
    n = blocks + 1
    nodes = {1 + row * n + col: (col * block_m, row * block_m) for row in range(n) for col in range(n)}
    ways = []
    for i in range(n):
        row_nodes = tuple(1 + i * n + col for col in range(n))
        col_nodes = tuple(1 + row * n + i for row in range(n))
        ways.append(
            OsmWay(100 + i, row_nodes, highway="tertiary", lanes=2, max_speed_kmh=50, name=f"Row {i}")
        )
        ways.append(
            OsmWay(200 + i, col_nodes, highway="tertiary", lanes=2, max_speed_kmh=50, name=f"Column {i}")
        )
    return OsmLayout("EmbeddedGrid", nodes, tuple(ways))


def arterial_layout() -> OsmLayout:
    """EmbeddedArterial: an 880 m, two-lanes-per-direction arterial with side streets meeting it at T-junctions.

    Side streets alternate north and south every 110 m and join residential loops 150 m
    either side, so the arterial's junctions are all T-junctions.
    """
    nodes: dict[int, tuple[float, float]] = {}
    step = 110.0
    arterial = tuple(range(1, 10))
    for k, node in enumerate(arterial):
        nodes[node] = (k * step, 0.0)
    north_x = (0, 2, 4, 6, 8)
    south_x = (0, 1, 3, 5, 7, 8)
    for k in north_x:
        nodes[20 + k] = (k * step, 150.0)
    for k in south_x:
        nodes[40 + k] = (k * step, -150.0)
    residential = {"highway": "residential", "lanes": 2, "max_speed_kmh": 40}
    ways = [
        OsmWay(100, arterial, highway="secondary", lanes=4, max_speed_kmh=60, name="Arterial"),
        OsmWay(101, tuple(20 + k for k in north_x), name="North Street", **residential),
        OsmWay(102, tuple(40 + k for k in south_x), name="South Street", **residential),
        OsmWay(103, (20, 1, 40), name="West Street", **residential),
        OsmWay(104, (28, 9, 48), name="East Street", **residential),
    ]
    for k in north_x[1:-1]:
        ways.append(OsmWay(110 + k, (1 + k, 20 + k), name=f"North Lane {k}", **residential))
    for k in south_x[1:-1]:
        ways.append(OsmWay(130 + k, (1 + k, 40 + k), name=f"South Lane {k}", **residential))
    return OsmLayout("EmbeddedArterial", nodes, tuple(ways))


def stops_layout() -> OsmLayout:
    """EmbeddedStops: an irregular grid of residential streets with 4-way and T junctions (stop-controlled)."""
    xs = (0.0, 120.0, 250.0, 360.0)
    ys = (0.0, 100.0, 210.0)
    nodes = {1 + r * len(xs) + c: (x, y) for r, y in enumerate(ys) for c, x in enumerate(xs)}
    street = {"highway": "residential", "lanes": 2, "max_speed_kmh": 40}
    ways = [
        OsmWay(100 + r, tuple(1 + r * len(xs) + c for c in range(len(xs))), name=f"Stop Row {r}", **street)
        for r in range(len(ys))
    ]
    for c in range(len(xs)):
        # column 2 stops at the middle row, making T-junctions at (250, 100)
        rows = range(2) if c == 2 else range(len(ys))
        ways.append(
            OsmWay(200 + c, tuple(1 + r * len(xs) + c for r in rows), name=f"Stop Column {c}", **street)
        )
    return OsmLayout("EmbeddedStops", nodes, tuple(ways))
