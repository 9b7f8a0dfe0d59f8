"""The leaderboard's simulation step: CARLA runs synchronously at 20 Hz, one tick every 0.05 s of game time.

The embedded world steps by it, the controllers and agents assume it when no measured step is at hand.
"""

from __future__ import annotations

TICK_HZ = 20
"""Simulation ticks per second of game time [Hz]."""

TICK_S = 0.05
"""Game time between two ticks [s] (1 / TICK_HZ)."""
