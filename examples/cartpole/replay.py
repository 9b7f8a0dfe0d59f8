"""The parent's account of an episode: the actions a worker returned, replayed in the parent's own CartPole.

A worker's process holds the candidate's code, which can reach and patch the worker's environment; so the
only thing taken from it is the list of actions, and the return, the end and the observations come from
replaying those actions here, from the same seed (CartPole-v1 is deterministic given both).
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import ConfigDict, model_validator
from pydantic.dataclasses import dataclass as checked_dataclass

from langprop_driver.engine import CallResult, ErrorInfo

from .episodes import MAX_STEPS, as_observation, is_action, make_env

Observation = tuple[float, float, float, float]
"""[cart position m, cart velocity m/s, pole angle rad, pole angular velocity rad/s]"""

ENDS = {
    "time_limit": "the pole stayed up until the time limit",
    "pole_right": "the pole fell to the right",
    "pole_left": "the pole fell to the left",
    "cart_right": "the cart left the track on the right",
    "cart_left": "the cart left the track on the left",
    "cut_short": "the worker stopped the episode before it ended",
    "error": "act failed",
}
"""How an episode ended, and how the feedback says it."""
X_LIMIT_M = 2.4
"""The cart leaves the track beyond this distance from the centre [m]."""


@dataclass(frozen=True)
class Step:
    """One step: what ``act`` saw, and the action it chose."""

    observation: Observation
    action: int


@checked_dataclass(frozen=True, config=ConfigDict(extra="forbid"))
class Episode:
    """One episode of one candidate as the parent replayed it.

    steps: every step played (none when ``act`` failed: the worker's steps before are not known).
    end: a key of :data:`ENDS`.
    final: the observation after the last step (None when ``act`` failed).
    error: why ``act`` failed (end ``error``).
    """

    seed: int
    steps: tuple[Step, ...]
    end: str
    final: Observation | None = None
    error: ErrorInfo | None = None

    @model_validator(mode="after")
    def _an_end(self) -> Episode:
        if self.end not in ENDS:
            raise ValueError(f"end must be one of {sorted(ENDS)}, got {self.end!r}")
        if (self.end == "error") != (self.error is not None):
            raise ValueError("an episode has an error exactly when it ended in one")
        return self

    @property
    def episode_return(self) -> float:
        """The undiscounted return: 1 per step played, the step the pole fell included."""
        return float(len(self.steps))

    @property
    def failed(self) -> bool:
        """Anything but keeping the pole up until the time limit."""
        return self.end != "time_limit"

    def describe(self) -> str:
        """How it ended, in a sentence's words (``the pole fell to the right at step 37``)."""
        if self.error is not None:
            return f"{ENDS['error']}: {self.error.describe()}"
        return f"{ENDS[self.end]} at step {len(self.steps)}"


def _observation(values: object) -> Observation:
    x, x_dot, theta, theta_dot = as_observation(values)  # type: ignore[arg-type]
    return (x, x_dot, theta, theta_dot)


def _end(final: Observation, terminated: bool) -> str:
    """Why an episode stopped: the time limit, else the cart off the track, else the pole's side."""
    x, _, theta, _ = final
    if not terminated:
        return "time_limit"
    if abs(x) > X_LIMIT_M:
        return "cart_right" if x > 0 else "cart_left"
    return "pole_right" if theta > 0 else "pole_left"


def replay(seed: int, result: CallResult) -> Episode:
    """The episode of ``seed`` that the worker's ``result`` (its actions, or how ``act`` failed) describes."""
    if result.error is not None:
        return Episode(seed, (), "error", error=result.error)
    actions = result.output
    if not (isinstance(actions, list) and len(actions) <= MAX_STEPS and all(is_action(a) for a in actions)):
        error = ErrorInfo("ProtocolViolation", f"the worker's episode is not a list of at most {MAX_STEPS} actions")
        return Episode(seed, (), "error", error=error)
    env = make_env()
    observation, _ = env.reset(seed=seed)
    steps: list[Step] = []
    for action in actions:
        steps.append(Step(_observation(observation), action))
        observation, _, terminated, truncated, _ = env.step(action)
        if terminated or truncated:
            return Episode(seed, tuple(steps), _end(_observation(observation), terminated), _observation(observation))
    return Episode(seed, tuple(steps), "cut_short", _observation(observation))
