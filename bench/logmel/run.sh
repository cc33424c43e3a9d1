#!/usr/bin/env bash
# Whisper log-Mel benchmark: Cluster.Speech.Features vs Debian's python3-torch running Whisper's
# audio.py front end on the same libtorch, same thread count, same inputs, in one run. Writes
# bench/results/logmel.md ending in "RESULT logmel ratio=... target=0.67".
#   bench/logmel/run.sh [threads]
# TORCH_SHIM_PREBUILT=/path/libtorch_shim.so uses an existing native shim instead of building it.
set -euo pipefail
cd "$(dirname "$0")/../.."
threads="${1:-1}"
if ! dpkg-query -W -f='${Status}' python3-torch 2>/dev/null | grep -q "install ok installed"; then
  CLUSTER_SETUP_EXTRA="python3-torch" scripts/setup.sh
fi
shim=()
if [[ -n "${TORCH_SHIM_PREBUILT:-}" ]]; then shim=(-p:TorchShimPrebuilt="$TORCH_SHIM_PREBUILT"); fi
dotnet build bench/logmel/LogMel.csproj -c Release --verbosity quiet -clp:ErrorsOnly "${shim[@]}"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
# Debian's interpreter: its torch is the python3-torch package built on the same libtorch 1.13.
/usr/bin/python3 bench/logmel/logmel_reference.py --threads "$threads" --inputs "$scratch/inputs.f32" \
  --features "$scratch/reference.f32" --json "$scratch/python.json"
mkdir -p bench/results
dotnet bench/logmel/bin/Release/net10.0/logmel-bench.dll --threads "$threads" --inputs "$scratch/inputs.f32" \
  --reference-features "$scratch/reference.f32" --python-json "$scratch/python.json" --report bench/results/logmel.md
