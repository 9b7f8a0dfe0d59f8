# shellcheck shell=bash
# Shared by scripts/*.sh (sourced, never run): repo root, the langprop-drive command, the Python that
# runs helpers and evaluators, logging, errors, the LLM endpoint check, process-group bookkeeping.
#
# Set by the sourcing script before sourcing: LP_SCRIPT (its name, for messages).

LP_REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
LP_LIB_DIR="$LP_REPO_ROOT/scripts/lib"
LP_SCRIPT="${LP_SCRIPT:-$(basename "$0")}"

# A line per phase, prefixed by the script's name and the time.
lp_log() { printf '[%s %s] %s\n' "$LP_SCRIPT" "$(date +%H:%M:%S)" "$*"; }
lp_warn() { printf '[%s] warning: %s\n' "$LP_SCRIPT" "$*" >&2; }
# Print an error to stderr and exit 1 (the EXIT trap cleans up what was started).
lp_die() {
    printf '%s: error: %s\n' "$LP_SCRIPT" "$*" >&2
    exit 1
}

# The langprop-drive command: the repo's .venv if there is one, else the one on PATH (docker image).
lp_find_cli() {
    if [[ -x "$LP_REPO_ROOT/.venv/bin/langprop-drive" ]]; then
        LP_CLI="$LP_REPO_ROOT/.venv/bin/langprop-drive"
    elif command -v langprop-drive >/dev/null 2>&1; then
        LP_CLI="$(command -v langprop-drive)"
    else
        lp_die "langprop-drive not found: run scripts/setup.sh (creates .venv) or pip install this package"
    fi
}

# The Python of helpers and of the leaderboard evaluator: $LP_PYTHON if set, else the .venv's, else python3.
lp_find_python() {
    if [[ -n "${LP_PYTHON:-}" ]]; then
        :
    elif [[ -x "$LP_REPO_ROOT/.venv/bin/python" ]]; then
        LP_PYTHON="$LP_REPO_ROOT/.venv/bin/python"
    else
        LP_PYTHON="$(command -v python3 || true)"
        [[ -n "$LP_PYTHON" ]] || lp_die "no python3 found (set LP_PYTHON)"
    fi
}

lp_tools() { "$LP_PYTHON" "$LP_LIB_DIR/lp_tools.py" "$@"; }

# Fail early unless an LLM endpoint is configured (training asks the LLM to rewrite the policy).
lp_require_llm() {
    if [[ -z "${OPENAI_BASE_URL:-}" && -z "${OPENAI_API_KEY:-}" ]]; then
        lp_die "no LLM endpoint configured: set OPENAI_BASE_URL to an OpenAI-compatible server (vLLM, Ollama, \
llama.cpp, ...) and OPENAI_API_KEY if it needs one, or only OPENAI_API_KEY for OpenAI itself${1:+ ($1)}"
    fi
}

# Whether a flag's value is present (for `--flag VALUE` parsing): lp_need_value FLAG "$#".
lp_need_value() { [[ "$2" -ge 2 ]] || lp_die "$1 needs a value (see --help)"; }

lp_is_int() { [[ "$1" =~ ^[0-9]+$ ]]; }

# ---------------------------------------------------------------------------- process groups
# Every long-running child (CARLA server, leaderboard evaluator) is started with setsid, in a process
# group of its own, recorded here, and killed as a whole group by lp_kill_group or, at exit, lp_cleanup.

LP_GROUPS=()
LP_KILL_GRACE_S="${LP_KILL_GRACE_S:-10}"

# Whether process group $1 has a live member. Zombies do not count: an orphan whose init does not reap
# (a container without one) stays a zombie in its group for good.
lp_group_alive() {
    kill -0 -- "-$1" 2>/dev/null || return 1
    [[ -r /proc/self/stat ]] || return 0
    local f line fields
    for f in /proc/[0-9]*/stat; do
        { read -r line <"$f"; } 2>/dev/null || continue
        read -r -a fields <<<"${line##*) }" # state ppid pgrp ...
        [[ "${fields[2]}" == "$1" && "${fields[0]}" != Z ]] && return 0
    done
    return 1
}

# Kill process group $1 (TERM, then KILL after LP_KILL_GRACE_S), reap its leader, forget it.
lp_kill_group() {
    local pgid="$1" waited=0
    if lp_group_alive "$pgid"; then
        kill -TERM -- "-$pgid" 2>/dev/null || true
        while lp_group_alive "$pgid" && ((waited < LP_KILL_GRACE_S * 10)); do
            sleep 0.1
            waited=$((waited + 1))
        done
        if lp_group_alive "$pgid"; then
            kill -KILL -- "-$pgid" 2>/dev/null || true
        fi
    fi
    wait "$pgid" 2>/dev/null || true
    local kept=() g
    for g in "${LP_GROUPS[@]}"; do
        [[ "$g" == "$pgid" ]] || kept+=("$g")
    done
    LP_GROUPS=("${kept[@]}")
}

# Start "$@" in a new process group with output to log file $LP_START_LOG; sets LP_STARTED_PID (= its pgid).
lp_start_group() {
    setsid "$@" >>"$LP_START_LOG" 2>&1 </dev/null &
    LP_STARTED_PID=$!
    LP_GROUPS+=("$LP_STARTED_PID")
}

# Run "$@" in the background of this process group and wait for it, so that a signal to this script is
# handled at once (bash defers traps while a foreground child runs). Returns its exit status.
LP_FG_PID=""
lp_run_fg() {
    local rc=0
    "$@" &
    LP_FG_PID=$!
    wait "$LP_FG_PID" || rc=$?
    LP_FG_PID=""
    return "$rc"
}

lp_sleep() { lp_run_fg sleep "$1"; }

LP_WORKERS=()

# At exit: stop a foreground job (TERM; background jobs of a script ignore SIGINT), parallel workers
# (each cleans up after itself), then kill every process group still recorded.
lp_cleanup() {
    local pid pgid waited=0
    if [[ -n "$LP_FG_PID" ]] && kill -0 "$LP_FG_PID" 2>/dev/null; then
        kill -TERM "$LP_FG_PID" 2>/dev/null || true
        while kill -0 "$LP_FG_PID" 2>/dev/null && ((waited < LP_KILL_GRACE_S * 10)); do
            sleep 0.1
            waited=$((waited + 1))
        done
        kill -KILL "$LP_FG_PID" 2>/dev/null || true
        wait "$LP_FG_PID" 2>/dev/null || true
    fi
    for pid in "${LP_WORKERS[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in "${LP_WORKERS[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    LP_WORKERS=()
    for pgid in "${LP_GROUPS[@]}"; do
        lp_kill_group "$pgid"
    done
}

lp_install_traps() {
    trap lp_cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
}
