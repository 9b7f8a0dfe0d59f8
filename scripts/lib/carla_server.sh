# shellcheck shell=bash
# CARLA mode of scripts/collect.sh and scripts/evaluate.sh (sourced after common.sh): start CARLA servers
# off-screen on free ports, run the leaderboard evaluator against them, and restart a crashed server and
# resume the route until the results file is complete. CARLA mode is on when CARLA_ROOT (a CARLA install:
# servers are started here) or CARLA_HOST (an external server, e.g. the compose service `carla`: only
# connected to) is set. The settings (environment variables) are listed by carla_help below.

CARLA_MAX_RESTARTS="${CARLA_MAX_RESTARTS:-5}"
CARLA_START_TIMEOUT_S="${CARLA_START_TIMEOUT_S:-180}"
CARLA_SETTLE_S="${CARLA_SETTLE_S:-5}"
CARLA_DEAD_GRACE_S="${CARLA_DEAD_GRACE_S:-30}"
CARLA_TRACK="${CARLA_TRACK:-MAP}"
LP_POLL_S="${LP_POLL_S:-1}"

# The CARLA-mode part of the scripts' --help.
carla_help() {
    cat <<'EOF'

CARLA mode (on a GPU box: CARLA_ROOT set, or CARLA_HOST naming a running server; otherwise the
embedded world is used): the script starts `$CARLA_ROOT/CarlaUE4.sh -RenderOffScreen -nosound
-carla-rpc-port=PORT` in a process group of its own on free ports (RPC port and the two after it,
and a traffic-manager port), waits until the port accepts connections, and runs
`$LEADERBOARD_ROOT/leaderboard/leaderboard_evaluator.py` with the agent, its config, the results
file (--checkpoint) and the ports. If the evaluator exits non-zero, the server dies or the results
file is not complete (_checkpoint.progress = [done, total] and a global_record), it kills the
server's whole process group, starts a fresh one on new ports and reruns the evaluator with
--resume, up to --max-restarts times, then fails with a message naming the last failure and the
logs. Servers are always stopped on exit (also on Ctrl-C). With CARLA_HOST nothing is started:
it waits for that server to accept connections again (e.g. a compose restart policy) and resumes.
Environment:
  LEADERBOARD_ROOT, SCENARIO_RUNNER_ROOT   required: clones of carla-simulator/leaderboard and
                          scenario_runner (branches leaderboard-2.1, or leaderboard-1.0)
  LEADERBOARD_VERSION     2.1 (default), 2.0 or 1.0 (1.0: --trafficManagerPort/--trafficManagerSeed
                          and the required --scenarios, from LEADERBOARD_SCENARIOS)
  CARLA_PYTHONAPI         CARLA's PythonAPI folder (default $CARLA_ROOT/PythonAPI): carla/agents
                          and, if there is one for this Python, the carla/dist egg go on PYTHONPATH
                          (else the pip carla wheel of the Python in use)
  CARLA_HOST, CARLA_PORT  an external server (port default 2000)
  CARLA_START_TIMEOUT_S   seconds for a server to accept connections (default 180)
  CARLA_SETTLE_S          seconds to wait after that before connecting (default 5)
  CARLA_DEAD_GRACE_S      seconds an evaluator may outlive its dead server (default 30)
  CARLA_MAX_RESTARTS      as --max-restarts (default 5)
  CARLA_SERVER_ARGS       more CarlaUE4.sh arguments, e.g. "-quality-level=Low"
  CARLA_GPUS              e.g. "0,1": servers take -graphicsadapter=N in turn
  CARLA_CLIENT_TIMEOUT_S  the evaluator's --timeout (default: its own)
  CARLA_TRACK             the evaluator's --track (default MAP)
  LP_PYTHON               the Python running the evaluator (default .venv/bin/python, else python3)
EOF
}

carla_mode() { [[ -n "${CARLA_ROOT:-}" || -n "${CARLA_HOST:-}" ]]; }
carla_external() { [[ -n "${CARLA_HOST:-}" ]]; }

# Check the CARLA-mode environment, set PYTHONPATH and LP_PYTHON; dies with a message naming what is missing.
carla_prepare() {
    LEADERBOARD_VERSION="${LEADERBOARD_VERSION:-2.1}"
    case "$LEADERBOARD_VERSION" in
    1.0 | 2.0 | 2.1) ;;
    *) lp_die "LEADERBOARD_VERSION must be 1.0, 2.0 or 2.1, got '$LEADERBOARD_VERSION'" ;;
    esac
    local var
    for var in LEADERBOARD_ROOT SCENARIO_RUNNER_ROOT; do
        [[ -n "${!var:-}" ]] || lp_die "CARLA mode (CARLA_ROOT or CARLA_HOST is set) needs $var: set it to your \
clone of carla-simulator/$([[ $var == LEADERBOARD_ROOT ]] && echo leaderboard || echo scenario_runner)"
        [[ -d "${!var}" ]] || lp_die "$var=${!var} is not a folder"
    done
    [[ -f "$LEADERBOARD_ROOT/leaderboard/leaderboard_evaluator.py" ]] ||
        lp_die "LEADERBOARD_ROOT=$LEADERBOARD_ROOT has no leaderboard/leaderboard_evaluator.py"
    if [[ "$LEADERBOARD_VERSION" == 1.0 && -z "${LEADERBOARD_SCENARIOS:-}" ]]; then
        lp_die "LEADERBOARD_VERSION=1.0 needs LEADERBOARD_SCENARIOS (the evaluator's required --scenarios JSON)"
    fi
    if carla_external; then
        CARLA_PORT="${CARLA_PORT:-2000}"
        lp_is_int "$CARLA_PORT" || lp_die "CARLA_PORT must be a port number, got '$CARLA_PORT'"
    else
        [[ -x "$CARLA_ROOT/CarlaUE4.sh" ]] || lp_die "CARLA_ROOT=$CARLA_ROOT has no executable CarlaUE4.sh"
        command -v setsid >/dev/null || lp_die "setsid (util-linux) is needed to run CARLA servers"
    fi
    lp_find_python
    local api="${CARLA_PYTHONAPI:-${CARLA_ROOT:+$CARLA_ROOT/PythonAPI}}" path="" pyver egg
    pyver="$("$LP_PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
    if [[ -n "$api" ]]; then
        for egg in "$api"/carla/dist/carla-*-py"$pyver"-*.egg; do
            [[ -e "$egg" ]] && path="$egg:"
        done
        path+="$api/carla:"
    fi
    export PYTHONPATH="${path}$LEADERBOARD_ROOT:$SCENARIO_RUNNER_ROOT:$LP_REPO_ROOT${PYTHONPATH:+:$PYTHONPATH}"
    local problem
    if ! problem="$("$LP_PYTHON" -c 'import carla, agents.navigation' 2>&1)"; then
        lp_die "$LP_PYTHON cannot import the carla client and CARLA's agents.navigation package \
(PYTHONPATH=$PYTHONPATH): ${problem##*$'\n'}. Install the carla wheel matching your server and set \
CARLA_PYTHONAPI to CARLA's PythonAPI folder (it holds carla/agents)"
    fi
}

# ---------------------------------------------------------------------------- the server

CARLA_SERVER_PID=""
CARLA_RPC_PORT=""
CARLA_TM_PORT=""
CARLA_SERVER_LOG=""
CARLA_START_ERROR=""
CARLA_SERVER_STARTS=0
CARLA_GPU=""

# Start (or, for an external server, wait for) a server; sets CARLA_RPC_PORT, CARLA_TM_PORT. Returns 1
# with CARLA_START_ERROR set when it does not accept connections in time.
_carla_bring_up() {
    local name="$1" log_dir="$2" ports rc=0
    CARLA_START_ERROR=""
    if [[ -n "$CARLA_SERVER_PID" ]] && lp_group_alive "$CARLA_SERVER_PID"; then
        return 0 # the server of the previous job is still up: keep it
    fi
    _carla_stop_server
    if carla_external; then
        CARLA_RPC_PORT="$CARLA_PORT"
        CARLA_TM_PORT="$(lp_tools free-ports --count 1 --span 1)" || {
            CARLA_START_ERROR="no free port for the traffic manager"
            return 1
        }
        lp_log "$name: waiting for the external CARLA server $CARLA_HOST:$CARLA_RPC_PORT"
        lp_run_fg "$LP_PYTHON" "$LP_LIB_DIR/lp_tools.py" wait-port --host "$CARLA_HOST" --port "$CARLA_RPC_PORT" \
            --timeout "$CARLA_START_TIMEOUT_S" || rc=$?
        if ((rc != 0)); then
            CARLA_START_ERROR="the external CARLA server $CARLA_HOST:$CARLA_RPC_PORT did not accept connections \
within ${CARLA_START_TIMEOUT_S} s"
            return 1
        fi
    else
        ports="$(lp_tools free-ports --count 2 --span 3)" || {
            CARLA_START_ERROR="no free ports for a CARLA server"
            return 1
        }
        CARLA_RPC_PORT="${ports%%$'\n'*}"
        CARLA_TM_PORT="${ports##*$'\n'}"
        CARLA_SERVER_STARTS=$((CARLA_SERVER_STARTS + 1))
        CARLA_SERVER_LOG="$log_dir/carla_${name}_start${CARLA_SERVER_STARTS}.log"
        local args=(-RenderOffScreen -nosound "-carla-rpc-port=$CARLA_RPC_PORT")
        [[ -n "$CARLA_GPU" ]] && args+=("-graphicsadapter=$CARLA_GPU")
        # shellcheck disable=SC2206  # CARLA_SERVER_ARGS is a list of words on purpose
        [[ -n "${CARLA_SERVER_ARGS:-}" ]] && args+=($CARLA_SERVER_ARGS)
        LP_START_LOG="$CARLA_SERVER_LOG" lp_start_group "$CARLA_ROOT/CarlaUE4.sh" "${args[@]}"
        CARLA_SERVER_PID="$LP_STARTED_PID"
        lp_log "$name: CARLA server started: pid $CARLA_SERVER_PID, port $CARLA_RPC_PORT, traffic manager \
$CARLA_TM_PORT, log $CARLA_SERVER_LOG"
        lp_run_fg "$LP_PYTHON" "$LP_LIB_DIR/lp_tools.py" wait-port --host 127.0.0.1 --port "$CARLA_RPC_PORT" \
            --timeout "$CARLA_START_TIMEOUT_S" --pid "$CARLA_SERVER_PID" || rc=$?
        if ((rc == 4)); then
            CARLA_START_ERROR="the CARLA server exited during start-up (log: $CARLA_SERVER_LOG)"
            return 1
        elif ((rc != 0)); then
            CARLA_START_ERROR="the CARLA server did not accept connections on port $CARLA_RPC_PORT within \
${CARLA_START_TIMEOUT_S} s (log: $CARLA_SERVER_LOG)"
            return 1
        fi
    fi
    [[ "$CARLA_SETTLE_S" == 0 ]] || lp_sleep "$CARLA_SETTLE_S"
    return 0
}

# Kill the server we started (its whole process group), if any.
carla_stop_server() { _carla_stop_server; }
_carla_stop_server() {
    if [[ -n "$CARLA_SERVER_PID" ]]; then
        lp_kill_group "$CARLA_SERVER_PID"
        CARLA_SERVER_PID=""
    fi
}

_carla_server_alive() { carla_external || { [[ -n "$CARLA_SERVER_PID" ]] && lp_group_alive "$CARLA_SERVER_PID"; }; }

# ---------------------------------------------------------------------------- the evaluator

CARLA_EVAL_RC=0
CARLA_EVAL_NOTE=""

# Run the leaderboard evaluator once against the server up now; sets CARLA_EVAL_RC and CARLA_EVAL_NOTE.
_carla_run_evaluator() {
    local name="$1" results="$2" agent="$3" agent_config="$4" routes="$5" subset="$6" reps="$7" seed="$8"
    local log="$9" host="${CARLA_HOST:-127.0.0.1}"
    local cmd=("$LP_PYTHON" "$LEADERBOARD_ROOT/leaderboard/leaderboard_evaluator.py"
        --host "$host" --port "$CARLA_RPC_PORT" --routes "$routes" --repetitions "$reps"
        --agent "$agent" --agent-config "$agent_config" --track "$CARLA_TRACK" --checkpoint "$results")
    [[ -n "$subset" ]] && cmd+=(--routes-subset "$subset")
    if [[ "$LEADERBOARD_VERSION" == 1.0 ]]; then
        cmd+=(--trafficManagerPort "$CARLA_TM_PORT" --trafficManagerSeed "$seed" --scenarios "$LEADERBOARD_SCENARIOS")
    else
        cmd+=(--traffic-manager-port "$CARLA_TM_PORT" --traffic-manager-seed "$seed"
            --debug-checkpoint "${results%.json}_live.txt")
    fi
    [[ -n "${CARLA_CLIENT_TIMEOUT_S:-}" ]] && cmd+=(--timeout "$CARLA_CLIENT_TIMEOUT_S")
    # --resume is parsed with type=bool by every leaderboard version: any non-empty value means True,
    # so it is passed only when resuming.
    [[ -f "$results" ]] && cmd+=(--resume True)
    lp_log "$name: leaderboard evaluator$([[ -f "$results" ]] && echo ' (resuming)') -> $results, log $log"
    LP_START_LOG="$log" lp_start_group "${cmd[@]}"
    local pid="$LP_STARTED_PID" dead_since="" now
    CARLA_EVAL_NOTE=""
    while kill -0 "$pid" 2>/dev/null; do
        if ! _carla_server_alive; then
            now="$(date +%s)"
            dead_since="${dead_since:-$now}"
            if ((now - dead_since >= CARLA_DEAD_GRACE_S)); then
                CARLA_EVAL_NOTE="; stopped: its CARLA server had died ${CARLA_DEAD_GRACE_S} s earlier"
                break
            fi
        fi
        lp_sleep "$LP_POLL_S"
    done
    CARLA_EVAL_RC=0
    if [[ -z "$CARLA_EVAL_NOTE" ]]; then
        wait "$pid" 2>/dev/null || CARLA_EVAL_RC=$?
    else
        CARLA_EVAL_RC=143
    fi
    lp_kill_group "$pid" # what it left behind (agent workers), or itself when stopped
}

# carla_evaluate NAME RESULTS AGENT AGENT_CONFIG ROUTES SUBSET REPETITIONS SEED LOG_DIR
# Bring a server up (or keep the one up), run the evaluator, and on failure (non-zero exit, dead server,
# results not complete) kill the server, start a fresh one on new ports and resume, up to
# CARLA_MAX_RESTARTS times. Returns 0 once RESULTS is complete, leaving the server up for the next job
# (carla_stop_server, or the EXIT trap, stops it); dies otherwise.
carla_evaluate() {
    local name="$1" results="$2" agent="$3" agent_config="$4" routes="$5" subset="$6" reps="$7" seed="$8"
    local log_dir="$9" restarts=0 status code reason attempt=0
    mkdir -p "$log_dir" "$(dirname "$results")"
    while true; do
        code=0
        status="$(lp_tools results-status "$results")" || code=$?
        if ((code == 0)); then
            lp_log "$name: $results is $status"
            return 0
        elif ((code == 3)); then
            lp_die "$name: $results is $status; a restart cannot fix that (logs: $log_dir)"
        fi
        attempt=$((attempt + 1))
        if _carla_bring_up "$name" "$log_dir"; then
            _carla_run_evaluator "$name" "$results" "$agent" "$agent_config" "$routes" "$subset" "$reps" "$seed" \
                "$log_dir/evaluator_${name}_attempt${attempt}.log"
            code=0
            status="$(lp_tools results-status "$results")" || code=$?
            if ((code == 0)); then
                ((CARLA_EVAL_RC == 0)) || lp_warn "$name: the evaluator exited with $CARLA_EVAL_RC, but $results is complete"
                lp_log "$name: $results is $status"
                return 0
            fi
            ((code != 3)) || lp_die "$name: $results is $status (logs: $log_dir)"
            reason="the evaluator exited with $CARLA_EVAL_RC$CARLA_EVAL_NOTE, server $(_carla_server_alive &&
                echo alive || echo dead), results $status"
        else
            reason="$CARLA_START_ERROR"
        fi
        _carla_stop_server
        restarts=$((restarts + 1))
        if ((restarts > CARLA_MAX_RESTARTS)); then
            lp_die "$name: giving up after $CARLA_MAX_RESTARTS restarts (CARLA_MAX_RESTARTS); last failure: $reason. \
Results so far: $results; logs: $log_dir"
        fi
        lp_log "$name: attempt $attempt failed ($reason); restarting CARLA and resuming (restart $restarts of \
$CARLA_MAX_RESTARTS)"
    done
}

# carla_evaluate_parallel SERVERS LOG_DIR JOB...
# Each JOB is one string of 8 fields separated by $LP_SEP (ASCII unit separator):
#   NAME RESULTS AGENT AGENT_CONFIG ROUTES SUBSET REPETITIONS SEED   (SUBSET may be empty)
# Runs the jobs on SERVERS servers at once (job i on worker i mod SERVERS, each worker with its own server
# and ports, a worker's jobs in turn); one server runs them all in this shell. Returns 0 if every job
# completed, else 1 once all workers have ended.
LP_SEP=$'\x1f'

carla_job() {
    local IFS="$LP_SEP"
    printf '%s' "$*"
}

_carla_evaluate_job() {
    local job
    IFS="$LP_SEP" read -r -a job <<<"$1"
    carla_evaluate "${job[0]}" "${job[1]}" "${job[2]}" "${job[3]}" "${job[4]}" "${job[5]}" "${job[6]}" \
        "${job[7]}" "$2"
}

carla_evaluate_parallel() {
    local servers="$1" log_dir="$2"
    shift 2
    local jobs=("$@") job
    if ((servers <= 1 || ${#jobs[@]} <= 1)); then
        [[ -z "${CARLA_GPUS:-}" ]] || CARLA_GPU="${CARLA_GPUS%%,*}"
        for job in "${jobs[@]}"; do
            _carla_evaluate_job "$job" "$log_dir"
        done
        _carla_stop_server
        return 0
    fi
    carla_external && lp_die "--servers $servers needs servers this script starts (CARLA_ROOT), not CARLA_HOST"
    local gpus=() worker i failed=0 pid
    IFS=',' read -r -a gpus <<<"${CARLA_GPUS:-}"
    for ((worker = 0; worker < servers && worker < ${#jobs[@]}; worker++)); do
        (
            LP_GROUPS=()
            LP_WORKERS=()
            LP_FG_PID=""
            lp_install_traps
            ((${#gpus[@]} == 0)) || CARLA_GPU="${gpus[worker % ${#gpus[@]}]}"
            for ((i = worker; i < ${#jobs[@]}; i += servers)); do
                _carla_evaluate_job "${jobs[i]}" "$log_dir"
            done
            _carla_stop_server
        ) &
        LP_WORKERS+=("$!")
    done
    for pid in "${LP_WORKERS[@]}"; do
        wait "$pid" || failed=$((failed + 1))
    done
    LP_WORKERS=()
    if ((failed > 0)); then
        lp_warn "$failed of $servers server workers failed (see their messages above)"
        return 1
    fi
}
