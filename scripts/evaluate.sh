#!/usr/bin/env bash
# Evaluate a policy or agent over routes, embedded world or CARLA: `langprop-drive loop-evaluate`, same flags and --help.
set -euo pipefail
# shellcheck source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
lp_exec loop-evaluate "$@"
