#!/usr/bin/env bash
# The DAgger loop (collect -> train -> evaluate per iteration, resumable): `langprop-drive loop`, same flags and --help.
set -euo pipefail
# shellcheck source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
lp_exec loop "$@"
