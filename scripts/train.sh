#!/usr/bin/env bash
# Train a LangProp policy on replay-buffer data: a thin wrapper over `langprop-drive train`.
set -euo pipefail
LP_SCRIPT=train.sh
# shellcheck source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

usage() {
    cat <<'EOF'
Usage: scripts/train.sh [options] [-- extra `langprop-drive train` flags]

Runs `langprop-drive train --policy P --buffer DIR... --out CKPT [--updates N] [--model M]
[--config FILE]`: scores the policy's candidates on buffer frames against the expert's labels and
infraction penalties, drives the promising ones over training routes in the embedded world (the
best is the one with the highest driving score on validation routes), asks the LLM to rewrite the
best, shown its infractions, and writes the checkpoint folder CKPT (state.json, candidates/,
training.png). Re-running the same command resumes it; a larger --updates goes on from where it
stopped. Training needs no CARLA server (--fitness open_loop after -- skips the driving).

Options:
  --run-dir DIR      a run folder of scripts/collect.sh (default runs/default); sets the defaults below
  --policy P         starting policy: 'baseline' (default), a .py file or a checkpoint folder
  --buffer DIR       replay-buffer folder, repeatable (default RUN/buffer: every iteration's shards)
  --out CKPT         the new checkpoint folder (default RUN/policy/train)
  --updates N        update steps to add to the starting policy (default: the config's)
  --model M          LLM model (default: config, then OPENAI_MODEL, then gpt-4o-mini)
  --config FILE      training settings (.toml)
  -h, --help         this help
Anything after -- goes to `langprop-drive train` as it is (e.g. --mode dagger_penalty --seed 1).

Needs an LLM endpoint: OPENAI_BASE_URL (an OpenAI-compatible server) and/or OPENAI_API_KEY.
EOF
}

RUN_DIR="runs/default"
POLICY="baseline"
BUFFERS=()
OUT=""
UPDATES=""
MODEL=""
CONFIG=""
EXTRA=()

while (($# > 0)); do
    case "$1" in
    -h | --help)
        usage
        exit 0
        ;;
    --run-dir) lp_need_value "$1" $# && RUN_DIR="$2" && shift ;;
    --policy) lp_need_value "$1" $# && POLICY="$2" && shift ;;
    --buffer) lp_need_value "$1" $# && BUFFERS+=("$2") && shift ;;
    --out) lp_need_value "$1" $# && OUT="$2" && shift ;;
    --updates) lp_need_value "$1" $# && UPDATES="$2" && shift ;;
    --model) lp_need_value "$1" $# && MODEL="$2" && shift ;;
    --config) lp_need_value "$1" $# && CONFIG="$2" && shift ;;
    --)
        shift
        EXTRA=("$@")
        break
        ;;
    *) lp_die "unknown option '$1' (see --help)" ;;
    esac
    shift
done

((${#BUFFERS[@]} > 0)) || BUFFERS=("$RUN_DIR/buffer")
OUT="${OUT:-$RUN_DIR/policy/train}"
[[ "$POLICY" == baseline || -e "$POLICY" ]] || lp_die "--policy $POLICY: no such file or folder"
for buffer in "${BUFFERS[@]}"; do
    [[ -d "$buffer" ]] || lp_die "--buffer $buffer: no such folder (collect data first: scripts/collect.sh)"
done
[[ -z "$UPDATES" ]] || { lp_is_int "$UPDATES" && ((UPDATES >= 1)); } || lp_die "--updates must be an integer >= 1"
[[ -z "$CONFIG" || -f "$CONFIG" ]] || lp_die "--config $CONFIG: no such file"
lp_require_llm
lp_find_cli
lp_install_traps

cmd=("$LP_CLI" train --policy "$POLICY" --out "$OUT")
for buffer in "${BUFFERS[@]}"; do
    cmd+=(--buffer "$buffer")
done
[[ -z "$UPDATES" ]] || cmd+=(--updates "$UPDATES")
[[ -z "$MODEL" ]] || cmd+=(--model "$MODEL")
[[ -z "$CONFIG" ]] || cmd+=(--config "$CONFIG")
[[ -t 1 ]] || cmd+=(--no-progress)
cmd+=("${EXTRA[@]}")
lp_log "training $OUT from $POLICY on ${BUFFERS[*]}"
rc=0
lp_run_fg "${cmd[@]}" || rc=$?
((rc == 0)) || lp_die "'langprop-drive train' failed (exit $rc); re-run the same command to resume"
lp_log "checkpoint $OUT"
