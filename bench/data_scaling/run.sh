#!/usr/bin/env bash
# Data scaling: one trainer's throughput while the job's DataNodes are scaled 1 -> 3 -> 1 during one run (`cluster
# scale`), on a data-bound job: a small TF-GridNetV2 fed 48 kHz MP3 speech (decoded, resampled, cropped and mixed with
# noise per example), one worker per DataNode, one trainer thread. Writes bench/results/data_scaling.md ending in
# "RESULT data_scaling ratio=<time per example with 3 DataNodes / with 1> target=1.0" (below 1: 3 beat 1).
#   bench/data_scaling/run.sh [steps per phase (default 40)] [manifest items (default 640)]
# TORCH_SHIM_PREBUILT=/path/libtorch_shim.so uses an existing native shim instead of building it;
# DATA_SCALING_KEEP=DIR keeps the run (job, commits, node logs) there.
set -euo pipefail
cd "$(dirname "$0")/../.."
phase="${1:-40}"
items="${2:-640}"
if ! command -v espeak-ng >/dev/null 2>&1 || ! command -v ffmpeg >/dev/null 2>&1; then scripts/setup.sh; fi
shim=()
if [[ -n "${TORCH_SHIM_PREBUILT:-}" ]]; then shim=(-p:TorchShimPrebuilt="$TORCH_SHIM_PREBUILT"); fi
# Builds cluster.dll with datanode.dll and gpunode.dll next to it (the embedded nodes are started from there).
dotnet build src/Coordinator/Coordinator.csproj -c Release --verbosity quiet -clp:ErrorsOnly "${shim[@]}"
cluster="dotnet $PWD/src/Coordinator/bin/Release/net10.0/cluster.dll"
# OpenMP settings: the embedded launcher's own defaults (LocalThreading: passive waiting; CPU trainers split the cores).

scratch="$(mktemp -d)"
if [[ -n "${DATA_SCALING_KEEP:-}" ]]; then
  trap 'rm -rf "$DATA_SCALING_KEEP"; mv "$scratch/job" "$DATA_SCALING_KEEP"; rm -rf "$scratch"; echo "data_scaling: run kept in $DATA_SCALING_KEEP"' EXIT
else
  trap 'rm -rf "$scratch"' EXIT
fi
$cluster data synth "$scratch/cv" --utterances 150 --seed 11 >/dev/null
python3 bench/data_scaling/data_scaling.py prepare --corpus "$scratch/cv" --out "$scratch/job" --items "$items"
mkdir -p bench/results
python3 bench/data_scaling/data_scaling.py run --cluster "$cluster" --job "$scratch/job/job.yaml" --phase "$phase" \
  --report bench/results/data_scaling.md
