"""Rounding of the observation's floats to FLOAT_DECIMALS (never -0.0)."""

from __future__ import annotations

import numpy as np

from .schema import FLOAT_DECIMALS


def round_array(values: np.ndarray) -> np.ndarray:
    """A real array rounded to FLOAT_DECIMALS; -0.0 becomes 0.0."""
    return np.round(values, FLOAT_DECIMALS) + 0.0


def round1(value: float) -> float:
    """One float rounded to FLOAT_DECIMALS as a Python float; -0.0 becomes 0.0."""
    return round(float(value), FLOAT_DECIMALS) + 0.0
