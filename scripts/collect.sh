#!/usr/bin/env bash
# The DAgger loop: collect with the current policy, train on everything collected so far, repeat.
set -euo pipefail
LP_SCRIPT=collect.sh
# shellcheck source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
# shellcheck source=lib/carla_server.sh
source "$LP_LIB_DIR/carla_server.sh"

usage() {
    cat <<'EOF'
Usage: scripts/collect.sh [options] [-- extra `langprop-drive collect` flags (embedded world only)]

The DAgger loop of LangProp. For iteration k = 1..K:
  1. collect: the policy of iteration k-1 (--policy for k = 1) drives the routes once per seed with
     agents/dagger_agent.py; the expert labels every frame; shards go to RUN/buffer/iter_k and one
     leaderboard results file per seed to RUN/results/iter_k/collect_seed<s>.json;
  2. train:   `langprop-drive train --policy <policy k-1> --buffer RUN/buffer/iter_1 ... --buffer
     RUN/buffer/iter_k --out RUN/policy/iter_k` (the data of all iterations, aggregated as DAgger does);
  3. evaluate (with --evaluate): the new policy drives --eval-routes; results to RUN/eval/iter_k.json.

Re-running the same command resumes: a phase already finished is skipped (complete results files;
a checkpoint whose state.json step reached its target), a partial collection goes on where it stopped
(`collect --resume`, or the leaderboard's --resume), and training resumes itself.

Options:
  --run-dir DIR         the run's folder (default runs/default)
  --iterations K        DAgger iterations (default 3); raising K later goes on from the last one
  --policy P            starting policy: 'baseline' (default), a .py file or a checkpoint folder
  --routes R            route XML file or bundled route set (default: embedded_training; in CARLA mode
                        $LEADERBOARD_ROOT/data/routes_training.xml)
  --routes-subset S     e.g. '0', '2-5', '0,3,7' (default: all routes)
  --repetitions N       runs per route and seed (default 1)
  --seeds SPEC          world seeds, e.g. '0', '0-2', '1,5' (default 0); one results file per seed
  --beta B              probability per step that the expert drives (default 0.0)
  --beta-decay D        beta of iteration k is B * D^(k-1) (default 1.0: constant)
  --updates N           training updates per iteration (default: the train config's)
  --model M             LLM model (default: train config, then OPENAI_MODEL, then gpt-4o-mini)
  --train-config FILE   training settings (.toml) for `langprop-drive train --config`
  --evaluate            evaluate each new policy (to RUN/eval/iter_k.json)
  --eval-routes R       routes of --evaluate (default: --routes)
  --eval-routes-subset S  (default: --routes-subset when --eval-routes is not given, else all)
  --collect-only        collect, but stop before the first training that is not done (no LLM needed);
                        run again without it elsewhere to train, then here to collect the next iteration
  --servers N           CARLA mode: servers run at once, one seed each (default 1)
  --max-restarts N      CARLA mode: server restarts per results file before giving up (default 5)
  -h, --help            this help

Needs an LLM endpoint for training (checked before anything is collected): OPENAI_BASE_URL (an
OpenAI-compatible server) and/or OPENAI_API_KEY; OPENAI_MODEL names the default model.

Run folder:
  RUN/buffer/iter_k/          replay-buffer shards (one per route run)
  RUN/results/iter_k/         collect_seed<s>.json (leaderboard results) and the agent configs
  RUN/policy/iter_k/          checkpoint: state.json, candidates/, training.png
  RUN/eval/iter_k.json        with --evaluate
  RUN/logs/                   CARLA mode: server and evaluator logs
  RUN/collect_sh.log          the command lines this script was run with
EOF
    carla_help
}

RUN_DIR="runs/default"
ITERATIONS=3
START_POLICY="baseline"
ROUTES=""
SUBSET=""
REPETITIONS=1
SEEDS="0"
BETA="0.0"
BETA_DECAY="1.0"
UPDATES=""
MODEL=""
TRAIN_CONFIG=""
EVALUATE=0
EVAL_ROUTES=""
EVAL_SUBSET=""
EVAL_SUBSET_SET=0
COLLECT_ONLY=0
SERVERS=1
EXTRA=()
ORIGINAL_ARGS=("$@")

while (($# > 0)); do
    case "$1" in
    -h | --help)
        usage
        exit 0
        ;;
    --run-dir) lp_need_value "$1" $# && RUN_DIR="$2" && shift ;;
    --iterations) lp_need_value "$1" $# && ITERATIONS="$2" && shift ;;
    --policy) lp_need_value "$1" $# && START_POLICY="$2" && shift ;;
    --routes) lp_need_value "$1" $# && ROUTES="$2" && shift ;;
    --routes-subset) lp_need_value "$1" $# && SUBSET="$2" && shift ;;
    --repetitions) lp_need_value "$1" $# && REPETITIONS="$2" && shift ;;
    --seeds) lp_need_value "$1" $# && SEEDS="$2" && shift ;;
    --beta) lp_need_value "$1" $# && BETA="$2" && shift ;;
    --beta-decay) lp_need_value "$1" $# && BETA_DECAY="$2" && shift ;;
    --updates) lp_need_value "$1" $# && UPDATES="$2" && shift ;;
    --model) lp_need_value "$1" $# && MODEL="$2" && shift ;;
    --train-config) lp_need_value "$1" $# && TRAIN_CONFIG="$2" && shift ;;
    --evaluate) EVALUATE=1 ;;
    --eval-routes) lp_need_value "$1" $# && EVAL_ROUTES="$2" && shift ;;
    --eval-routes-subset) lp_need_value "$1" $# && EVAL_SUBSET="$2" && EVAL_SUBSET_SET=1 && shift ;;
    --collect-only) COLLECT_ONLY=1 ;;
    --servers) lp_need_value "$1" $# && SERVERS="$2" && shift ;;
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

# ------------------------------------------------------------------------------- checks

lp_is_int "$ITERATIONS" && ((ITERATIONS >= 1)) || lp_die "--iterations must be an integer >= 1, got '$ITERATIONS'"
lp_is_int "$REPETITIONS" && ((REPETITIONS >= 1)) || lp_die "--repetitions must be an integer >= 1, got '$REPETITIONS'"
lp_is_int "$SERVERS" && ((SERVERS >= 1)) || lp_die "--servers must be an integer >= 1, got '$SERVERS'"
lp_is_int "$CARLA_MAX_RESTARTS" || lp_die "--max-restarts must be an integer >= 0, got '$CARLA_MAX_RESTARTS'"
[[ -z "$UPDATES" ]] || { lp_is_int "$UPDATES" && ((UPDATES >= 1)); } ||
    lp_die "--updates must be an integer >= 1, got '$UPDATES'"
[[ "$START_POLICY" == baseline || -e "$START_POLICY" ]] ||
    lp_die "--policy $START_POLICY: no such file or folder (give 'baseline', a .py file or a checkpoint folder)"
[[ -z "$TRAIN_CONFIG" || -f "$TRAIN_CONFIG" ]] || lp_die "--train-config $TRAIN_CONFIG: no such file"
lp_find_python
lp_find_cli
SEED_LIST="$(lp_tools seeds "$SEEDS")" || lp_die "--seeds '$SEEDS' is malformed"
read -r -a SEED_ARRAY <<<"$SEED_LIST"

# beta of iteration k: B * D^(k-1), both in [0, 1]
beta_of() {
    "$LP_PYTHON" -c 'import sys
b, d, k = float(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
if not (0 <= b <= 1 and 0 <= d <= 1):
    sys.exit("--beta and --beta-decay must be in [0, 1]")
print(f"{b * d ** (k - 1):.6g}")' "$BETA" "$BETA_DECAY" "$1"
}
beta_of 1 >/dev/null || lp_die "--beta '$BETA' and --beta-decay '$BETA_DECAY' must be numbers in [0, 1]"

mkdir -p "$RUN_DIR"
RUN_DIR="$(cd "$RUN_DIR" && pwd)"
lp_install_traps

if carla_mode; then
    MODE="CARLA ($(carla_external && echo "external server $CARLA_HOST:${CARLA_PORT:-2000}" || echo "CARLA_ROOT=$CARLA_ROOT"))"
    carla_prepare
    ROUTES="${ROUTES:-$LEADERBOARD_ROOT/data/routes_training.xml}"
    [[ -f "$ROUTES" ]] || lp_die "CARLA mode: --routes must be a leaderboard route XML file, got '$ROUTES'"
    ((${#EXTRA[@]} == 0)) || lp_die "extra flags after -- go to the embedded 'langprop-drive collect' only"
else
    MODE="embedded world"
    ROUTES="${ROUTES:-embedded_training}"
    ((SERVERS == 1)) || lp_warn "--servers applies to CARLA mode only; the embedded world runs the seeds in turn"
fi
if [[ -z "$EVAL_ROUTES" ]]; then
    EVAL_ROUTES="$ROUTES"
    ((EVAL_SUBSET_SET)) || EVAL_SUBSET="$SUBSET"
fi
PROGRESS=()
[[ -t 1 ]] || PROGRESS=(--no-progress)

checkpoint_of() { printf '%s/policy/iter_%d' "$RUN_DIR" "$1"; }
policy_before() { ((${1} == 1)) && printf '%s' "$START_POLICY" || checkpoint_of $(($1 - 1)); }

train_status() {
    local args=("$(checkpoint_of "$1")")
    [[ -z "$UPDATES" ]] || args+=(--updates "$UPDATES")
    lp_tools train-status "${args[@]}"
}

# Training will be needed unless every iteration's checkpoint is done: check the endpoint before collecting.
if ((!COLLECT_ONLY)); then
    for ((k = 1; k <= ITERATIONS; k++)); do
        if ! train_status "$k" >/dev/null; then
            lp_require_llm "training iteration $k needs it; --collect-only collects without training"
            break
        fi
    done
fi

{
    printf '%s  %q' "$(date '+%F %T')" "$0"
    ((${#ORIGINAL_ARGS[@]} == 0)) || printf ' %q' "${ORIGINAL_ARGS[@]}"
    printf '\n'
} >>"$RUN_DIR/collect_sh.log"
lp_log "run $RUN_DIR: $ITERATIONS iterations, $MODE, routes $ROUTES${SUBSET:+ (subset $SUBSET)}, seeds $SEED_LIST"

# ------------------------------------------------------------------------------- phases

collect_phase() {
    local k="$1" policy="$2" beta="$3" buffer="$RUN_DIR/buffer/iter_$1" results_dir="$RUN_DIR/results/iter_$1"
    local todo=() started=0 seed status code=0
    for seed in "${SEED_ARRAY[@]}"; do
        code=0
        status="$(lp_tools results-status "$results_dir/collect_seed$seed.json")" || code=$?
        case "$code" in
        0) ;;
        1) todo+=("$seed") ;;
        2)
            todo+=("$seed")
            started=1
            ;;
        *) lp_die "iteration $k: $results_dir/collect_seed$seed.json is $status; move it away to collect seed $seed again" ;;
        esac
    done
    if ((${#todo[@]} == 0)); then
        lp_log "iteration $k: collection done (${#SEED_ARRAY[@]} seeds complete in $results_dir), skipped"
        return 0
    fi
    lp_log "iteration $k: collecting with policy $policy, beta $beta, seeds ${todo[*]}$( ((started)) && echo ' (resuming)')"
    mkdir -p "$buffer" "$results_dir"
    if carla_mode; then
        local jobs=() config
        for seed in "${todo[@]}"; do
            config="$results_dir/dagger_seed$seed.json"
            lp_tools agent-config "$config" --policy "$policy" --beta "$beta" --buffer-dir "$buffer" --seed "$seed"
            jobs+=("$(carla_job "iter${k}_seed$seed" "$results_dir/collect_seed$seed.json" \
                "$LP_REPO_ROOT/agents/dagger_agent.py" "$config" "$ROUTES" "$SUBSET" "$REPETITIONS" "$seed")")
        done
        carla_evaluate_parallel "$SERVERS" "$RUN_DIR/logs" "${jobs[@]}" ||
            lp_die "iteration $k: collection failed; re-run the same command to resume it"
    else
        local seeds_csv rc=0
        seeds_csv="$(
            IFS=,
            echo "${todo[*]}"
        )"
        local cmd=("$LP_CLI" collect --policy "$policy" --buffer "$buffer" --results-dir "$results_dir"
            --routes "$ROUTES" --seeds "$seeds_csv" --repetitions "$REPETITIONS" --beta "$beta"
            --leaderboard-version "${LEADERBOARD_VERSION:-2.1}" --resume)
        [[ -z "$SUBSET" ]] || cmd+=(--routes-subset "$SUBSET")
        cmd+=("${PROGRESS[@]}" "${EXTRA[@]}")
        lp_run_fg "${cmd[@]}" || rc=$?
        ((rc == 0)) || lp_die "iteration $k: 'langprop-drive collect' failed (exit $rc); re-run the same command to resume"
    fi
    for seed in "${SEED_ARRAY[@]}"; do
        lp_tools results-status "$results_dir/collect_seed$seed.json" >/dev/null ||
            lp_die "iteration $k: $results_dir/collect_seed$seed.json is not complete after the collection"
    done
    lp_log "iteration $k: collection done -> $buffer"
}

train_phase() {
    local k="$1" policy="$2" out status code=0 rc=0 i
    out="$(checkpoint_of "$k")"
    status="$(train_status "$k")" || code=$?
    if ((code == 0)); then
        lp_log "iteration $k: policy $out is $status, skipped"
        return 0
    fi
    if ((COLLECT_ONLY)); then
        lp_log "iteration $k: --collect-only: stopping before training (run without --collect-only to train)"
        exit 0
    fi
    lp_require_llm
    local cmd=("$LP_CLI" train --policy "$policy" --out "$out")
    for ((i = 1; i <= k; i++)); do
        cmd+=(--buffer "$RUN_DIR/buffer/iter_$i")
    done
    [[ -z "$UPDATES" ]] || cmd+=(--updates "$UPDATES")
    [[ -z "$MODEL" ]] || cmd+=(--model "$MODEL")
    [[ -z "$TRAIN_CONFIG" ]] || cmd+=(--config "$TRAIN_CONFIG")
    cmd+=("${PROGRESS[@]}")
    lp_log "iteration $k: training $out from $policy on buffers iter_1..iter_$k$( ((code == 2)) && echo " (resuming: $status)")"
    lp_run_fg "${cmd[@]}" || rc=$?
    ((rc == 0)) || lp_die "iteration $k: 'langprop-drive train' failed (exit $rc); fix the cause and re-run the same \
command: training resumes from its last step"
    lp_log "iteration $k: policy $out trained ($(train_status "$k" || true))"
}

evaluate_phase() {
    local k="$1" policy results="$RUN_DIR/eval/iter_$1.json" status code=0 rc=0
    policy="$(checkpoint_of "$k")"
    status="$(lp_tools results-status "$results")" || code=$?
    if ((code == 0)); then
        lp_log "iteration $k: evaluation $results is $status, skipped"
        return 0
    fi
    ((code != 3)) || lp_die "iteration $k: $results is $status; move it away to evaluate again"
    lp_log "iteration $k: evaluating $policy on $EVAL_ROUTES${EVAL_SUBSET:+ (subset $EVAL_SUBSET)}"
    mkdir -p "$RUN_DIR/eval"
    if carla_mode; then
        local config="$RUN_DIR/eval/iter_${k}_agent.json"
        lp_tools agent-config "$config" --policy "$policy"
        carla_evaluate_parallel 1 "$RUN_DIR/logs" "$(carla_job "eval_iter$k" "$results" \
            "$LP_REPO_ROOT/agents/langprop_agent.py" "$config" "$EVAL_ROUTES" "$EVAL_SUBSET" 1 0)"
    else
        local cmd=("$LP_CLI" evaluate --policy "$policy" --routes "$EVAL_ROUTES" --checkpoint "$results"
            --leaderboard-version "${LEADERBOARD_VERSION:-2.1}")
        [[ -z "$EVAL_SUBSET" ]] || cmd+=(--routes-subset "$EVAL_SUBSET")
        [[ ! -f "$results" ]] || cmd+=(--resume)
        cmd+=("${PROGRESS[@]}")
        lp_run_fg "${cmd[@]}" || rc=$?
        ((rc == 0)) || lp_die "iteration $k: 'langprop-drive evaluate' failed (exit $rc); re-run the same command to resume"
    fi
    code=0
    status="$(lp_tools results-status "$results")" || code=$?
    ((code == 0)) || lp_die "iteration $k: evaluation $results is $status (see the evaluator's output above)"
    lp_log "iteration $k: evaluation $results is $status"
}

for ((k = 1; k <= ITERATIONS; k++)); do
    policy="$(policy_before "$k")"
    beta="$(beta_of "$k")"
    lp_log "=== iteration $k of $ITERATIONS: policy $policy"
    collect_phase "$k" "$policy" "$beta"
    train_phase "$k" "$policy"
    ((!EVALUATE)) || evaluate_phase "$k"
done
lp_log "done: $ITERATIONS iterations; latest policy $(checkpoint_of "$ITERATIONS")"
