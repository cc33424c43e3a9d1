#!/usr/bin/env bash
# Batch streaming over loopback: Whisper-sized BatchData between two actor systems through the cluster's remoting.
# Writes bench/results/batch_streaming.md ending in "RESULT batch_streaming ...".
set -euo pipefail
cd "$(dirname "$0")/../.."
dotnet build bench/stream_batches/StreamBatches.csproj -c Release --verbosity quiet -clp:ErrorsOnly "$@"
dotnet bench/stream_batches/bin/Release/net10.0/stream-batches-bench.dll --batches 100 --credits 4 --report bench/results/batch_streaming.md
