#!/usr/bin/env bash
# Data stall: the share of trainer time spent waiting for batches in the embedded demo (tiny Whisper on a synthesized
# Mandarin corpus, nodes as local processes on the CPU), from the step times and data waits each trainer commits.
# Runs the demo with 2 DataNodes + 2 GpuNodes (the RESULT), 2 + 1 (scaling 1 -> 2 GpuNodes), 1 + 2 and 3 + 2
# (throughput with 1 vs 3 DataNodes), each from fresh weights on one corpus synthesized once. Writes
# bench/results/data_stall.md ending in "RESULT data_stall ratio=<waiting time / step time> target=0.02".
#   bench/data_stall/run.sh [steps per run (default 120)] [rounds of all runs (default 2)] [warm-up steps (default 5)]
# TORCH_SHIM_PREBUILT=/path/libtorch_shim.so uses an existing native shim instead of building it;
# DATA_STALL_KEEP=DIR keeps every run's commits.jsonl and node logs there.
set -euo pipefail
cd "$(dirname "$0")/../.."
steps="${1:-120}"
rounds="${2:-2}"
warmup="${3:-5}"
started_s=$SECONDS
started="$(date -u '+%Y-%m-%d %H:%M UTC')"
load() { cut -d' ' -f1-3 /proc/loadavg | sed 's/ /, /g'; }
load_before="$(load)"
if ! command -v espeak-ng >/dev/null 2>&1; then scripts/setup.sh; fi
shim=()
if [[ -n "${TORCH_SHIM_PREBUILT:-}" ]]; then shim=(-p:TorchShimPrebuilt="$TORCH_SHIM_PREBUILT"); fi
# Builds cluster.dll with datanode.dll and gpunode.dll next to it (the embedded nodes are started from there).
dotnet build src/Coordinator/Coordinator.csproj -c Release --verbosity quiet -clp:ErrorsOnly "${shim[@]}"
cluster=(dotnet src/Coordinator/bin/Release/net10.0/cluster.dll)
# OpenMP settings: the embedded launcher's own defaults (LocalThreading: passive waiting; CPU trainers split the cores).

scratch="$(mktemp -d)"
if [[ -n "${DATA_STALL_KEEP:-}" ]]; then
  trap 'rm -rf "$DATA_STALL_KEEP"; mv "$scratch/runs" "$DATA_STALL_KEEP"; rm -rf "$scratch"; echo "data_stall: commits and node logs kept in $DATA_STALL_KEEP"' EXIT
else
  trap 'rm -rf "$scratch"' EXIT
fi
out="$scratch/demo"
mkdir -p "$scratch/runs"
n=0
for round in $(seq 1 "$rounds"); do
  # Rounds of every configuration in turn, so that a change in the machine's load hits them alike.
  for run in "2 2" "2 1" "1 2" "3 2"; do
    read -r data gpu <<<"$run"
    n=$((n + 1))
    name="$(printf %02d "$n")-dn$data-gn$gpu-r$round"
    # The corpus (train.jsonl, dev.jsonl) is kept; checkpoints and the run folder are not, or a run would resume from
    # an earlier run's checkpoint.
    rm -rf "$out/checkpoints" "$out/runs"
    echo "data_stall: round $round, $data DataNode(s), $gpu GpuNode(s), $steps steps"
    "${cluster[@]}" demo --out "$out" --utterances 400 --seed 42 --steps "$steps" --data-nodes "$data" --gpu-nodes "$gpu" \
      >"$scratch/$name.log" 2>&1 || { tail -n 40 "$scratch/$name.log" >&2; exit 1; }
    tail -n 1 "$scratch/$name.log"
    cp "$out/runs/demo/commits.jsonl" "$scratch/runs/$name.jsonl"
    cp -r "$out/runs/demo/logs" "$scratch/runs/$name.logs"
  done
done

train_clips=$(grep -c . "$out/train.jsonl")
cpu="$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
mkdir -p bench/results
python3 bench/data_stall/data_stall.py --runs "$scratch/runs" --steps "$steps" --warmup "$warmup" \
  --report bench/results/data_stall.md \
  --machine "${cpu:-unknown CPU}, $(nproc) cores" \
  --started "$started" \
  --load-before "$load_before" --load-after "$(load)" --elapsed $((SECONDS - started_s)) \
  --runtime "Runtime: .NET $(dotnet --list-runtimes | sed -n 's/^Microsoft.NETCore.App \([^ ]*\).*/\1/p' | tail -n 1), libtorch $(dpkg-query -W -f='${Version}' libtorch-dev 2>/dev/null || echo '?')." \
  --omp "OpenMP: OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}, OMP_NUM_THREADS=${OMP_NUM_THREADS:-cores / GpuNodes} for CPU trainers (the embedded launcher's defaults unless set)." \
  --corpus "$train_clips training clips synthesized with espeak-ng (\`--utterances 400\`, seed 42)"
