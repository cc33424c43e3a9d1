#!/usr/bin/env bash
# Learning checks (issue "Models"): tiny Whisper from scratch → held-out CER, small TF-GridNetV2 →
# held-out SI-SNRi, each trained on the CPU for a time budget. Writes bench/results/learning.md.
#   bench/learning/run.sh [whisper|gridnet|all] [minutes]
set -euo pipefail
cd "$(dirname "$0")/../.."
scripts/setup.sh
dotnet build bench/learning/Learning.csproj -c Release --verbosity quiet -clp:ErrorsOnly
mkdir -p bench/results
dotnet bench/learning/bin/Release/net10.0/learning-bench.dll "${1:-all}" --minutes "${2:-10}" --report bench/results/learning.md
