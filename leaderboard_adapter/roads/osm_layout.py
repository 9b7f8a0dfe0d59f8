"""OsmLayout: a road layout authored in metres and written as OpenStreetMap XML for `carla.Osm2Odr`.

Node positions are given in a local planar frame (x east, y north, metres) and written as
latitude/longitude near (0, 0) with a spherical equator scale, which is the projection
Osm2Odr inverts (`+proj=tmerc` centred on 0, 0). Osm2Odr then shifts the network so the
south-west corner of its bounding box is the origin: OpenDRIVE x = x - min(x) and
OpenDRIVE y = y - min(y); CARLA's world y is the negative of the OpenDRIVE y.
"""

from __future__ import annotations

from dataclasses import field
from xml.sax.saxutils import quoteattr

from pydantic import model_validator
from pydantic.dataclasses import dataclass

from leaderboard_adapter.settings import SETTINGS

METRES_PER_DEGREE = 111319.49079327357
"""Length of one degree along the equator of Osm2Odr's projection [m]."""

_ROAD_KINDS = ("motorway", "trunk", "primary", "secondary", "tertiary", "unclassified", "residential")


@dataclass(frozen=True, config=SETTINGS)
class OsmWay:
    """One OSM way: an ordered list of node ids and the road tags Osm2Odr reads.

    `lanes` counts all lanes of the way (both directions of a two-way road: 2 means one per
    direction). `max_speed_kmh` becomes the lanes' OpenDRIVE `<speed max>` (written in m/s).
    """

    way_id: int
    node_ids: tuple[int, ...]
    highway: str = "residential"
    lanes: int = 2
    max_speed_kmh: float = 50.0
    oneway: bool = False
    name: str = ""

    @model_validator(mode="after")
    def _drivable(self) -> OsmWay:
        if len(self.node_ids) < 2:
            raise ValueError(f"way {self.way_id} needs at least 2 nodes, got {len(self.node_ids)}")
        if self.highway not in _ROAD_KINDS:
            raise ValueError(f"way {self.way_id}: highway={self.highway!r} is not one of {_ROAD_KINDS}")
        if self.lanes < 1 or (not self.oneway and self.lanes % 2):
            raise ValueError(
                f"way {self.way_id}: a two-way road needs an even lane count >= 2, got {self.lanes}"
            )
        if self.max_speed_kmh <= 0:
            raise ValueError(f"way {self.way_id}: max_speed_kmh must be positive, got {self.max_speed_kmh}")
        return self

    def tags(self) -> dict[str, str]:
        tags = {"highway": self.highway, "lanes": str(self.lanes), "maxspeed": f"{self.max_speed_kmh:g}"}
        if self.oneway:
            tags["oneway"] = "yes"
        if self.name:
            tags["name"] = self.name
        return tags


@dataclass(frozen=True, config=SETTINGS)
class OsmLayout:
    """Nodes (id -> (x_m, y_m), local frame: x east, y north) and the ways joining them."""

    name: str
    nodes: dict[int, tuple[float, float]] = field(default_factory=dict)
    ways: tuple[OsmWay, ...] = ()

    @model_validator(mode="after")
    def _joined(self) -> OsmLayout:
        if not self.ways:
            raise ValueError(f"layout {self.name!r} has no ways")
        for way in self.ways:
            missing = [n for n in way.node_ids if n not in self.nodes]
            if missing:
                raise ValueError(f"layout {self.name!r}: way {way.way_id} references unknown nodes {missing}")
        ids = [w.way_id for w in self.ways]
        if len(set(ids)) != len(ids):
            raise ValueError(f"layout {self.name!r}: duplicate way ids")
        return self

    def to_osm_xml(self) -> str:
        """The layout as OSM 0.6 XML text (deterministic: nodes and ways in id order)."""
        lines = [
            '<?xml version="1.0" encoding="UTF-8"?>',
            '<osm version="0.6" generator="leaderboard_adapter">',
        ]
        for node_id in sorted(self.nodes):
            x_m, y_m = self.nodes[node_id]
            lat = y_m / METRES_PER_DEGREE
            lon = x_m / METRES_PER_DEGREE
            lines.append(
                f'  <node id="{node_id}" visible="true" version="1" lat="{lat:.10f}" lon="{lon:.10f}"/>'
            )
        for way in sorted(self.ways, key=lambda w: w.way_id):
            lines.append(f'  <way id="{way.way_id}" visible="true" version="1">')
            lines.extend(f'    <nd ref="{ref}"/>' for ref in way.node_ids)
            lines.extend(f"    <tag k={quoteattr(k)} v={quoteattr(v)}/>" for k, v in way.tags().items())
            lines.append("  </way>")
        lines.append("</osm>")
        return "\n".join(lines) + "\n"
