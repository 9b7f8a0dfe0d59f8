"""Builders of infraction events shared by the scoring tests (imported by the test modules)."""

from __future__ import annotations

from leaderboard_adapter.scoring.infractions import InfractionEvent, InfractionType


def event(
    kind: InfractionType, message: str = "", frame: int = 0, percentage: float | None = None
) -> InfractionEvent:
    """An event of `kind`; `percentage` goes to details for the percentage kinds."""
    details = {} if percentage is None else {"percentage": percentage}
    return InfractionEvent(
        type=kind,
        message=message or f"{kind.name} at {frame}",
        frame=frame,
        game_time_s=frame / 20,
        details=details,
    )


def outside_lanes(metres: float, percentage: float, frame: int = 0) -> InfractionEvent:
    """An outside-route-lanes event with the leaderboard's message form."""
    message = (
        f"Agent went outside its route lanes for about {round(metres, 3)} meters "
        f"({round(percentage, 2)}% of the completed route)"
    )
    return event(InfractionType.OUTSIDE_ROUTE_LANES_INFRACTION, message, frame, percentage)
