"""CARLA's own OpenDRIVE maps: `Town10HD_Opt.xodr` found for route files' `Town10HD`, and a map without
any `<signal>` (CARLA's 2019 Town03) said once in the log, a map with signals not.

Needs CARLA's maps: `$LANGPROP_CARLA_MAPS`, `$CARLA_ROOT`'s OpenDrive folder or `../shared/carla_towns`
(`carla_maps_dir`); skipped, saying so, where none is found.
"""

from __future__ import annotations

import logging
import shutil
import sys
from pathlib import Path

from leaderboard_adapter.roads.towns import find_town_file, load_town

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "embedded"))  # its CARLA map lookup
from carla_maps import carla_town_file  # noqa: E402


def test_town10hd_opt_is_found_for_town10hd(tmp_path):
    shutil.copy(carla_town_file("Town10HD"), tmp_path / "Town10HD_Opt.xodr")
    (tmp_path / "Town01.xodr").write_text("<OpenDRIVE/>")
    assert find_town_file("Town10HD", town_dir=tmp_path) == tmp_path / "Town10HD_Opt.xodr"
    assert find_town_file("town10hd", town_dir=tmp_path) == tmp_path / "Town10HD_Opt.xodr"
    town = load_town("Town10HD", town_dir=tmp_path)
    assert town.name == "Town10HD" and town.source.endswith("Town10HD_Opt.xodr")


def test_plain_file_wins_over_opt(tmp_path):
    for name in ("Town10HD.xodr", "Town10HD_Opt.xodr"):
        (tmp_path / name).write_text("<OpenDRIVE/>")
    assert find_town_file("Town10HD", town_dir=tmp_path) == tmp_path / "Town10HD.xodr"


def test_map_without_signals_is_said_once_in_the_log(tmp_path, caplog):
    # a copy of its own, so the town cache cannot hide the first load's warning
    path = tmp_path / "Town03.xodr"
    shutil.copy(carla_town_file("Town03"), path)
    with caplog.at_level(logging.WARNING, logger="leaderboard_adapter.roads.towns"):
        town = load_town("Town03", town_dir=tmp_path)
        load_town("Town03", town_dir=tmp_path)
    assert town.signal_count == 0
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "Town03" in warnings[0] and str(path) in warnings[0] and "no traffic lights" in warnings[0]
    assert town.signals_note == warnings[0]


def test_map_with_signals_is_not_flagged(tmp_path, caplog):
    path = tmp_path / "Town01.xodr"
    shutil.copy(carla_town_file("Town01"), path)
    with caplog.at_level(logging.WARNING, logger="leaderboard_adapter.roads.towns"):
        town = load_town("Town01", town_dir=tmp_path)
    assert town.signal_count and town.signal_count > 0
    assert town.signals_note == ""
    assert not [r for r in caplog.records if "signal" in r.getMessage()]
