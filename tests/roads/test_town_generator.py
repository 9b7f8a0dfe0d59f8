"""Town generation is deterministic and matches the bundled files; layouts reject bad input."""

from __future__ import annotations

import pytest

from leaderboard_adapter.roads.osm_layout import OsmLayout, OsmWay
from leaderboard_adapter.roads.town_generator import TOWN_SPECS, TOWNS_DIR, build_town


@pytest.mark.parametrize("spec", TOWN_SPECS, ids=lambda s: s.name)
def test_generation_is_deterministic_and_bundled(spec):
    osm_text, xodr = build_town(spec)
    assert build_town(spec) == (osm_text, xodr)
    assert "<!--" not in xodr and "date=" not in xodr and "+lat_0=" in xodr
    assert (TOWNS_DIR / f"{spec.name}.xodr").read_text(encoding="utf-8") == xodr, "run the town generator"
    assert (TOWNS_DIR / "osm" / f"{spec.name}.osm").read_text(encoding="utf-8") == osm_text


def test_layout_errors():
    with pytest.raises(ValueError, match="at least 2 nodes"):
        OsmWay(1, (1,))
    with pytest.raises(ValueError, match="even lane count"):
        OsmWay(1, (1, 2), lanes=3)
    with pytest.raises(ValueError, match="highway="):
        OsmWay(1, (1, 2), highway="footway")
    with pytest.raises(ValueError, match="unknown nodes"):
        OsmLayout("X", {1: (0.0, 0.0)}, (OsmWay(1, (1, 2)),))
