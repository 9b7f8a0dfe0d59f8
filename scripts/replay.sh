#!/usr/bin/env bash
# Film an infraction again in the embedded world (also on a CARLA box): `langprop-drive replay`, same flags and --help.
set -euo pipefail
# shellcheck source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
lp_exec replay "$@"
