#!/usr/bin/env bash
# CPU kernel benchmark (issue 11): GEMM 1024³, bmm, a bidirectional LSTM, attention forward + backward, and one training
# step of Whisper (tiny dims) and TF-GridNetV2 (16 kHz preset), on three sides taking turns in one run:
#   ours           Cluster.Torch on Debian's libtorch 1.13 with the default setup (bench/cpu_kernels/ours)
#   python3-torch  Debian's torch 1.13, same libtorch and same OpenBLAS kernels (bench/cpu_kernels/cpu_kernels.py)
#   libtorch 2.10  stock libtorch with MKL through TorchSharp-cpu 0.107 (bench/cpu_kernels/modern, via modern-runtime.sh)
# plus cluster-blas-probe's sgemm across OpenBLAS kernel families and BLIS. Writes bench/results/cpu_kernels.md, ending in
# "RESULT cpu_kernels ratio=<worst over gemm, lstm, attention of our time / libtorch 2.10's> target=1.3".
#   bench/cpu_kernels/run.sh [threads (default 1)] [timed repetitions per kernel turn (default 5)] [rounds (default 2)]
# Training steps take tens of seconds each, so they run CPU_KERNELS_STEP_WARMUP (default 1) + CPU_KERNELS_STEP_REPEATS
# (default 1) steps per turn; CPU_KERNELS_GRIDNET_SECONDS sets TF-GridNetV2's mixture length: default 1, because at
# 2 s its six turns alone took 14 of a 17-minute run on 2 cores, and the train_step size, 4 s, needs ~40 GB; CPU_KERNELS_OPS=gemm,lstm runs a subset; TORCH_SHIM_PREBUILT=/path/libtorch_shim.so
# uses an existing native shim. BLIS (libblis4-openmp) is downloaded with apt-get download and unpacked with dpkg-deb -x
# under out/bench/blis (git-ignored); nothing is installed. About 10-15 minutes at the defaults on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/../.."
threads="${1:-1}"
repeats="${2:-5}"
rounds="${3:-2}"
if ! dpkg-query -W -f='${Status}' python3-torch 2>/dev/null | grep -q "install ok installed"; then
  CLUSTER_SETUP_EXTRA="python3-torch" scripts/setup.sh
fi
shim=()
if [[ -n "${TORCH_SHIM_PREBUILT:-}" ]]; then shim=(-p:TorchShimPrebuilt="$TORCH_SHIM_PREBUILT"); fi
dotnet build bench/cpu_kernels/ours/CpuKernelsOurs.csproj -c Release --verbosity quiet -clp:ErrorsOnly "${shim[@]}"
dotnet build bench/cpu_kernels/driver/CpuKernelsDriver.csproj -c Release --verbosity quiet -clp:ErrorsOnly "${shim[@]}"

# BLIS for the GEMM comparison, unpacked beside the other benchmark downloads, never installed.
blis_dir=out/bench/blis
blis_library="$blis_dir/root/usr/lib/x86_64-linux-gnu/blis-openmp/libblis.so.4"
blis=()
if [[ ! -e "$blis_library" ]]; then
  rm -rf "$blis_dir" && mkdir -p "$blis_dir"
  # Sandbox::User=root: the _apt user cannot write into this tree; the download uses the system's package lists as they are.
  if (cd "$blis_dir" && apt-get -q download -o APT::Sandbox::User=root libblis4-openmp); then
    dpkg-deb -x "$blis_dir"/libblis4-openmp_*.deb "$blis_dir/root"
  else
    echo "cpu_kernels: could not download libblis4-openmp; the report leaves BLIS out" >&2
  fi
fi
if [[ -e "$blis_library" ]]; then
  deb=$(ls "$blis_dir"/libblis4-openmp_*.deb)
  blis=(--blis "$PWD/$blis_library" --blis-label "$(dpkg-deb -f "$deb" Package) $(dpkg-deb -f "$deb" Version)")
fi

extra=()
if [[ -n "${CPU_KERNELS_OPS:-}" ]]; then extra+=(--ops "$CPU_KERNELS_OPS"); fi
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"
mkdir -p bench/results
ours_dir=bench/cpu_kernels/ours/bin/Release/net10.0
dotnet bench/cpu_kernels/driver/bin/Release/net10.0/cpu-kernels-driver.dll \
  --threads "$threads" --repeats "$repeats" --rounds "$rounds" \
  --step-warmup "${CPU_KERNELS_STEP_WARMUP:-1}" --step-repeats "${CPU_KERNELS_STEP_REPEATS:-1}" \
  --gridnet-seconds "${CPU_KERNELS_GRIDNET_SECONDS:-1}" \
  --ours "$ours_dir/cpu-kernels-ours" \
  --python /usr/bin/python3 --script bench/cpu_kernels/cpu_kernels.py \
  --modern bench/cpu_kernels/modern-runtime.sh \
  --probe "$ours_dir/cluster-blas-probe" \
  --logs out/bench/cpu_kernels/logs --report bench/results/cpu_kernels.md \
  "${blis[@]}" "${extra[@]}"
