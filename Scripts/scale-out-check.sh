#!/usr/bin/env bash
# Run split searches and a split sweep through GNU parallel on this machine
# (Examples/cluster/pagewait-parts.sh), merge them, and check the merged
# verdicts and statistics against one process (docs/scale-out.md):
#
#   Scripts/scale-out-check.sh                  the check
#   Scripts/scale-out-check.sh --measure SEEDS  instead, the wall time of a compare
#                                               sweep of SEEDS seeds (1...100000)
#                                               in one process and in 1, 2, 4 and
#                                               8 chunks (each checked against it)
#
# - a 2-part shard search: the merged proof (z12-end-writeback) and the
#   merged violation (reclaim-race under put-and-wait-unlockless) are the
#   single search's verdicts, and the merged replay line reproduces it;
# - a 4-member swarm: the merged violation is the single search's kind, and
#   its replay line reproduces it;
# - a 4-chunk compare sweep: the merged JSON report is byte for byte the
#   single process's, but for the seconds it took; the same for a run;
# - the Slurm array script, run as the array's tasks would run it, merges
#   to the same verdict as the parallel run.
#
# Uses $PAGEWAIT, else builds pagewait (release). Needs GNU parallel.
# Exit status: 0 when every check passed, 1 otherwise, 2 on bad usage.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

measure=""
if [ $# -gt 0 ]; then
    if [ "$1" != --measure ] || [ $# -ne 2 ]; then sed -n '2,8p' "$0" >&2; exit 2; fi
    case "$2" in ''|*[!0-9]*) echo "$0: --measure expects a number of seeds (1...100000), not '$2'" >&2; exit 2 ;; esac
    if [ "$2" -lt 1 ] || [ "$2" -gt 100000 ]; then echo "$0: --measure $2 is out of range: allowed 1...100,000" >&2; exit 2; fi
    measure=$2
fi
command -v parallel >/dev/null || { echo "$0: GNU parallel is not installed (Debian: apt-get install parallel)" >&2; exit 2; }
if [ -z "${PAGEWAIT:-}" ]; then
    swift build -c release --product pagewait >&2
    PAGEWAIT=$root/.build/release/pagewait
fi
export PAGEWAIT
export PARALLEL_OPTS=${PARALLEL_OPTS:--j 2}
parts=$root/Examples/cluster/pagewait-parts.sh
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0 checks=0
pass() { checks=$((checks + 1)); echo "ok: $1"; }
fail() { checks=$((checks + 1)); failures=$((failures + 1)); echo "FAILED: $1"; }

# Run a command that may exit 1 (a violation is a result), its output to
# file $1; its status in $rc.
run() { local out=$1; shift; rc=0; "$@" > "$out" 2>&1 || rc=$?; }
verdict() { grep -m1 '^  verdict:' "$1" | sed 's/^  verdict: //'; }
kind() { verdict "$1" | sed -n 's/^VIOLATION \([A-Z_]*\).*/\1/p'; }

# A merged report's replay line, run: it must end in the same violation.
replays() {
    local line
    line=$(sed -n 's/^  replay: //p' "$1")
    [ -n "$line" ] || return 1
    local s=0
    (cd "$work" && PATH="$(dirname "$PAGEWAIT"):$PATH" eval "$line") > "$work/replayed.txt" 2>&1 || s=$?
    [ "$s" -eq 1 ] && grep -q "violation: $2" "$work/replayed.txt"
}

if [ -z "$measure" ]; then
# 1. Shards: a proof and a violation.
"$PAGEWAIT" explore z12-end-writeback --strategy noref --quiet --jobs 1 > "$work/z12.txt"
run "$work/z12-merged.txt" "$parts" shard 2 "$work/z12" explore z12-end-writeback --strategy noref; s=$rc
if [ "$s" = 0 ] && [ "$(verdict "$work/z12.txt")" = "$(verdict "$work/z12-merged.txt")" ] && grep -q 'a proof for this scenario' "$work/z12-merged.txt"; then
    pass "2 shards of z12-end-writeback merge to the single search's proof"
else
    fail "2 shards of z12-end-writeback (status $s):"; cat "$work/z12.txt" "$work/z12-merged.txt"
fi
race=(reclaim-race --strategy put-and-wait-unlockless)
run "$work/race.txt" "$PAGEWAIT" explore "${race[@]}" --quiet --jobs 1; s1=$rc
run "$work/race-shards.txt" "$parts" shard 2 "$work/race-shards" explore "${race[@]}"; s=$rc
if [ "$s1" = 1 ] && [ "$s" = 1 ] && [ -n "$(kind "$work/race.txt")" ] && [ "$(kind "$work/race.txt")" = "$(kind "$work/race-shards.txt")" ] \
    && replays "$work/race-shards.txt" "$(kind "$work/race.txt")"; then
    pass "2 shards of reclaim-race merge to the single search's $(kind "$work/race.txt"), and the replay line reproduces it"
else
    fail "2 shards of reclaim-race (status $s1, $s):"; cat "$work/race.txt" "$work/race-shards.txt"
fi

# 2. A swarm of 4.
run "$work/swarm.txt" "$parts" swarm 4 "$work/swarm" explore "${race[@]}"; s=$rc
if [ "$s" = 1 ] && [ "$(kind "$work/race.txt")" = "$(kind "$work/swarm.txt")" ] && replays "$work/swarm.txt" "$(kind "$work/race.txt")"; then
    pass "4 swarm members find the single search's $(kind "$work/race.txt"), and the replay line reproduces it"
else
    fail "a swarm of 4 (status $s):"; cat "$work/swarm.txt"
fi
"$PAGEWAIT" merge --watch --once "$work/swarm"/progress-*.json > "$work/watch.txt"
if grep -q '^parts done 4/4, running 0, not started 0; states [0-9]*, [0-9]* states/s' "$work/watch.txt"; then
    pass "merge --watch: $(cat "$work/watch.txt")"
else
    fail "merge --watch:"; cat "$work/watch.txt"
fi

# 3. A compare sweep in 4 chunks.
sweep=(compare --seeds 200 --scenario reclaim-race --scenario offline --strategy legacy --strategy put-and-wait-unlockless --faulters 1,2)
run /dev/null "$PAGEWAIT" "${sweep[@]}" --format json -o "$work/sweep.json"; s1=$rc
run /dev/null "$parts" seeds-chunk 4 "$work/chunks" "${sweep[@]}"; s=$rc
run /dev/null "$PAGEWAIT" merge "$work/chunks"/part-*.json --format json -o "$work/sweep-merged.json"; s2=$rc
if [ "$s1" = "$s" ] && [ "$s" = "$s2" ] && diff <(grep -v -i seconds "$work/sweep.json") <(grep -v -i seconds "$work/sweep-merged.json"); then
    pass "4 chunks of a 200-seed compare sweep merge byte for byte to the single process's report (but for its seconds)"
else
    fail "4 chunks of a compare sweep (status $s1, $s, $s2)"
fi

run /dev/null "$PAGEWAIT" run offline --strategy legacy --faulters 2 --seeds 300 --format json -o "$work/run.json"; s1=$rc
run /dev/null "$parts" seeds-chunk 4 "$work/run-chunks" run offline --strategy legacy --faulters 2 --seeds 300; s=$rc
run /dev/null "$PAGEWAIT" merge "$work/run-chunks"/part-*.json --format json -o "$work/run-merged.json"; s2=$rc
if [ "$s1" = "$s" ] && [ "$s" = "$s2" ] && cmp "$work/run.json" "$work/run-merged.json"; then
    pass "4 chunks of a 300-seed run merge byte for byte to the single run's report"
else
    fail "4 chunks of a run (status $s1, $s, $s2)"
fi

# 4. The Slurm array script, run as its two tasks would be.
for i in 0 1; do
    SLURM_ARRAY_TASK_ID=$i SLURM_ARRAY_TASK_COUNT=2 "$root/Examples/cluster/pagewait-array.sbatch" shard "$work/slurm" \
        explore z12-end-writeback --strategy noref
done
run "$work/slurm.txt" "$PAGEWAIT" merge "$work/slurm"/part-*.json; s=$rc
if [ "$s" = 0 ] && [ "$(verdict "$work/slurm.txt")" = "$(verdict "$work/z12-merged.txt")" ]; then
    pass "the Slurm array script's 2 shards merge to the same proof"
else
    fail "the Slurm array script (status $s):"; cat "$work/slurm.txt"
fi

else
# The scaling figure: one sweep, in more and more chunks, two at a time.
    big=(compare --seeds "$measure" --scenario migrate-vs-faulters --scenario offline --strategy legacy --strategy put-and-wait --faulters 1,2,3 --no-exhaustive)
    now() { date +%s.%N; }
    t0=$(now); "$PAGEWAIT" "${big[@]}" --jobs 1 --format json -o "$work/big.json" || true; t1=$(now)
    one=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')
    echo "sweep of $measure seeds per row, parallel ${PARALLEL_OPTS}, $(nproc) cores, load average $(cut -d" " -f1-3 /proc/loadavg):"
    printf '%-22s %8s %9s\n' "run" "wall s" "speed-up"
    printf '%-22s %8.2f %9.2f\n' "one process, 1 thread" "$one" 1
    for n in 1 2 4 8; do
        t0=$(now); "$parts" seeds-chunk "$n" "$work/big-$n" "${big[@]}" > /dev/null 2>&1 || true; t1=$(now)
        "$PAGEWAIT" merge "$work/big-$n"/part-*.json --format json -o "$work/big-$n.json" || true
        w=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')
        same=$(diff -q <(grep -v -i seconds "$work/big.json") <(grep -v -i seconds "$work/big-$n.json") > /dev/null && echo "" || echo " (DIFFERENT ROWS)")
        [ -z "$same" ] || failures=$((failures + 1))
        printf '%-22s %8.2f %9.2f%s\n' "$n chunks" "$w" "$(awk -v a="$one" -v b="$w" 'BEGIN { print a / b }')" "$same"
        checks=$((checks + 1))
    done
fi

echo "scale-out check: $((checks - failures)) of $checks checks passed"
[ "$failures" -eq 0 ]
