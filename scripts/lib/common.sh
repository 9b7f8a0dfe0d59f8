# shellcheck shell=bash
# Shared by scripts/*.sh (sourced, never run): hand the arguments to the `langprop-drive` command, which does
# all the work (option parsing, --help, CARLA servers, resuming).

LP_REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

# Replace this shell by `langprop-drive "$@"`: the repo's .venv if there is one, else the one on PATH (docker image).
# exec, so that signals (Ctrl-C, SIGTERM) reach the command itself, which stops what it started.
lp_exec() {
    local cli="$LP_REPO_ROOT/.venv/bin/langprop-drive"
    if [[ ! -x "$cli" ]]; then
        cli="$(command -v langprop-drive || true)"
        if [[ -z "$cli" ]]; then
            echo "$(basename "$0"): error: langprop-drive not found: run scripts/setup.sh (creates .venv) or pip install this package" >&2
            exit 1
        fi
    fi
    exec "$cli" "$@"
}
