#!/usr/bin/env bash
# Learning checks (issue "Models"): tiny Whisper from scratch → held-out CER, small TF-GridNetV2 →
# held-out SI-SNRi, each trained on the CPU for a time budget. Writes bench/results/learning.md.
#   bench/learning/run.sh [whisper|gridnet|all] [minutes]
set -euo pipefail
cd "$(dirname "$0")/../.."
scripts/setup.sh
dotnet build bench/learning/Learning.csproj -c Release --verbosity quiet -clp:ErrorsOnly
mkdir -p bench/results

# Debian's libtorch 1.13 does its matrix products through libblas.so.3, which is the reference BLAS unless another is
# installed: about 3 GFLOPS here, ten times slower per Whisper step than OpenBLAS. The checks load OpenBLAS from a
# private copy of the Debian package, so the system's BLAS (the one the tests and goldens run on) stays as it is.
# The OpenMP build shares libtorch's OpenMP threads (set_num_threads) instead of starting threads of its own, which on
# two cores would compete with them.
openblas=".artifacts/openblas"
openblas_lib="$openblas/usr/lib/x86_64-linux-gnu/openblas-openmp"
if [[ ! -e "$openblas_lib/libblas.so.3" ]]; then
  scratch="$(mktemp -d)"
  fetch() { (cd "$scratch" && apt-get download -q libopenblas0-openmp >/dev/null 2>&1); }
  if { fetch || { apt-get update -q >/dev/null 2>&1 && fetch; }; } && dpkg -x "$scratch"/libopenblas0-openmp_*.deb "$scratch/root"; then
    mkdir -p .artifacts && rm -rf "$openblas" && mv "$scratch/root" "$openblas"
  else
    echo "run.sh: could not fetch Debian's libopenblas0-openmp; training runs on the reference BLAS, about ten times slower" >&2
  fi
  rm -rf "$scratch"
fi
if [[ -e "$openblas_lib/libblas.so.3" ]]; then export LD_LIBRARY_PATH="$PWD/$openblas_lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"; fi
dotnet bench/learning/bin/Release/net10.0/learning-bench.dll "${1:-all}" --minutes "${2:-10}" --report bench/results/learning.md
