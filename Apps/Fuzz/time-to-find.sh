#!/bin/sh
# How long the schedule target takes to find the put-and-wait-unlockless
# lost wakeup on reclaim-race from an empty corpus: RUNS runs (default 5)
# with libFuzzer seeds 1..RUNS, each stopped at its first finding or after
# LIMIT seconds (default 600); prints each time and the median.
#
#   Apps/Fuzz/time-to-find.sh [RUNS [LIMIT]]
#
# PW_FUZZ_SCENARIO and PW_FUZZ_STRATEGY default to reclaim-race and
# put-and-wait-unlockless; set them (PW_FUZZ_SCENARIO= for every scenario)
# to time other hunts. Extra libFuzzer options go in FUZZ_OPTIONS.
set -eu
runs=${1:-5}
limit=${2:-600}
root=$(cd "$(dirname "$0")/../.." && pwd)
export PW_FUZZ_SCENARIO="${PW_FUZZ_SCENARIO-reclaim-race}"
export PW_FUZZ_STRATEGY="${PW_FUZZ_STRATEGY-put-and-wait-unlockless}"
bin=$(BUILD_ONLY=1 "$root/Apps/Fuzz/run.sh" schedules 0)
work=$(mktemp -d)
[ -n "${KEEP:-}" ] || trap 'rm -rf "$work"' EXIT
export SWIFT_BACKTRACE=enable=no
times=""
i=1
while [ "$i" -le "$runs" ]; do
    mkdir -p "$work/$i/corpus"
    start=$(date +%s.%N)
    # shellcheck disable=SC2086
    "$bin" -seed="$i" -max_total_time="$limit" -artifact_prefix="$work/$i/" ${FUZZ_OPTIONS:-} "$work/$i/corpus" \
        >"$work/$i/log" 2>&1 || true
    end=$(date +%s.%N)
    t=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')
    found=$(grep -m1 -o 'pagewait fuzz-schedules: [A-Z_][A-Z_]*:' "$work/$i/log" | sed 's/.*: //; s/:$//' || true)
    case=$(grep -m1 '^  case: ' "$work/$i/log" | sed 's/^  case: //' || true)
    printf 'run %d: %6.1f s  %s  %s\n' "$i" "$t" "${found:-nothing found}" "$case"
    times="$times $t"
    i=$((i + 1))
done
echo "$times" | tr ' ' '\n' | grep . | sort -n | awk '{ a[NR] = $1 } END { printf "median of %d: %.1f s\n", NR, (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
