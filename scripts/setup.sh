#!/usr/bin/env bash
# Installs what the project needs and builds it; safe to run again (it only installs what is missing).
#   Debian packages: cmake, g++, libtorch-dev (libtorch 1.13 for the native shim), libgloo-dev (Gloo's
#                    headers for the shim's c10d collectives); libopenblas0-openmp
#                    (Debian's libtorch does every float matrix product through the system libblas.so.3,
#                    which is otherwise the unoptimised reference BLAS: ~8x slower LSTM and Linear on the
#                    CPU; the OpenMP build shares libtorch's thread pool instead of adding its own); libsndfile1 and
#                    libsoxr0 (audio decoding and resampling, via P/Invoke); ffmpeg (video containers);
#                    espeak-ng (speech synthesis for demo and test corpora); prometheus (with promtool: the
#                    tests scrape a run with the real server and lint every node's metrics); chromium (the
#                    status page's end-to-end test drives Debian's browser through Playwright, which downloads
#                    none); fonts-dejavu-core (the text of the evaluation plots, a run's curves and the status
#                    page's screenshot: SkiaSharp reads /usr/share/fonts)
#   NuGet packages:  restored by `dotnet restore`
#   Native shim:     built by CMake from `dotnet build` (src/Torch/Torch.csproj)
# Set CLUSTER_SETUP_EXTRA="python3-torch" to add packages (the benchmarks do this themselves).
set -euo pipefail
cd "$(dirname "$0")/.."

configuration="${CONFIGURATION:-Release}"
packages=(cmake g++ make libtorch-dev libgloo-dev libopenblas0-openmp libsndfile1 libsoxr0 ffmpeg espeak-ng prometheus chromium fonts-dejavu-core ${CLUSTER_SETUP_EXTRA:-})

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done
if ((${#missing[@]} > 0)); then
  echo "setup: installing Debian packages: ${missing[*]}"
  sudo=""
  if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

if ! command -v dotnet >/dev/null 2>&1; then
  echo "setup: the .NET 10 SDK (dotnet) is required and was not found on PATH" >&2
  exit 1
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet restore Cluster.sln --verbosity quiet
dotnet build Cluster.sln -c "$configuration" --no-restore --verbosity quiet -clp:ErrorsOnly
