#!/usr/bin/env bash
# Runs every test project and ends with one line `N passed, N failed, N skipped`; exits non-zero on any failure.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export ONEDNN_MAX_CPU_ISA="${ONEDNN_MAX_CPU_ISA:-AVX2}"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
log="$(mktemp)"
trap 'rm -f "$log"' EXIT

dotnet test "$root/NasActors.sln" -c Release "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

# One summary line per test project: "Passed!  - Failed: 0, Passed: 41, Skipped: 0, Total: 41, ..."
sum() { grep -Eo "$1:[[:space:]]*[0-9]+" "$log" | grep -Eo '[0-9]+$' | awk '{ s += $1 } END { print s + 0 }'; }
passed=$(sum 'Passed')
failed=$(sum 'Failed')
skipped=$(sum 'Skipped')
projects=$(grep -cE '^(Passed|Failed)!' "$log" || true)
expected=$(ls "$root"/tests/*/*.csproj | wc -l)
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  failed=1  # the build or a test host failed before any test could report
fi
if [ "$projects" -lt "$expected" ] && [ "$failed" -eq 0 ]; then
  echo "only $projects of $expected test projects reported results" >&2
  failed=1
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ]
