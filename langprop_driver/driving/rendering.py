"""How the driving task shows values to the LLM: compact JSON, floats as stored, far actors left out.

Observations (the biggest values in an update prompt) are printed as one line of JSON with the
route points and actor lists cut as an :class:`ObservationRendering` says, followed by a note of
what was left out. Other values (actions, labels) print as compact JSON when JSON shows them
faithfully, else with ``repr`` (a tuple, a numpy number, a dict with non-str keys stay recognisable).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from langprop_driver.observation import OBSERVATION_KEYS


@dataclass(frozen=True)
class ObservationRendering:
    """What of an observation is printed.

    actor_range_m: vehicles and pedestrians whose ``distance_m`` is above this are left out [m];
        None keeps every actor (the observation lists them up to 50 m).
    max_actors: at most this many of each list (nearest first); None: no limit.
    max_route_points: at most this many route points (nearest first, 2 m apart); None: all 25.
        The default 15 reaches 30 m: enough to see the aim point and the curves to slow for.

    With the defaults an observation prints in about 1.5 to 3.5 k characters.
    """

    actor_range_m: float | None = 30.0
    max_actors: int | None = 6
    max_route_points: int | None = 15

    def __post_init__(self) -> None:
        if self.actor_range_m is not None and not (
            math.isfinite(self.actor_range_m) and self.actor_range_m >= 0
        ):
            raise ValueError(
                f"actor_range_m must be None or a finite number >= 0 [m], got {self.actor_range_m}"
            )
        for name in ("max_actors", "max_route_points"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, int) or value < 0):
                raise ValueError(f"{name} must be None or an int >= 0, got {value!r}")
        if self.max_route_points == 0:
            raise ValueError(
                "max_route_points must be >= 1: without route points the route cannot be followed"
            )


def is_observation(value: Any) -> bool:
    """Whether ``value`` looks like an observation dict (it has every top-level key)."""
    return isinstance(value, Mapping) and all(key in value for key in OBSERVATION_KEYS)


def _json_faithful(value: Any) -> bool:
    """Whether ``json.dumps`` shows ``value`` as Python would read it back (no tuples, no odd keys or types)."""
    if value is None or isinstance(value, str | bool | int):
        return True
    if isinstance(value, float):
        return type(value) is float
    if isinstance(value, list):
        return all(_json_faithful(item) for item in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _json_faithful(v) for k, v in value.items())
    return False


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


def _kept_actors(actors: list[dict], rendering: ObservationRendering) -> list[dict]:
    near = [
        a for a in actors if rendering.actor_range_m is None or a["distance_m"] <= rendering.actor_range_m
    ]
    return near if rendering.max_actors is None else near[: rendering.max_actors]


def render_observation(observation: Mapping[str, Any], rendering: ObservationRendering) -> str:
    """One line of JSON, then " [left out: ...]" when the rendering dropped points or actors."""
    shown = dict(observation)
    left_out = []
    points = observation["route"]["points"]
    if rendering.max_route_points is not None and len(points) > rendering.max_route_points:
        kept = points[: rendering.max_route_points]
        shown["route"] = {**observation["route"], "points": kept}
        left_out.append(f"route points beyond {kept[-1]['distance_m']:g} m")
    for key in ("vehicles", "pedestrians"):
        kept = _kept_actors(observation[key], rendering)
        if len(kept) < len(observation[key]):
            shown[key] = kept
            left_out.append(
                f"the {len(observation[key]) - len(kept)} farthest of {len(observation[key])} {key}"
            )
    text = _dumps(shown) if _json_faithful(shown) else repr(shown)
    return f"{text} [left out: {', '.join(left_out)}]" if left_out else text


def render_value(value: Any, rendering: ObservationRendering | None = None) -> str:
    """How the update prompt shows an input, output or expected value (see the module doc)."""
    if is_observation(value):
        return render_observation(value, rendering if rendering is not None else ObservationRendering())
    return _dumps(value) if _json_faithful(value) else repr(value)
