"""The embedded world: runs leaderboard routes without a CARLA server (ego, lights, stop signs, NPCs, walkers).

Everything moves kinematically at a fixed step (20 Hz, 0.05 s) on the roads of a
`carla.Map` read offline, deterministically for a given seed. `EmbeddedWorld` implements
the `WorldView` protocol; `WorldConfig` configures it.
"""

from leaderboard_adapter.embedded.config import WorldConfig
from leaderboard_adapter.embedded.world import EmbeddedWorld

__all__ = ["EmbeddedWorld", "WorldConfig"]
