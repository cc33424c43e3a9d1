#!/usr/bin/env bash
# Dispatch-overhead benchmark: this binding vs Debian's python3-torch on the same libtorch, same
# thread count, in one run. Writes bench/results/dispatch.md ending in "RESULT dispatch ratio=...".
#   bench/dispatch/run.sh [threads]
set -euo pipefail
cd "$(dirname "$0")/../.."
threads="${1:-1}"
CLUSTER_SETUP_EXTRA="python3-torch" scripts/setup.sh
dotnet build bench/dispatch/Dispatch.csproj -c Release --verbosity quiet -clp:ErrorsOnly
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
# Debian's interpreter: its torch is the python3-torch package built on the same libtorch 1.13.
/usr/bin/python3 bench/dispatch/dispatch.py --threads "$threads" --json "$scratch/python.json"
mkdir -p bench/results
dotnet bench/dispatch/bin/Release/net10.0/dispatch-bench.dll --threads "$threads" \
  --python-json "$scratch/python.json" --report bench/results/dispatch.md
