#!/usr/bin/env bash
# Training-step benchmark: one step (forward + loss + backward + AdamW) of Whisper with tiny dimensions
# (d 384, 6 heads, 4+4 layers, 3000 frames, 32 tokens, batch 2) and of TF-GridNetV2's 16 kHz preset (4 s,
# batch 2), ours vs the plain-torch references under Debian's python3-torch on the same libtorch, same
# thread count, the two sides alternating step by step in one run. Writes bench/results/train_step.md
# ending in "RESULT train_step ratio=<our time / python time, the worse model> target=1.0".
#   bench/train_step/run.sh [threads (default 1)] [timed steps per side (default 6)] [warm-up steps per turn (default 1)]
#                           [rounds (default 2)]
# The sides take turns, one per round each: warm-up steps, timed steps back to back, then each gives back the memory it
# keeps (ours: the CPU memory cache a trainer keeps; python: glibc's free lists), so one machine holds both.
# TRAIN_STEP_GRIDNET_SECONDS=2 shortens TF-GridNetV2's mixtures where a 4 s step does not fit in memory (the report
# says so); TORCH_SHIM_PREBUILT=/path/libtorch_shim.so uses an existing native shim instead of building it;
# TRAIN_STEP_MODELS=whisper (or gridnet) runs one model only; TRAIN_STEP_PROFILE=1 also prints
# torch.autograd.profiler's table of one Python step per model.
set -euo pipefail
cd "$(dirname "$0")/../.."
threads="${1:-1}"
steps="${2:-6}"
warmup="${3:-1}"
rounds="${4:-2}"
if ! dpkg-query -W -f='${Status}' python3-torch 2>/dev/null | grep -q "install ok installed"; then
  CLUSTER_SETUP_EXTRA="python3-torch" scripts/setup.sh
fi
shim=()
if [[ -n "${TORCH_SHIM_PREBUILT:-}" ]]; then shim=(-p:TorchShimPrebuilt="$TORCH_SHIM_PREBUILT"); fi
dotnet build bench/train_step/TrainStep.csproj -c Release --verbosity quiet -clp:ErrorsOnly "${shim[@]}"
extra=()
if [[ -n "${TRAIN_STEP_MODELS:-}" ]]; then extra+=(--models "$TRAIN_STEP_MODELS"); fi
if [[ -n "${TRAIN_STEP_PROFILE:-}" ]]; then extra+=(--profile-python); fi
if [[ -n "${TRAIN_STEP_GRIDNET_SECONDS:-}" ]]; then extra+=(--gridnet-seconds "$TRAIN_STEP_GRIDNET_SECONDS"); fi
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"
mkdir -p bench/results
# The reference side must be Debian's interpreter: its torch is python3-torch, built on the same libtorch 1.13.
dotnet bench/train_step/bin/Release/net10.0/train-step-bench.dll --threads "$threads" --steps "$steps" --warmup "$warmup" --rounds "$rounds" \
  --python /usr/bin/python3 --script bench/train_step/train_step.py --report bench/results/train_step.md "${extra[@]}"
