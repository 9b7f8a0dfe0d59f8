"""Strict JSON for buffer records: finite numbers and string keys only, one line per record.

JSON cannot hold NaN or infinity portably, and `json.dumps` silently turns integer keys
into strings and tuples into lists, so a value that would not come back as written is
refused with a `ValueError` naming its key path (`observation.vehicles[3].speed_mps`).
Tuples are accepted and come back as lists (both are JSON arrays).
"""

from __future__ import annotations

import json
import math
from typing import Any


def check_json_value(value: Any, path: str) -> None:
    """Raise `ValueError` naming the key path of the first value JSON cannot round-trip.

    `path` is where `value` sits ("" for a whole record, whose keys then start the paths).
    """
    if value is None or isinstance(value, str | bool | int):
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(
                f"{path} is {value}: JSON cannot hold NaN or infinity; record a finite number or None"
            )
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise ValueError(
                    f"{path} has a {type(key).__name__} key {key!r}: JSON object keys must be str"
                )
            check_json_value(item, f"{path}.{key}" if path else key)
        return
    if isinstance(value, list | tuple):
        for i, item in enumerate(value):
            check_json_value(item, f"{path}[{i}]")
        return
    raise ValueError(
        f"{path} is a {type(value).__name__} ({value!r}): only dict, list, str, int, float, bool and None "
        "are JSON values (convert numpy scalars with float() or int())"
    )


def encode_record(record: dict[str, Any]) -> bytes:
    """One record as a compact UTF-8 JSON line ending in a newline, checked by `check_json_value`."""
    check_json_value(record, "")
    return (json.dumps(record, separators=(",", ":"), allow_nan=False) + "\n").encode("utf-8")
