#!/usr/bin/env bash
# Film an infraction again in the embedded world: a wrapper over `langprop-drive replay`.
set -euo pipefail
LP_SCRIPT=replay.sh
# shellcheck source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

usage() {
    cat <<'EOF'
Usage: scripts/replay.sh (--results FILE --route-id ID | --shard FILE) --kind K [options]

Re-drives the route of an infraction in the embedded world with the same seed and writes a
bird's-eye video (mp4) around it, with the policy's and the expert's actions drawn; --compare re-runs
the same scenario with a newer policy (a second video). Always the embedded world, also on a CARLA
box: results files of collections and evaluations in the embedded world replay exactly; those of
CARLA runs do not (a different simulator).

Options (those of `langprop-drive replay`, passed on as they are):
  --results FILE        a leaderboard results JSON (collection: RUN/results/iter_k/collect_seed<s>.json,
                        evaluation: RUN/eval/iter_k.json)
  --route-id ID         with --results: the record, e.g. RouteScenario_3_rep0
  --shard FILE          a replay-buffer shard instead (RUN/buffer/iter_k/...)
  --kind K              infraction kind: red_light, stop_infraction, collisions_vehicle,
                        collisions_pedestrian, collisions_layout, outside_route_lanes, ...
  --occurrence N        which infraction of that kind (default 0: the first)
  --policy P            the policy that drove (default with --shard: the shard's)
  --compare P2          a newer policy to re-run on the same scenario
  --out FILE            video file (default replay.mp4)
  --before-s S, --after-s S   seconds filmed before/after the infraction (default 6, 2)
  --seed S              with --results: the evaluation's seed (collection: the file's seed)
  --beta B              with --results: the collection's beta
  --routes R            the routes of the evaluation (route XML or bundled set)
  -h, --help            this help, then `langprop-drive replay --help`
EOF
}

for arg in "$@"; do
    if [[ "$arg" == -h || "$arg" == --help ]]; then
        usage
        echo
        lp_find_cli
        "$LP_CLI" replay --help
        exit 0
    fi
done
(($# > 0)) || {
    usage >&2
    exit 2
}
if [[ -n "${CARLA_ROOT:-}" || -n "${CARLA_HOST:-}" ]]; then
    lp_log "replays run in the embedded world (CARLA_ROOT/CARLA_HOST are not used)"
fi
lp_find_cli
lp_install_traps
rc=0
lp_run_fg "$LP_CLI" replay "$@" || rc=$?
exit "$rc"
