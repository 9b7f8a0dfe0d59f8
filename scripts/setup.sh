#!/usr/bin/env bash
# Create .venv and install the package with its test tools, the examples' dependencies and Ray (route runs on a cluster).
# torch is installed first and pinned, so pip never pulls a CUDA build on a CPU machine;
# on a GPU box set TORCH_SPEC (e.g. TORCH_SPEC="torch") to choose another build.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
TORCH_SPEC="${TORCH_SPEC:-torch==2.13.0}"
"$PYTHON" -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet "$TORCH_SPEC"
.venv/bin/python -m pip install --quiet -e '.[dev,examples,ray]'
echo "ready: .venv/bin/langprop-drive --help"
