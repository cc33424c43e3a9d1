#!/usr/bin/env bash
# One command for a new user: install what is missing, build, and run the embedded demo job.
# Extra arguments go to `cluster demo` (e.g. ./demo.sh --steps 300).
set -euo pipefail
cd "$(dirname "$0")"
scripts/setup.sh
exec dotnet src/Coordinator/bin/Release/net10.0/cluster.dll demo "$@"
