"""Convention: which leaderboard generation an agent file is written for (1.0 or 2.x), and what differs."""

from __future__ import annotations

import enum


class Convention(enum.StrEnum):
    """The agent-construction and sensor conventions of a leaderboard generation.

    - ``V1_0`` ("1.0"): ``__init__(path_to_conf_file)`` calls ``setup``; ``set_global_plan`` comes after,
      downsampling the plan every 50 m; the OpenDRIVE pseudo-sensor reads at the spec's ``reading_frequency``.
    - ``V2_X`` ("2.x", the current leaderboard 2.0/2.1/master): ``__init__(carla_host, carla_port, debug)``
      does not call ``setup``; ``set_global_plan`` (every 200 m) comes first, then ``setup``; the speedometer
      and OpenDRIVE pseudo-sensors read every tick whatever the spec says.
    """

    V1_0 = "1.0"
    V2_X = "2.x"

    @classmethod
    def parse(cls, value: Convention | str) -> Convention:
        """`value` as a Convention; raises ValueError naming the accepted spellings."""
        if isinstance(value, Convention):
            return value
        aliases = {
            **dict.fromkeys(("1", "1.0", "v1", "v1.0"), cls.V1_0),
            **dict.fromkeys(("2", "2.x", "2.0", "2.1", "v2", "master"), cls.V2_X),
        }
        try:
            return aliases[str(value).strip().lower()]
        except KeyError:
            raise ValueError(f"Unknown leaderboard convention {value!r}: use '1.0' or '2.x'") from None

    @property
    def plan_sample_distance_m(self) -> float:
        """The `sample_factor` `set_global_plan` hands to `downsample_route` [m]."""
        return 50.0 if self is Convention.V1_0 else 200.0
