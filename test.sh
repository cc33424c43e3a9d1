#!/usr/bin/env bash
# One command for a new user or CI: install what is missing, build, run every test project, and close
# with one line "N passed, N failed, N skipped" summed over all test assemblies.
set -uo pipefail
cd "$(dirname "$0")"
scripts/setup.sh || { echo "0 passed, 1 failed, 0 skipped"; exit 1; }

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
dotnet test Cluster.sln -c Release --no-build --blame-hang-timeout 15m "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

# dotnet test prints one line per test assembly: "Passed!  - Failed: 0, Passed: 91, Skipped: 0, Total: 91, ..."
read -r passed failed skipped < <(grep -E "^(Passed|Failed)! +- +Failed:" "$log" | awk -F'[:,]' '
  { failed += $2; passed += $4; skipped += $6 } END { printf "%d %d %d\n", passed, failed, skipped }')
assemblies=$(grep -cE "^(Passed|Failed)! +- +Failed:" "$log" || true)
if [[ $status -ne 0 && $failed -eq 0 ]]; then
  failed=1  # the run broke (build error, crashed host) without a failing test to count
fi
echo "test assemblies: $assemblies"
echo "$passed passed, $failed failed, $skipped skipped"
exit "$status"
