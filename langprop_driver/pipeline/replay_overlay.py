"""The overlay of `langprop-drive replay`: the policy's and the expert's actions of the step just driven.

The LangProp and DAgger agents publish their decisions into the embedded evaluator's episode every step
(`privileged.publish_decision`): "policy" is the guarded policy's `PolicyStep`, "expert" the expert's
`ExpertDecision`. The replay films each tick after the world stepped, so the decisions read here are the
ones that drove that tick.
"""

from __future__ import annotations

from expert import ExpertDecision
from langprop_driver.agent_runtime.guarded_policy import PolicyStep
from leaderboard_adapter.control import Action
from leaderboard_adapter.privileged import published_episode
from leaderboard_adapter.replay import ActionArrow, Overlay
from leaderboard_adapter.world_view import WorldView

_ERROR_CHARS = 60
"""A policy error longer than this is cut in the frame's text (the log has it whole)."""


def decision_overlay(view: WorldView) -> Overlay | None:
    """Arrows and text lines of the decisions published for the episode of `view`; None when none are."""
    episode = published_episode()
    if episode is None or episode.view is not view:
        return None
    policy, expert = episode.decisions.get("policy"), episode.decisions.get("expert")
    lines: list[str] = []
    policy_arrow = expert_arrow = None
    if isinstance(policy, PolicyStep):
        policy_arrow = _arrow(policy.action)
        lines.append(f"policy {_describe(policy.action)}")
        if policy.error is not None:
            error = (
                policy.error
                if len(policy.error) <= _ERROR_CHARS
                else policy.error[: _ERROR_CHARS - 3] + "..."
            )
            lines.append(f"policy failed (safe action): {error}")
    if isinstance(expert, ExpertDecision):
        expert_arrow = _arrow(expert.action)
        lines.append(f"expert {_describe(expert.action)} ({expert.reason})")
    if not lines:
        return None
    return Overlay(policy=policy_arrow, expert=expert_arrow, text_lines=tuple(lines))


def _arrow(action: Action) -> ActionArrow:
    return ActionArrow(max(0.0, action.target_speed_mps), action.steer_deg)


def _describe(action: Action) -> str:
    """e.g. "8.0 m/s steer +2.1 deg" (steer positive LEFT, as `Action`)."""
    return f"{action.target_speed_mps:.1f} m/s steer {action.steer_deg:+.1f} deg"
