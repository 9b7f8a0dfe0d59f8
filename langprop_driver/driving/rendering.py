"""How the driving task shows values to the LLM: compact JSON, floats as stored, far actors left out.

Observations (the biggest values in an update prompt) are printed as one line of JSON with the
route points and actor lists cut as an :class:`ObservationRendering` says, followed by a note of
what was left out. The actor that set the expert's speed (its reason "vehicle", "pedestrian",
"hazard" or "junction_yield") is always kept, however far: the label names only the reason, so
the expert (stateless, deterministic) is asked again which actor it was. The traffic light and
stop sign (the reasons "red_light", "yellow_light", "stop_sign") are never left out. Other values (actions, labels) print as compact JSON when JSON shows them
faithfully, else with ``repr`` (a tuple, a numpy number, a dict with non-str keys stay recognisable).
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, ConfigDict, model_validator
from pydantic.dataclasses import dataclass

from expert import Expert
from leaderboard_adapter.observation import OBSERVATION_KEYS
from leaderboard_adapter.settings import one_line_errors

logger = logging.getLogger(__name__)


def _range(range_m: float | None) -> float | None:
    if range_m is not None and not (math.isfinite(range_m) and range_m >= 0):
        raise ValueError(f"must be None or a finite number >= 0 [m], got {range_m}")
    return range_m


def _count(count: object) -> object:
    """Before pydantic's own check, so that a float or a bool gets this message."""
    if count is not None and (isinstance(count, bool) or not isinstance(count, int) or count < 0):
        raise ValueError(f"must be None or an int >= 0, got {count!r}")
    return count


def _some_points(count: int | None) -> int | None:
    if count == 0:
        raise ValueError("must be >= 1: without route points the route cannot be followed")
    return count


@dataclass(frozen=True, config=ConfigDict(extra="forbid"))
class ObservationRendering:
    """What of an observation is printed.

    actor_range_m: vehicles and pedestrians whose ``distance_m`` is above this are left out [m];
        None keeps every actor (the observation lists them up to 50 m).
    max_actors: at most this many of each list (nearest first); None: no limit.
    max_route_points: at most this many route points (nearest first, 2 m apart); None: all 25.
        The default 15 reaches 30 m: enough to see the aim point and the curves to slow for.
    keep_reason_actor: the vehicle or pedestrian that set the expert's speed on this observation is
        shown whatever ``actor_range_m`` and ``max_actors`` say.

    With the defaults an observation prints in about 1.5 to 3.5 k characters.
    """

    actor_range_m: Annotated[float | None, AfterValidator(_range)] = 30.0
    max_actors: Annotated[int | None, BeforeValidator(_count)] = 6
    max_route_points: Annotated[int | None, BeforeValidator(_count), AfterValidator(_some_points)] = 15
    keep_reason_actor: bool = True

    _one_line = model_validator(mode="wrap")(classmethod(one_line_errors))


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


_EXPERT = Expert()


def reason_actor_id(observation: Mapping[str, Any]) -> int | None:
    """The id of the vehicle or pedestrian that sets the expert's speed on ``observation`` (None when a light,
    a stop sign or cruising does, or when the expert cannot read the observation)."""
    try:
        return _EXPERT.act(dict(observation)).actor_id
    except Exception:  # noqa: BLE001 - a value the expert cannot read is still rendered, just without this
        logger.debug("the expert could not act on a rendered observation", exc_info=True)
        return None


def _kept_actors(actors: list[dict], rendering: ObservationRendering, keep_id: int | None) -> list[dict]:
    near = [
        a for a in actors if rendering.actor_range_m is None or a["distance_m"] <= rendering.actor_range_m
    ]
    kept = near if rendering.max_actors is None else near[: rendering.max_actors]
    if keep_id is None or any(a["id"] == keep_id for a in kept):
        return kept
    # the actor the expert reacts to, in its place in the nearest-first order
    return [a for a in actors if a in kept or a["id"] == keep_id]


def render_observation(observation: Mapping[str, Any], rendering: ObservationRendering) -> str:
    """One line of JSON, then " [left out: ...]" when the rendering dropped points or actors."""
    shown = dict(observation)
    left_out = []
    points = observation["route"]["points"]
    if rendering.max_route_points is not None and len(points) > rendering.max_route_points:
        kept = points[: rendering.max_route_points]
        shown["route"] = {**observation["route"], "points": kept}
        left_out.append(f"route points beyond {kept[-1]['distance_m']:g} m")
    keep_id = reason_actor_id(observation) if rendering.keep_reason_actor else None
    for key in ("vehicles", "pedestrians"):
        actors = observation[key]
        kept = _kept_actors(actors, rendering, keep_id)
        if len(kept) < len(actors):
            shown[key] = kept
            cut = _kept_actors(actors, rendering, None)
            note = f"the {len(actors) - len(cut)} farthest of {len(actors)} {key}"
            if len(kept) > len(cut):
                note += f" but id {keep_id}, which sets the expert's speed"
            left_out.append(note)
    text = _dumps(shown) if _json_faithful(shown) else repr(shown)
    return f"{text} [left out: {', '.join(left_out)}]" if left_out else text


def render_value(value: Any, rendering: ObservationRendering | None = None) -> str:
    """How the update prompt shows an input, output or expected value (see the module doc)."""
    if is_observation(value):
        return render_observation(value, rendering if rendering is not None else ObservationRendering())
    return _dumps(value) if _json_faithful(value) else repr(value)
