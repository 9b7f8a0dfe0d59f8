"""Closed-loop feedback for an update prompt: a candidate's own drives, per route and per infraction.

For each infraction of the candidate's training drives (kind, route, time) it shows the observation
about 1 s before it (the nearest recorded frame at or before then), the candidate's action there and
the expert's action on that same observation (the expert labels every frame in shadow); for each
minimum-speed quarter it failed, its mean speed against the traffic's and the mean target speeds of
the candidate and of the expert over that quarter. Infractions are grouped by kind and shown round
robin over the kinds, so one kind cannot use the whole character budget.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from data_collection import Shard
from leaderboard_adapter.executor import RouteJobResult

LEAD_S = 1.0
"""How long before an infraction the shown observation was recorded [s]."""
MIN_SPEED = "min_speed_infractions"


@dataclass(frozen=True)
class Drive:
    """One training run of the candidate: its result and the shard it recorded (None if it recorded none)."""

    result: RouteJobResult
    shard: Shard | None


def _route_line(drive: Drive) -> str:
    record = drive.result.record
    scores, meta = record["scores"], record["meta"]
    kinds = Counter({k: len(v) for k, v in record["infractions"].items() if v})
    counted = ", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items())) or "no infraction"
    failures = f"; policy failed {meta['policy_failures']} of {meta['policy_calls']} calls" if meta.get(
        "policy_failures") else ""  # fmt: skip
    return (f"- {drive.result.job.name} ({drive.result.town}, {meta['route_length']:.0f} m): DS "
            f"{scores['score_composed']:.1f}, RC {scores['score_route']:.1f}, IP {scores['score_penalty']:.3f}, "
            f"{record['status']}; {counted}{failures}")  # fmt: skip


def _frame_before(shard: Shard | None, time_s: float) -> dict[str, Any] | None:
    """The last recorded frame at or before `time_s`, else the first one; None without frames."""
    if shard is None or not shard.frames:
        return None
    before = [f for f in shard.frames if f["game_time_s"] <= time_s]
    return before[-1] if before else shard.frames[0]


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def _min_speed_case(drive: Drive, event: Mapping[str, Any]) -> str:
    details = event["details"]
    start, end = details.get("since_s", 0.0), event["game_time_s"]
    frames = [f for f in drive.shard.frames if start <= f["game_time_s"] <= end] if drive.shard else []
    text = (f"{drive.result.job.name}, quarter {int(details.get('quarter', 0))} ({start:.1f} to {end:.1f} s): "
            f"{event['message']}: your mean speed {details.get('ego_mean_speed_mps', 0.0):.2f} m/s against the "
            f"traffic's {details.get('traffic_mean_speed_mps', 0.0):.2f} m/s")  # fmt: skip
    if frames:
        mine = _mean([f["policy_action"]["target_speed_mps"] for f in frames])
        expert = _mean([f["expert_action"]["target_speed_mps"] for f in frames])
        reasons = Counter(f["expert_reason"] for f in frames).most_common(2)
        said = ", ".join(f"{reason} {n}x" for reason, n in reasons)
        text += (f"; over its {len(frames)} recorded frames your mean target speed was {mine:.2f} m/s, the "
                 f"expert's {expert:.2f} m/s (its reasons: {said})")  # fmt: skip
    return text


def _infraction_case(drive: Drive, event: Mapping[str, Any], render: Callable[[Any], str]) -> str:
    head = f"{drive.result.job.name} at {event['game_time_s']:.1f} s: {event['message']}"
    frame = _frame_before(drive.shard, event["game_time_s"] - LEAD_S)
    if frame is None:
        return head + " (no recorded frame)"
    return (f"{head}\n  observation at {frame['game_time_s']:.1f} s: {render(frame['observation'])}\n"
            f"  your action there: {render(frame['policy_action'])}\n"
            f"  the expert's action on it: {render(frame['expert_action'])} (reason: {frame['expert_reason']})")  # fmt: skip


def closed_loop_feedback(drives: Sequence[Drive], render: Callable[[Any], str], budget_chars: int) -> str:
    """The feedback text on `drives` (see the module doc), within about `budget_chars` characters."""
    scores = [d.result.driving_score for d in drives]
    lines = [
        f"Closed-loop driving, the score that decides: this implementation drove {len(drives)} training route "
        f"run(s) in the simulator as the car's policy (the expert labelled every frame in shadow). Mean driving "
        f"score {_mean(scores):.1f} of 100 (route completion x infraction penalty). Per run:",
        *(_route_line(d) for d in drives),
    ]
    by_kind: dict[str, list[tuple[Drive, Mapping[str, Any]]]] = {}
    for drive in drives:
        for event in drive.result.events:
            by_kind.setdefault(event["kind"], []).append((drive, event))
    if not by_kind:
        return "\n".join(lines)
    used = sum(len(line) + 1 for line in lines)
    shown: dict[str, list[str]] = {kind: [] for kind in by_kind}
    for rank in range(max(len(cases) for cases in by_kind.values())):
        for kind, cases in sorted(by_kind.items()):
            if rank >= len(cases):
                continue
            drive, event = cases[rank]
            case = _min_speed_case(drive, event) if kind == MIN_SPEED else _infraction_case(drive, event, render)
            if used + len(case) > budget_chars and any(shown.values()):
                continue
            shown[kind].append(case)
            used += len(case) + 4
    lines.append(
        "Infractions of these drives by kind; for each, the observation about 1 s before it, your action there "
        "and the expert's action on that same observation (min-speed quarters: your speed against the traffic's):"
    )
    for kind, cases in sorted(by_kind.items()):
        lines.append(f"### {kind}: {len(cases)}")
        lines += [f"{i}. {case}" for i, case in enumerate(shown[kind], start=1)]
        if len(shown[kind]) < len(cases):
            lines.append(f"({len(cases) - len(shown[kind])} more left out to keep this under {budget_chars} characters)")
    return "\n".join(lines)
