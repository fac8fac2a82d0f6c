#!/usr/bin/env bash
# Run the n parts of one split pagewait run with GNU parallel, then merge them.
#
#   Examples/cluster/pagewait-parts.sh KIND N OUTDIR COMMAND [ARGS...]
#
#   KIND     shard, swarm (explore) or seeds-chunk (compare, run)
#   N        the number of parts
#   OUTDIR   where each part writes part-I.json, progress-I.json and part-I.log
#   COMMAND  explore, compare or run, with its arguments (not --format, -o, the split)
#
# For example, four swarm members, two at a time on this machine:
#
#   PARALLEL_OPTS="-j 2" Examples/cluster/pagewait-parts.sh swarm 4 out/swarm \
#       explore reclaim-race --strategy put-and-wait-unlockless
#
# On a cluster, GNU parallel runs the parts over ssh on the machines listed in a
# file (one "cores/host" per line), in the current directory there: OUTDIR must
# be on a file system the nodes share (as a cluster's home directories are).
#
#   PARALLEL_OPTS="--sshloginfile nodes.txt --workdir ." PAGEWAIT=/opt/pagewait/bin/pagewait \
#       Examples/cluster/pagewait-parts.sh shard 64 out/shards explore offline --faulters 4
#
# While it runs, `pagewait merge --watch OUTDIR/progress-*.json` shows parts done
# and states, runs or seeds per second. Each part runs on one thread (--jobs 1): one
# part per core, and a shard part on one thread lets the merge settle
# termination (docs/scale-out.md).
#
# Environment: PAGEWAIT (the pagewait binary, the same path on every node;
# default: pagewait on PATH), PARALLEL_OPTS (options for GNU parallel; default:
# one job per core here).
#
# Exit status: merge's (0 no violation, 1 a violation, 2 bad input, 130
# interrupted); 2 when a part failed (its part-I.log says why).
set -euo pipefail

if [ $# -lt 4 ]; then
    sed -n '2,12p' "$0" >&2
    exit 2
fi
kind=$1 n=$2 outdir=$3
shift 3
case "$kind" in
    shard|swarm) [ "$1" = explore ] || { echo "$0: $kind splits an explore run, not '$1'" >&2; exit 2; } ;;
    seeds-chunk) [ "$1" = compare ] || [ "$1" = run ] || { echo "$0: seeds-chunk splits a compare or run sweep, not '$1'" >&2; exit 2; } ;;
    *) echo "$0: KIND must be shard, swarm or seeds-chunk, not '$kind'" >&2; exit 2 ;;
esac
case "$n" in
    ''|*[!0-9]*) echo "$0: N must be a number of parts (1...1000000), not '$n'" >&2; exit 2 ;;
esac
if [ "$n" -lt 1 ] || [ "$n" -gt 1000000 ]; then
    echo "$0: N $n is out of range: allowed 1...1,000,000" >&2
    exit 2
fi
command -v parallel >/dev/null || { echo "$0: GNU parallel is not installed (Debian: apt-get install parallel)" >&2; exit 2; }
pagewait=${PAGEWAIT:-pagewait}
mkdir -p "$outdir"
rm -f "$outdir"/part-*.json "$outdir"/progress-*.json "$outdir"/part-*.log

quiet=()
[ "$1" = explore ] && quiet=(--quiet)
# A part that found a violation exits 1, which is a result, not a failure:
# each job succeeds on 0 or 1 and fails (logged) on anything else.
# shellcheck disable=SC2086 # PARALLEL_OPTS is a list of options
parallel ${PARALLEL_OPTS:-} --halt never --line-buffer \
    "$pagewait" "$(printf '%q ' "$@")" "${quiet[*]}" --jobs 1 --"$kind" '{}'/"$n" --format json \
        -o "$outdir"/part-'{}'.json --progress "$outdir"/progress-'{}'.json \
        '>' "$outdir"/part-'{}'.log 2'>&1' '||' '[ $? -eq 1 ]' \
    ::: $(seq 0 $((n - 1))) || {
    echo "$0: $? of $n parts failed; see $outdir/part-*.log" >&2
    exit 2
}
exec "$pagewait" merge "$outdir"/part-*.json
