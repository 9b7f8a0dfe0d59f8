#!/usr/bin/env bash
# Evaluate a policy (or any leaderboard agent) over routes: the embedded world, or CARLA.
set -euo pipefail
LP_SCRIPT=evaluate.sh
# shellcheck source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
# shellcheck source=lib/carla_server.sh
source "$LP_LIB_DIR/carla_server.sh"

usage() {
    cat <<'EOF'
Usage: scripts/evaluate.sh (--policy P | --agent FILE [--agent-config X]) [options]
                           [-- extra `langprop-drive evaluate` flags (embedded world only)]

Drives routes with agents/langprop_agent.py and policy P (or any leaderboard agent file) and writes
the leaderboard's results JSON. Embedded world: `langprop-drive evaluate`. CARLA mode: the
leaderboard evaluator against a CARLA server this script starts (or CARLA_HOST), restarted and
resumed after a crash (see below). A complete results file is left as it is (--force evaluates
again, keeping the old file aside); a partial one is resumed.

Options:
  --policy P            'baseline', a .py policy file or a checkpoint folder: agents/langprop_agent.py
                        with the agent config CHECKPOINT_agent.json ({"policy": P}) written beside --checkpoint
  --agent FILE          a leaderboard agent file instead (defines get_entry_point())
  --agent-config X      its agent config (default empty)
  --routes R            route XML file or bundled route set (default: embedded_training; in CARLA mode
                        $LEADERBOARD_ROOT/data/routes_training.xml)
  --routes-subset S     e.g. '0', '2-5', '0,3,7' (default: all)
  --repetitions N       runs per route (default 1)
  --seed S              world seed (embedded) / traffic-manager seed (CARLA) (default 0)
  --checkpoint FILE     results JSON (default results/simulation_results.json)
  --track T             MAP (default), SENSORS, MAP_QUALIFIER, SENSORS_QUALIFIER
  --force               evaluate again even if --checkpoint is complete (the old file is kept aside)
  --log-dir DIR         CARLA mode: server and evaluator logs (default: beside --checkpoint, logs/)
  --max-restarts N      CARLA mode: server restarts before giving up (default 5)
  -h, --help            this help
EOF
    carla_help
}

POLICY=""
AGENT=""
AGENT_CONFIG=""
ROUTES=""
SUBSET=""
REPETITIONS=1
SEED=0
CHECKPOINT="results/simulation_results.json"
TRACK="MAP"
FORCE=0
LOG_DIR=""
EXTRA=()

while (($# > 0)); do
    case "$1" in
    -h | --help)
        usage
        exit 0
        ;;
    --policy) lp_need_value "$1" $# && POLICY="$2" && shift ;;
    -a | --agent) lp_need_value "$1" $# && AGENT="$2" && shift ;;
    --agent-config) lp_need_value "$1" $# && AGENT_CONFIG="$2" && shift ;;
    --routes) lp_need_value "$1" $# && ROUTES="$2" && shift ;;
    --routes-subset) lp_need_value "$1" $# && SUBSET="$2" && shift ;;
    --repetitions) lp_need_value "$1" $# && REPETITIONS="$2" && shift ;;
    --seed) lp_need_value "$1" $# && SEED="$2" && shift ;;
    --checkpoint) lp_need_value "$1" $# && CHECKPOINT="$2" && shift ;;
    --track) lp_need_value "$1" $# && TRACK="$2" && shift ;;
    --force) FORCE=1 ;;
    --log-dir) lp_need_value "$1" $# && LOG_DIR="$2" && shift ;;
    --max-restarts) lp_need_value "$1" $# && CARLA_MAX_RESTARTS="$2" && shift ;;
    --)
        shift
        EXTRA=("$@")
        break
        ;;
    *) lp_die "unknown option '$1' (see --help)" ;;
    esac
    shift
done

[[ -n "$POLICY" || -n "$AGENT" ]] || lp_die "give --policy P (LangProp agent) or --agent FILE (see --help)"
[[ -z "$POLICY" || -z "$AGENT" ]] || lp_die "give --policy or --agent, not both"
[[ -z "$POLICY" || -z "$AGENT_CONFIG" ]] || lp_die "--agent-config goes with --agent; --policy is the LangProp agent's config"
[[ -z "$POLICY" || "$POLICY" == baseline || -e "$POLICY" ]] || lp_die "--policy $POLICY: no such file or folder"
[[ -z "$AGENT" || -f "$AGENT" ]] || lp_die "--agent $AGENT: no such file"
lp_is_int "$REPETITIONS" && ((REPETITIONS >= 1)) || lp_die "--repetitions must be an integer >= 1, got '$REPETITIONS'"
lp_is_int "$SEED" || lp_die "--seed must be an integer >= 0, got '$SEED'"
lp_is_int "$CARLA_MAX_RESTARTS" || lp_die "--max-restarts must be an integer >= 0, got '$CARLA_MAX_RESTARTS'"
lp_find_python
lp_install_traps

mkdir -p "$(dirname "$CHECKPOINT")"
CHECKPOINT="$(cd "$(dirname "$CHECKPOINT")" && pwd)/$(basename "$CHECKPOINT")"
code=0
status="$(lp_tools results-status "$CHECKPOINT")" || code=$?
if ((code == 0)); then
    if ((!FORCE)); then
        lp_log "$CHECKPOINT is already $status (--force evaluates again)"
        exit 0
    fi
fi
if ((code != 1)) && { ((FORCE)) || ((code == 3)); }; then
    aside="${CHECKPOINT%.json}.$(date +%Y%m%d-%H%M%S).json"
    mv "$CHECKPOINT" "$aside"
    lp_log "kept the previous $CHECKPOINT ($status) as $aside"
fi

# --policy P: the LangProp agent with an agent config naming P, written beside the results file
if [[ -n "$POLICY" ]]; then
    AGENT="$LP_REPO_ROOT/agents/langprop_agent.py"
    AGENT_CONFIG="${CHECKPOINT%.json}_agent.json"
    lp_tools agent-config "$AGENT_CONFIG" --policy "$POLICY"
else
    AGENT="$(cd "$(dirname "$AGENT")" && pwd)/$(basename "$AGENT")"
fi

if carla_mode; then
    carla_prepare
    ((${#EXTRA[@]} == 0)) || lp_die "extra flags after -- go to the embedded 'langprop-drive evaluate' only"
    ROUTES="${ROUTES:-$LEADERBOARD_ROOT/data/routes_training.xml}"
    [[ -f "$ROUTES" ]] || lp_die "CARLA mode: --routes must be a leaderboard route XML file, got '$ROUTES'"
    CARLA_TRACK="$TRACK"
    lp_log "evaluating $AGENT (config ${AGENT_CONFIG:-none}) on $ROUTES${SUBSET:+ (subset $SUBSET)} in CARLA"
    carla_evaluate_parallel 1 "${LOG_DIR:-$(dirname "$CHECKPOINT")/logs}" "$(carla_job evaluate "$CHECKPOINT" \
        "$AGENT" "$AGENT_CONFIG" "$ROUTES" "$SUBSET" "$REPETITIONS" "$SEED")"
else
    lp_find_cli
    cmd=("$LP_CLI" evaluate --routes "${ROUTES:-embedded_training}" --repetitions "$REPETITIONS" --seed "$SEED"
        --checkpoint "$CHECKPOINT" --track "$TRACK" --leaderboard-version "${LEADERBOARD_VERSION:-2.1}"
        --agent "$AGENT" --agent-config "$AGENT_CONFIG")
    [[ -z "$SUBSET" ]] || cmd+=(--routes-subset "$SUBSET")
    [[ ! -f "$CHECKPOINT" ]] || cmd+=(--resume)
    [[ -t 1 ]] || cmd+=(--no-progress)
    cmd+=("${EXTRA[@]}")
    lp_log "evaluating ${POLICY:+policy }${POLICY:-$AGENT} in the embedded world -> $CHECKPOINT"
    rc=0
    lp_run_fg "${cmd[@]}" || rc=$?
    ((rc == 0)) || lp_die "'langprop-drive evaluate' failed (exit $rc); re-run the same command to resume"
fi
code=0
status="$(lp_tools results-status "$CHECKPOINT")" || code=$?
((code == 0)) || lp_die "results $CHECKPOINT are $status (see the evaluator's output above)"
lp_log "results $CHECKPOINT: $status"
