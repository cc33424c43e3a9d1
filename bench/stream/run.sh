#!/usr/bin/env bash
# Streaming throughput and memory: one hour of 16 kHz FLAC and ten minutes of 44.1 kHz stereo FLAC
# (tone + pink noise, made by ffmpeg) streamed through decode, resampling and log-Mel.
# Writes bench/results/stream.md ending in "RESULT stream realtime_per_core=... target=1000 ...".
set -euo pipefail
cd "$(dirname "$0")/../.."
scripts/setup.sh
dotnet build bench/stream/Stream.csproj -c Release --verbosity quiet -clp:ErrorsOnly
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
make_flac() { # seconds rate channels output
  ffmpeg -v error -y -f lavfi -i "sine=frequency=220:sample_rate=$2:duration=$1" \
    -f lavfi -i "anoisesrc=color=pink:sample_rate=$2:amplitude=0.05:duration=$1:seed=1" \
    -filter_complex "[0][1]amix=inputs=2:normalize=0" -ac "$3" -c:a flac "$4"
}
make_flac 3600 16000 1 "$scratch/one-hour-16k-mono.flac"
make_flac 600 44100 2 "$scratch/ten-minutes-44k-stereo.flac"
mkdir -p bench/results
DOTNET_gcServer=0 dotnet bench/stream/bin/Release/net10.0/stream-bench.dll --report bench/results/stream.md \
  "$scratch/one-hour-16k-mono.flac" "$scratch/ten-minutes-44k-stereo.flac"
