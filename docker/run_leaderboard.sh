#!/usr/bin/env bash
# The image's default command: the leaderboard evaluator run from the submission environment variables
# (ROUTES, ROUTES_SUBSET, REPETITIONS, CHALLENGE_TRACK_CODENAME, CHECKPOINT_ENDPOINT,
# DEBUG_CHECKPOINT_ENDPOINT, TEAM_AGENT, TEAM_CONFIG, DEBUG_CHALLENGE, RECORD_PATH, RESUME), as the
# leaderboard's own run script does, against CARLA at CARLA_HOST:CARLA_PORT (default localhost:2000)
# with the traffic manager on TM_PORT (default 8000). LEADERBOARD_VERSION=1.0 switches to 1.0's flags
# (--trafficManagerPort, and --scenarios from SCENARIOS).
set -euo pipefail

: "${LEADERBOARD_ROOT:?set LEADERBOARD_ROOT}" "${ROUTES:?set ROUTES}" "${TEAM_AGENT:?set TEAM_AGENT}"
: "${CHECKPOINT_ENDPOINT:?set CHECKPOINT_ENDPOINT}"

args=(--host "${CARLA_HOST:-localhost}" --port "${CARLA_PORT:-2000}"
    --routes "$ROUTES" --repetitions "${REPETITIONS:-1}" --track "${CHALLENGE_TRACK_CODENAME:-MAP}"
    --checkpoint "$CHECKPOINT_ENDPOINT" --agent "$TEAM_AGENT" --agent-config "${TEAM_CONFIG:-}"
    --debug "${DEBUG_CHALLENGE:-0}" --record "${RECORD_PATH:-}")
if [[ "${LEADERBOARD_VERSION:-2.1}" == 1.0 ]]; then
    args+=(--trafficManagerPort "${TM_PORT:-8000}" --scenarios "${SCENARIOS:?LEADERBOARD_VERSION=1.0 needs SCENARIOS}")
else
    args+=(--traffic-manager-port "${TM_PORT:-8000}"
        --debug-checkpoint "${DEBUG_CHECKPOINT_ENDPOINT:-$(dirname "$CHECKPOINT_ENDPOINT")/live_results.txt}")
fi
[[ -z "${ROUTES_SUBSET:-}" ]] || args+=(--routes-subset "$ROUTES_SUBSET")
# --resume is parsed with type=bool: any non-empty value (even "False") would mean True
case "${RESUME:-}" in
"" | 0 | false | False | FALSE | no) ;;
*) args+=(--resume True) ;;
esac
mkdir -p "$(dirname "$CHECKPOINT_ENDPOINT")"
exec "${LP_PYTHON:-python3}" "$LEADERBOARD_ROOT/leaderboard/leaderboard_evaluator.py" "${args[@]}"
