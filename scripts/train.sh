#!/usr/bin/env bash
# Train a policy on a run folder's buffers: `langprop-drive loop-train`, same flags and --help.
set -euo pipefail
# shellcheck source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
lp_exec loop-train "$@"
