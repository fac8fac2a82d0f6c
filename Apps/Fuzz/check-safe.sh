#!/bin/sh
# Re-prove the schedule target's safe combinations (Apps/Fuzz/Harness/
# SafeCombinations.swift): an exhaustive `pagewait explore` of each, with
# every value of the knobs safe mode turns. Prints one verdict a line and
# fails if any is not "no violation" with every reachable state visited.
#
#   Apps/Fuzz/check-safe.sh          (SCRATCH=path: the scratch path for pagewait)
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
bin=$(BUILD_ONLY=1 Apps/Fuzz/run.sh schedules-safe 0)
scratch=${SCRATCH:-.build}
swift build -c release --scratch-path "$scratch" --product pagewait >/dev/null
pagewait=$(swift build -c release --scratch-path "$scratch" --show-bin-path)/pagewait
list=$(mktemp)
trap 'rm -f "$list"' EXIT
"$bin" -list_safe >"$list"
failed=0
while read -r args; do
    # shellcheck disable=SC2086
    verdict=$("$pagewait" explore $args --jobs 1 --quiet 2>&1 | grep -m1 'verdict:' || true)
    case "$verdict" in
        *"every reachable state visited"*) echo "proof      $args" ;;
        *) echo "NOT PROVEN $args: $verdict"; failed=$((failed + 1)) ;;
    esac
done <"$list"
[ "$failed" = 0 ] || { echo "$failed combinations not proven" >&2; exit 1; }
