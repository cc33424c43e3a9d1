#!/usr/bin/env bash
# Learning checks (issue "Models"): tiny Whisper from scratch → held-out CER, small TF-GridNetV2 →
# held-out SI-SNRi, each trained on the CPU for a time budget. Writes bench/results/learning.md.
#   bench/learning/run.sh [whisper|gridnet|all] [minutes]
set -euo pipefail
cd "$(dirname "$0")/../.."
scripts/setup.sh
dotnet build bench/learning/Learning.csproj -c Release --verbosity quiet -clp:ErrorsOnly
mkdir -p bench/results
# libgomp's idle threads spin: on a shared machine a spinning thread takes the core its partner needs, and a
# training step with 2 threads ran ~10x slower than with 1 thread (passive waiting brought it back to ~1.5x).
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"
dotnet bench/learning/bin/Release/net10.0/learning-bench.dll "${1:-all}" --minutes "${2:-10}" --report bench/results/learning.md
